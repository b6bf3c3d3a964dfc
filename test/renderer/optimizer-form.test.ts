/** The New run form sends each optimiser's own fields; charts say what a loss key means (issue 10, 4 and 5). */
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src-main/api/schema/config';
import { metricAxisLabel, seriesConfig } from '../../src-renderer/components/charts/series-config';
import { defaultForm, fromConfig, toConfig } from '../../src-renderer/lib/run-form';

describe('optimiser fields in the New run form', () => {
  it('UFM gd sends only lr; momentum and adam send their own fields, and every one validates', () => {
    const f = defaultForm('ufm');
    expect(toConfig(f).optimizer).toEqual({ name: 'gd', lr: 0.05 });
    f.optimizer.name = 'momentum';
    expect(toConfig(f).optimizer).toEqual({ name: 'momentum', lr: 0.05, momentum: 0.9 });
    f.optimizer.name = 'adam';
    expect(toConfig(f).optimizer).toEqual({ name: 'adam', lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    expect(() => parseRunConfig(toConfig(f))).not.toThrow();
  });

  it('deep sgd states momentum and Nesterov; a cloned migrated adam run keeps its epsilon', () => {
    const f = defaultForm('deep');
    expect(toConfig(f).optimizer).toEqual({ name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0.0005 });
    expect(() => parseRunConfig(toConfig(f))).not.toThrow();
    const adam = { ...toConfig(f), optimizer: { name: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-7, weightDecay: 0 } };
    expect(toConfig(fromConfig(adam, '')).optimizer).toEqual(adam.optimizer);
  });

  it('the three loss forms survive clone & edit', () => {
    for (const form of ['paper', 'supcon-mean', 'supcon-mean-positive-anchors'] as const) {
      expect(toConfig(fromConfig({ ...toConfig(defaultForm('ufm')), lossForm: form }, '')).lossForm).toBe(form);
    }
  });
});

describe('metric meanings on the chart axis', () => {
  it('the loss keys say how they combine batches', () => {
    expect(metricAxisLabel('train/epochLoss')).toBe("train/epochLoss: sum of the epoch's batch losses (UFM objective)");
    expect(metricAxisLabel('train/epochLossMean')).toBe("train/epochLossMean: mean of the epoch's batch losses (deep runs)");
    expect(metricAxisLabel('train/lossMean')).toBe("train/lossMean: deep runs at the evaluation: mean of the epoch's batch losses");
    expect(metricAxisLabel('geom/deltaOF')).toBe('geom/deltaOF');
    const c = seriesConfig([], { yLabel: metricAxisLabel('train/epochLoss') });
    const y = (c.options!.scales as Record<string, { title: { display: boolean; text: string } }>)['y']!;
    expect(y.title).toMatchObject({ display: true, text: "train/epochLoss: sum of the epoch's batch losses (UFM objective)" });
  });
});

/** Non-finite values stop a run with what became non-finite, where (epoch, step) and advice that fits the cause. */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig, type DeepConfig, type UfmConfig } from '../../src-main/api/schema/config';
import { initBackend } from '../../src-main/compute/backend';
import { deepSpecFromConfig } from '../../src-main/runner/deep-job';
import { ufmSpecFromConfig } from '../../src-main/runner/job';
import { DeepTrainer, type DeepData } from '../../src-main/science/deep';
import { NonFiniteLossError, nonFiniteAdvice } from '../../src-main/science/nonfinite';
import { UfmTrainer } from '../../src-main/science/ufm';

const ufm = (over: Record<string, unknown>) =>
  parseRunConfig({
    kind: 'ufm', classes: 4, dim: 8, imbalance: { profile: 'custom', counts: [6, 6, 2, 2] }, relu: false, temperature: 1,
    batching: { strategy: 'fixed', batchSize: 4, binding: true }, optimizer: { name: 'gd', lr: 0.05 }, epochs: 5, seed: 0, evalEvery: 5,
    ...over,
  }) as UfmConfig;

function thrown(f: () => unknown): NonFiniteLossError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NonFiniteLossError);
    return e as NonFiniteLossError;
  }
  throw new Error('expected a NonFiniteLossError');
}

async function thrownAsync(f: () => Promise<unknown>): Promise<NonFiniteLossError> {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(NonFiniteLossError);
    return e as NonFiniteLossError;
  }
  throw new Error('expected a NonFiniteLossError');
}

describe('non-finite values: what, where, and advice by cause', () => {
  beforeAll(async () => {
    await initBackend(process.env.SCL_TEST_BACKEND === 'cpu' ? 'cpu' : 'auto');
  });

  it('the advice follows the cause', () => {
    expect(nonFiniteAdvice({ cause: 'diverged', lr: 0.5, tau: 0.1 })).toBe('the optimiser step diverged: try a smaller lr (now 0.5)');
    expect(nonFiniteAdvice({ cause: 'overflow', lr: 0.5, tau: 0.01 })).toBe('it overflowed with finite parameters and data: try a larger temperature (now 0.01)');
    expect(nonFiniteAdvice({ cause: 'data', lr: 0.5, tau: 0.1 })).toMatch(/input batch holds NaN or Infinity values: check the dataset/);
    expect(nonFiniteAdvice({ cause: 'backward', lr: 0.5, tau: 0.1 })).toMatch(/finite loss, finite parameters and finite data: a numerical fault in the model, not an lr or temperature problem/);
  });

  it('UFM, a diverging step (stepPer epoch): the features after the update, epoch 1 step 1 of 1, smaller lr', () => {
    const t = new UfmTrainer(ufmSpecFromConfig(ufm({ optimizer: { name: 'gd', lr: 1e308 } })));
    const e = thrown(() => t.trainEpoch());
    expect(e.info).toMatchObject({ what: 'features after the update', epoch: 1, step: 1, steps: 1, cause: 'diverged' });
    expect(e.message).toMatch(/^the features after the update became (-?Infinity|NaN) at epoch 1, step 1 of 1: the run was stopped; the optimiser step diverged: try a smaller lr \(now 1e\+308\)$/);
    t.dispose();
  });

  it('UFM, stepPer batch: the step within the epoch is named', () => {
    const t = new UfmTrainer(ufmSpecFromConfig(ufm({ optimizer: { name: 'gd', lr: 1e308 }, batching: { strategy: 'fixed', batchSize: 4, stepPer: 'batch' } })));
    const e = thrown(() => t.trainEpoch());
    expect(e.info.epoch).toBe(1);
    expect(e.info.step).toBe(1);
    expect(e.info.steps).toBe(4); // 16 examples in batches of 4
    expect(e.message).toMatch(/at epoch 1, step 1 of 4/);
    t.dispose();
  });

  it('UFM, an overflow at a temperature too small for float32: the loss, a larger temperature', () => {
    const t = new UfmTrainer(ufmSpecFromConfig(ufm({ temperature: 1e-40 })));
    const e = thrown(() => t.trainEpoch());
    expect(e.info).toMatchObject({ what: 'loss', epoch: 1, step: 1, steps: 1, cause: 'overflow' });
    expect(e.message).toMatch(/try a larger temperature \(now 1e-40\)/);
    expect(e.message).not.toMatch(/smaller lr/);
    t.dispose();
  });

  const deepData = (x: Float32Array): DeepData => {
    const counts = [4, 4, 4];
    const labels = Int32Array.from(counts.flatMap((c, y) => Array.from({ length: c }, () => y)));
    return { train: { x, labels, n: labels.length }, test: null, sampleShape: [5], k: 3, counts };
  };
  const deep = (lr: number) =>
    deepSpecFromConfig(
      parseRunConfig({
        kind: 'deep', classes: 3, dim: 6, imbalance: { profile: 'custom', counts: [4, 4, 4] }, relu: true, temperature: 0.1,
        batching: { strategy: 'fixed', batchSize: 4, stepPer: 'batch' },
        dataset: { name: 'synthetic', shape: { kind: 'vector', dim: 5 } }, model: { name: 'mlp', hidden: [8] },
        augment: false, optimizer: { name: 'sgd', lr, momentum: 0.9, weightDecay: 0 }, epochs: 3, evalEvery: 3, seed: 1,
      }) as DeepConfig,
    );
  const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) + 0.2);

  it('deep, NaN in the data: the loss at epoch 1 and its step, check the dataset', async () => {
    const x = ramp(12 * 5);
    x.fill(NaN, 0, 60); // every sample: whichever batch comes first holds one
    const t = new DeepTrainer(deep(0.05), deepData(x));
    const e = await thrownAsync(async () => t.trainEpoch());
    expect(e.info).toMatchObject({ what: 'loss', epoch: 1, step: 1, steps: 3, cause: 'data' });
    expect(e.message).toMatch(/^the loss became NaN at epoch 1, step 1 of 3: .*check the dataset/);
    t.dispose();
  });

  it('deep, an update that blows the weights up: named with the layer that grew, smaller lr', async () => {
    const t = new DeepTrainer(deep(1e30), deepData(ramp(12 * 5)));
    const e = await thrownAsync(async () => {
      for (let i = 0; i < 3; i++) t.trainEpoch();
    });
    expect(e.info.cause).toBe('diverged');
    expect(e.info.step).toBeGreaterThanOrEqual(1);
    expect(e.message).toMatch(/^the (loss|gradient of layer \S+) became \S+ at epoch 1, step [23] of 3 \(the weights of layer \S+ had grown to \|w\| = [\d.e+]+\): the run was stopped; /);
    expect(e.message).toMatch(/try a smaller lr \(now 1e\+30\)/);
    t.dispose();
  });
});

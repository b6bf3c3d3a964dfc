import { describe, expect, it } from 'vitest';
import { ConfigError, parseRunConfig } from '../../src-main/api/schema/config';
import { expandSweep } from '../../src-main/api/schema/sweep';

const base = {
  kind: 'ufm', classes: 4, dim: 8, imbalance: { profile: 'custom', counts: [20, 20, 2, 2] }, relu: true, temperature: 1,
  batching: { strategy: 'full', stepPer: 'epoch' }, optimizer: { name: 'lbfgs' }, epochs: 100,
};

function issues(raw: unknown): string[] {
  try {
    parseRunConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map((i) => `${i.field}: ${i.message}`);
    throw e;
  }
  return [];
}

describe('run config: the lbfgs optimiser and the stop rule', () => {
  it('lbfgs gets its defaults; stop is optional and keeps what is given', () => {
    const c = parseRunConfig({ ...base, stop: { deltaOFBelow: 0.05, maxSeconds: 10 } });
    if (c.kind !== 'ufm') throw new Error('expected ufm');
    expect(c.optimizer).toEqual({ name: 'lbfgs', history: 20, maxLineSearchEvals: 25, parametrization: 'projected' });
    expect(c.stop).toEqual({ deltaOFBelow: 0.05, maxSeconds: 10 });
    const g = parseRunConfig({ ...base, optimizer: { name: 'gd', lr: 0.05 } });
    expect(g.kind === 'ufm' && g.optimizer).toEqual({ name: 'gd', lr: 0.05 });
  });

  it('names the wrong field: an unknown optimiser, a bad history, a negative threshold', () => {
    expect(issues({ ...base, optimizer: { name: 'bfgs' } })).toEqual(['optimizer.name: optimizer.name must be one of gd, momentum, adam, lbfgs']);
    expect(issues({ ...base, optimizer: { name: 'lbfgs', history: 0 } })).toEqual(['optimizer.history: history must be >= 1']);
    expect(issues({ ...base, stop: { deltaOFBelow: -1 } })).toEqual(['stop.deltaOFBelow: deltaOFBelow must be > 0']);
    expect(issues({ ...base, batching: { strategy: 'fixed', batchSize: 4, stepPer: 'batch' } })).toEqual([
      'batching.stepPer: lbfgs needs "epoch" (one deterministic objective)',
    ]);
  });

  it('a sweep can put gd and lbfgs side by side by gridding over the whole optimizer object', () => {
    const { cells } = expandSweep({ base: { ...base, optimizer: { name: 'gd', lr: 0.05 } }, grid: { optimizer: [{ name: 'gd', lr: 0.05 }, { name: 'lbfgs', history: 10 }] } });
    expect(cells.map((c) => c.config.kind === 'ufm' && c.config.optimizer.name)).toEqual(['gd', 'lbfgs']);
  });
});

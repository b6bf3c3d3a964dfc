/**
 * The theory on a batching written down by hand (spec section 6): the counterexample's batches leave classes 0 and
 * 2 free (UFM+ converges to a minimiser that is not an OF), and one more batch {0,1,4} makes the OF unique.
 * The analyser's verdict and the trained geometry are checked side by side.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig, type UfmConfig } from '../../src-main/api/schema/config';
import { initBackend } from '../../src-main/compute/backend';
import { ufmSpecFromConfig } from '../../src-main/runner/job';
import { Batcher } from '../../src-main/science/batching';
import { UfmTrainer } from '../../src-main/science/ufm';
import { analyseConfigBatching } from '../../src-main/services/analysis';

const counterexample = [
  [0, 1, 2, 3],
  [2, 3, 4, 5],
  [0, 4],
];

function config(batches: number[][], seed: number, stepPer: 'epoch' | 'batch'): UfmConfig {
  return parseRunConfig({
    kind: 'ufm', classes: 3, dim: 6,
    imbalance: { profile: 'balanced', nMax: 2 }, // labels [0,0,1,1,2,2]
    relu: true, temperature: 1,
    batching: { strategy: 'explicit', batches, stepPer },
    optimizer: { name: 'gd', lr: 0.5 }, epochs: 1500, seed, evalEvery: 1500,
  }) as UfmConfig;
}

function train(c: UfmConfig) {
  const t = new UfmTrainer(ufmSpecFromConfig(c));
  try {
    const { last, status } = t.run();
    const cos = last.geom.cosine; // 3 x 3
    return { status, deltaOF: last.rec.deltaOF, relGap: last.rec.gap! / last.rec.optimalLoss!, cos01: cos[1], cos02: cos[2], cos12: cos[5] };
  } finally {
    t.dispose();
  }
}

describe('UFM+ on an explicit batching: the analyser predicts what training finds', () => {
  beforeAll(async () => {
    await initBackend(process.env.SCL_TEST_BACKEND === 'cpu' ? 'cpu' : 'auto');
  });

  it.each(['epoch', 'batch'] as const)(
    'counterexample (stepPer %s): analyser says not unique, training reaches L* with classes 0 and 2 NOT orthogonal; adding {0,1,4}: unique, and an OF',
    (stepPer) => {
      const seeds = stepPer === 'epoch' ? [0, 1] : [0];
      const before = analyseConfigBatching(config(counterexample, 0, stepPer), 1);
      expect(before.oneEpoch.ofUnique).toBe(false);
      expect(before.oneEpoch.uncovered).toEqual([{ classes: [0, 2], reason: 'singletons-only', sharedBatches: 1 }]);
      for (const seed of seeds) {
        const r = train(config(counterexample, seed, stepPer));
        expect(r.status).toBe('finished');
        expect(Math.abs(r.relGap)).toBeLessThan(1e-5); // a global minimiser of this batching's objective ...
        expect(Math.abs(r.cos01)).toBeLessThan(1e-4); // ... with the constrained pairs orthogonal ...
        expect(Math.abs(r.cos12)).toBeLessThan(1e-4);
        expect(r.cos02).toBeGreaterThan(0.3); // ... but classes 0 and 2 never interact: not an OF
        expect(r.deltaOF).toBeGreaterThan(0.2);
      }

      const bound = [...counterexample, [0, 1, 4]];
      const after = analyseConfigBatching(config(bound, 0, stepPer), 1);
      expect(after.oneEpoch.ofUnique).toBe(true);
      for (const seed of seeds) {
        const r = train(config(bound, seed, stepPer));
        expect(Math.abs(r.relGap)).toBeLessThan(1e-5);
        expect(Math.abs(r.cos02)).toBeLessThan(1e-4);
        expect(r.deltaOF).toBeLessThan(1e-4);
      }
    },
  );

  it('binding on the counterexample makes the OF unique too, and training finds it', () => {
    const c = parseRunConfig({ ...config(counterexample, 3, 'epoch'), batching: { strategy: 'explicit', batches: counterexample, binding: true } }) as UfmConfig;
    expect(analyseConfigBatching(c, 1).oneEpoch.ofUnique).toBe(true);
    const r = train(c);
    expect(r.deltaOF).toBeLessThan(1e-4);
  });
});

describe('explicit batches in the Batcher', () => {
  it('index j is the j-th example in class order, whatever the data order (deep subsets), binding appended', () => {
    const labels = Int32Array.from([2, 0, 1, 0, 2, 1]); // class 0 at 1, 3; class 1 at 2, 5; class 2 at 0, 4
    const b = new Batcher(labels, 3, { strategy: 'explicit', batches: [[0, 1], [2, 3], [4, 5]], binding: false }, 0);
    expect(b.epoch(0)).toEqual([[1, 3], [2, 5], [0, 4]]);
    expect(b.epoch(7)).toEqual(b.epoch(0));
    expect(b.maxBatchLength).toBe(2);
    const bound = new Batcher(labels, 3, { strategy: 'explicit', batches: [[0, 1], [2, 3], [4, 5]], binding: true }, 0);
    for (const batch of bound.epoch(0)) expect(new Set(batch.map((i) => labels[i])).size).toBe(3);
    expect(bound.maxBatchLength).toBe(5);
  });

  it('refuses indices it cannot map, empty batches and repeats', () => {
    const y = Int32Array.from([0, 0, 1, 1]);
    expect(() => new Batcher(y, 2, { strategy: 'explicit', batches: [[0, 4]], binding: false }, 0)).toThrow(/batching\.batches\.0: index 4 is out of range \(0\.\.3\)/);
    expect(() => new Batcher(y, 2, { strategy: 'explicit', batches: [[0], []], binding: false }, 0)).toThrow(/batching\.batches\.1 is an empty batch/);
    expect(() => new Batcher(y, 2, { strategy: 'explicit', batches: [[1, 1]], binding: false }, 0)).toThrow(/holds an index twice/);
    expect(() => new Batcher(y, 2, { strategy: 'explicit', binding: false }, 0)).toThrow(/batching\.batches is required/);
  });
});

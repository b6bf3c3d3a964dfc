import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/compute/backend';
import { classCounts } from '../../src-main/science/imbalance';
import { UfmTrainer, type UfmSpec } from '../../src-main/science/ufm';

const base = (over: Partial<UfmSpec>): UfmSpec => ({
  k: 4,
  d: 8,
  counts: [10, 10, 10, 10],
  relu: true,
  tau: 1,
  lossForm: 'paper',
  batching: { strategy: 'full', binding: false, stepPer: 'epoch' },
  optimizer: { name: 'gd', lr: 0.05 },
  epochs: 1000,
  seed: 0,
  evalEvery: 100,
  ...over,
});

describe('UFM / UFM+ by projected gradient descent', () => {
  beforeAll(async () => {
    await initBackend(process.env.SCL_TEST_BACKEND === 'cpu' ? 'cpu' : 'auto');
  });

  it('UFM+, full batch, imbalanced counts: converges to the orthogonal frame and attains L*', () => {
    const t = new UfmTrainer(base({ counts: [30, 30, 4, 4], epochs: 3000, optimizer: { name: 'gd', lr: 0.05 } }));
    const { last } = t.run();
    expect(last.rec.deltaOF).toBeLessThan(1e-3);
    expect(last.rec.gap! / last.rec.optimalLoss!).toBeLessThan(1e-3);
    expect(last.rec.gap!).toBeGreaterThanOrEqual(-1e-6 * last.rec.optimalLoss!);
    t.dispose();
  });

  it('UFM, full batch, balanced: converges to the simplex ETF (all cosines -1/(k-1))', () => {
    const t = new UfmTrainer(base({ relu: false, k: 5, d: 10, counts: classCounts({ profile: 'balanced', nMax: 8 }, 5), epochs: 2000 }));
    const { last } = t.run();

    const k = 5;
    for (let a = 0; a < k; a++)
      for (let b = 0; b < k; b++) if (a !== b) expect(Math.abs(last.geom.cosine[a * k + b] + 1 / (k - 1))).toBeLessThan(1e-3);
    t.dispose();
  });

  it('UFM, full batch, imbalanced: the geometry is NOT symmetric (minority means attract each other)', () => {
    const t = new UfmTrainer(base({ relu: false, k: 4, d: 8, counts: [40, 40, 4, 4], epochs: 2000 }));
    const { last } = t.run();
    expect(last.rec.deltaETF).toBeGreaterThan(0.05);
    expect(last.geom.cosGroups.minMin!).toBeGreaterThan(last.geom.cosGroups.majMaj! + 0.1);
    t.dispose();
  });
});

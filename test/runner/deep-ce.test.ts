/** CE runs report their own linear classifier's accuracy beside NCC accuracy (issue 18). */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src-main/api/schema/result';
import { Runner } from '../../src-main/runner/runner';
import { linearClassifierAccuracy } from '../../src-main/science/deep';
import { RunService } from '../../src-main/services/runs';
import { open, tmpDbPath } from '../store/helpers';

const ce = {
  kind: 'deep', classes: 3, dim: 8, loss: 'ce',
  dataset: { name: 'synthetic', shape: { kind: 'vector', dim: 6 }, radius: 4, noise: 0.5, testPerClass: 20 },
  model: { name: 'mlp', hidden: [16] },
  imbalance: { profile: 'custom', counts: [40, 20, 10] },
  relu: false, temperature: 0.5, views: 1, augment: false,
  batching: { strategy: 'reshuffle', batchSize: 16 },
  optimizer: { name: 'adam', lr: 0.01 }, epochs: 20, evalEvery: 10, seed: 0,
};

let runner: Runner | null = null;
afterEach(async () => {
  await runner?.shutdown();
  runner = null;
});

describe('the accuracy of a CE run\'s linear classifier', () => {
  it('balanced accuracy of argmax(z W + b), by hand', () => {
    // W maps coordinate c to class c; b favours class 0 slightly
    const W = [1, 0, 0, 1], b = [0.1, 0];
    const Z = [1, 0, /* -> 0 */ 0, 1, /* -> 1 */ 0.5, 0.55, /* 0.6 vs 0.55 -> 0 */ 0, 0.3 /* -> 1 */];
    // class 0: one of one right; class 1: two of three right  => (1 + 2/3) / 2
    expect(linearClassifierAccuracy(Z, 2, [0, 1, 1, 1], W, b, 2)).toBeCloseTo((1 + 2 / 3) / 2, 12);
  });

  it('a CE run stores acc/ceTrain and acc/ceTest and reports them in its final metrics; an SCL run does not', async () => {
    const store = open(tmpDbPath());
    runner = new Runner(store, { concurrency: 1 });
    const svc = new RunService(store, runner);
    const ceId = svc.submit(ce);
    const sclId = svc.submit({ ...ce, loss: 'scl', views: 2, optimizer: { name: 'adam', lr: 0.01 }, epochs: 2, evalEvery: 2 });
    await runner.onIdle();
    const run = store.getRun(ceId);
    expect(run.status, run.error ?? '').toBe('finished');
    const final = (run.result as RunResult).final!;
    expect(final.ceAccTrain).toBeGreaterThan(0.8);
    expect(final.ceAccTest).toBeGreaterThan(0.8);
    expect(final.ceAccTest).toBeLessThanOrEqual(1);
    expect(final.nccAccTest).not.toBeNull();
    expect(run.summaries['acc/ceTest']!.last).toBe(final.ceAccTest);
    expect(run.summaries['acc/ceTrain']!.n).toBe(3); // epochs 0, 10, 20
    const scl = store.getRun(sclId);
    expect(scl.status, scl.error ?? '').toBe('finished');
    expect((scl.result as RunResult).final!.ceAccTest).toBeUndefined();
    expect(scl.summaries['acc/ceTest']).toBeUndefined();
  }, 120_000);
});

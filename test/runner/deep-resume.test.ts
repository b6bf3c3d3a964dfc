/** A deep run (synthetic images, small CNN) cancelled mid-run resumes from its checkpoint and finishes whole. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src-main/api/schema/result';
import { Runner } from '../../src-main/runner/runner';
import { RunService } from '../../src-main/services/runs';
import { openStore } from '../../src-main/store';
import { tempDir } from '../cli/helpers';

const config = {
  kind: 'deep', classes: 3, dim: 8,
  dataset: { name: 'synthetic', shape: { kind: 'image', height: 8, width: 8, channels: 1 }, testPerClass: 10 },
  model: { name: 'cnn' },
  imbalance: { profile: 'step', nMax: 24, ratio: 4, minorityFraction: 0.34 },
  relu: true, temperature: 0.5, loss: 'scl', views: 2, augment: true,
  batching: { strategy: 'reshuffle', batchSize: 16, binding: true },
  optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 5e-4 },
  schedule: { name: 'multistep', milestones: [9], gamma: 0.1 },
  epochs: 12, evalEvery: 2, seed: 3,
};

describe('deep run: cancel, resume, finish', () => {
  it('continues from the last checkpoint with the optimiser state and writes every epoch once', async () => {
    const db = join(tempDir(), 'lab.sqlite');
    const store = openStore(db);
    const runner = new Runner(store, { concurrency: 1 });
    const svc = new RunService(store, runner);
    const id = svc.submit(config);
    await new Promise<void>((resolve) => {
      const onP = (p: { runId: number; epoch: number }) => {
        if (p.runId === id && p.epoch >= 3) {
          runner.off('progress', onP);
          svc.cancel(id);
          resolve();
        }
      };
      runner.on('progress', onP);
    });
    await runner.onIdle();
    expect(store.getRun(id).status).toBe('cancelled');
    const ckpt = store.latestCheckpoint(id)!;
    // the last evaluation before the stop (progress reaches the runner at most every 50 ms)
    expect(ckpt.step % 2).toBe(0);
    expect(ckpt.step).toBeGreaterThanOrEqual(2);
    expect(ckpt.step).toBeLessThan(12);
    expect((ckpt.meta as { kind: string }).kind).toBe('deep');

    svc.resume(id);
    await runner.onIdle();
    const run = store.getRun(id);
    expect(run.status, run.error ?? '').toBe('finished');
    const result = run.result as RunResult;
    expect(result.history.map((h) => h.epoch)).toEqual([0, 2, 4, 6, 8, 10, 12]);
    expect(result.final!.nccAccTest).toBeGreaterThan(0);
    const losses = store.getSeries(id, 'train/epochLossMean', { buckets: 10_000 });
    expect(losses.points.map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // the multistep schedule continued where it was: lr 0.05 for the first 9 epochs, 0.005 after
    const lr = store.getSeries(id, 'train/lr', { buckets: 10_000 }).points.map((p) => p.value);
    expect(lr.slice(0, 9).every((v) => Math.abs(v - 0.05) < 1e-9)).toBe(true);
    expect(lr.slice(9).every((v) => Math.abs(v - 0.005) < 1e-9)).toBe(true);
    await runner.shutdown();
    store.close();
  }, 180_000);
});

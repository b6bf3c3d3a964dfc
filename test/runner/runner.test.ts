/** The runner with a real store and real worker threads (the built worker in dist/). */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Runner } from '../../src-main/runner/runner';
import { RunService } from '../../src-main/services/runs';
import { openStore } from '../../src-main/store';
import { exampleConfig, tempDir } from '../cli/helpers';

const small = (over: Record<string, unknown> = {}) => ({ ...exampleConfig, epochs: 300, evalEvery: 50, ...over });

describe('runner', () => {
  it('four runs at once plus a reader polling the list: no SQLITE_BUSY, no lost rows', async () => {
    const db = join(tempDir(), 'lab.sqlite');
    const store = openStore(db);
    const runner = new Runner(store, { concurrency: 4 });
    const svc = new RunService(store, runner);
    const reader = openStore(db, { readonly: true });
    const errors: string[] = [];
    runner.on('error-log', (m) => errors.push(m));
    const ids = [0, 1, 2, 3].map((seed) => svc.submit(small({ seed, epochs: 1500 })));
    let polls = 0;
    let sawRunning = 0;
    const poll = setInterval(() => {
      try {
        const runs = reader.listRuns({});
        sawRunning = Math.max(sawRunning, runs.filter((r) => r.status === 'running').length);
        polls++;
      } catch (e) {
        errors.push((e as Error).message);
      }
    }, 20);
    await runner.onIdle();
    clearInterval(poll);
    expect(errors).toEqual([]);
    expect(polls).toBeGreaterThan(10);
    expect(sawRunning).toBeGreaterThanOrEqual(2);
    for (const id of ids) {
      const r = store.getRun(id);
      expect(r.status).toBe('finished');
      // every epoch's loss and every eval point is stored exactly once
      const s = store.getSeries(id, 'train/epochLoss', { buckets: 100_000 });
      expect(s.total).toBe(1500);
      expect(s.points.map((p) => p.step)).toEqual(Array.from({ length: 1500 }, (_, i) => i + 1));
      expect(store.getSeries(id, 'geom/deltaOF', { buckets: 100_000 }).total).toBe(31);
      expect(store.snapshotSteps(id, 'snap/cosine')).toHaveLength(31);
    }
    await runner.shutdown();
    reader.close();
    store.close();
  }, 120_000);

  it('cancel leaves a consistent cancelled run; a run whose trainer throws becomes failed with the message', async () => {
    const db = join(tempDir(), 'lab.sqlite');
    const store = openStore(db);
    const runner = new Runner(store, { concurrency: 2 });
    const svc = new RunService(store, runner);
    const long = svc.submit(small({ epochs: 1_000_000, evalEvery: 1000 }));
    const bad = svc.submit(small({ relu: false, optimizer: { name: 'gd', lr: 1e308 } }));
    await new Promise<void>((resolve) => {
      const onP = (p: { runId: number; epoch: number }) => {
        if (p.runId === long && p.epoch > 50) {
          runner.off('progress', onP);
          resolve();
        }
      };
      runner.on('progress', onP);
    });
    expect(svc.cancel(long)).toBe(true);
    await runner.onIdle();
    const c = store.getRun(long);
    expect(c.status).toBe('cancelled');
    expect(c.finishedAt).not.toBeNull();
    expect((c.result as { status: string }).status).toBe('cancelled');
    // the stored series stops where the run stopped, without holes
    const s = store.getSeries(long, 'train/epochLoss', { buckets: 10_000_000 });
    expect(s.points.map((p) => p.step)).toEqual(Array.from({ length: s.total }, (_, i) => i + 1));
    expect(c.lastStep).toBe(s.total);
    const f = store.getRun(bad);
    expect(f.status).toBe('failed');
    expect(f.error).toMatch(/the features after the update became (NaN|Infinity|-Infinity) at epoch 1, step 1 of 1: .*try a smaller lr/);
    // a cancelled run resumes from its checkpoint and finishes
    expect(store.latestCheckpoint(long)).not.toBeNull();
    await runner.shutdown();
    store.close();
  }, 120_000);

  it('a sweep of 2 ReLU settings x 2 seeds makes 4 runs in 2 seed groups', async () => {
    const db = join(tempDir(), 'lab.sqlite');
    const store = openStore(db);
    const runner = new Runner(store, { concurrency: 2 });
    const svc = new RunService(store, runner);
    const { sweepId, runIds } = svc.sweep({ name: 'relu', base: small(), grid: { relu: [true, false] }, seeds: [0, 1] });
    expect(runIds).toHaveLength(4);
    await runner.onIdle();
    const groups = store.seedGroups({ sweepId });
    expect(groups).toHaveLength(2);
    expect(groups.map((g) => [...g.seeds].sort())).toEqual([[0, 1], [0, 1]]);
    for (const id of runIds) expect(store.getRun(id).status).toBe('finished');
    const withRelu = runIds.map((id) => store.getRun(id)).filter((r) => (r.config as { relu: boolean }).relu);
    expect(withRelu).toHaveLength(2);
    await runner.shutdown();
    store.close();
  }, 120_000);
});

/**
 * A database locked by another process during runs (issue 11, item 2): the runner backs off without blocking
 * the event loop, keeps the metrics in memory, and records everything once the lock is gone; past the
 * configurable limit a run fails cleanly with a message naming the lock, and the runner goes on.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { Runner } from '../../src-main/runner/runner';
import { RunService } from '../../src-main/services/runs';
import { openStore, type Store } from '../../src-main/store';
import { exampleConfig, tempDir } from '../cli/helpers';
import { holdWriteLock } from './lock-helper';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = tempDir('scl-lock-');
  dirs.push(d);
  return d;
}

/** The stored epochs of a run's loss series, straight from SQLite. */
function storedSteps(file: string, runId: number): number[] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db
      .prepare("SELECT step FROM scalars s JOIN metric_keys k ON k.id = s.key_id WHERE s.run_id = ? AND k.name = 'train/epochLoss' ORDER BY step")
      .all(runId) as { step: number }[];
    return rows.map((r) => r.step);
  } finally {
    db.close();
  }
}

/** The largest gap between ticks of a 20 ms timer while `p` is pending: how long the event loop was blocked. */
async function maxLoopGap<T>(p: Promise<T>): Promise<{ value: T; gap: number }> {
  let last = Date.now();
  let gap = 0;
  const t = setInterval(() => {
    const now = Date.now();
    gap = Math.max(gap, now - last);
    last = now;
  }, 20);
  try {
    return { value: await p, gap };
  } finally {
    clearInterval(t);
  }
}

describe('a write lock held by another process during runs', () => {
  let store: Store | undefined;
  let runner: Runner | undefined;
  afterEach(async () => {
    await runner?.shutdown();
    store?.close();
    runner = store = undefined;
  });

  it('10 s lock over two runs: both finish, every epoch stored once, the event loop never blocked for seconds', async () => {
    const d = dir();
    const file = join(d, 'lab.sqlite');
    store = openStore(file);
    runner = new Runner(store, { concurrency: 2 });
    const errors: string[] = [];
    runner.on('error-log', (m: string) => errors.push(m));
    const epochs = 1500;
    // the runs are recorded first, then the other process locks the database before they start
    const ids = [0, 1].map((seed) => store!.createRun({ name: null, kind: 'ufm', config: { ...exampleConfig, epochs, evalEvery: 100, seed }, seed, appVersion: 'test', sweepId: null }));
    const lock = await holdWriteLock(d, file, 10_000);
    const lockedAt = Date.now();
    for (const id of ids) runner.enqueue(id);
    const { gap } = await maxLoopGap(runner.onIdle());
    const releasedAt = await lock.released;
    expect(Date.now() - lockedAt).toBeGreaterThanOrEqual(9_500); // the runs' ends could only be recorded after the lock
    expect(releasedAt).toBeLessThanOrEqual(Date.now());
    expect(gap).toBeLessThan(1500); // a 5 s busy wait would show here
    for (const id of ids) {
      const r = store.getRun(id);
      expect(r.status, `run ${id}: ${r.error}`).toBe('finished');
      expect(storedSteps(file, id)).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
      expect(store.getSeries(id, 'geom/deltaOF', { buckets: 100_000 }).total).toBe(16);
      expect(store.latestCheckpoint(id)?.step).toBe(epochs);
    }
    expect(errors.filter((e) => !/locked/.test(e))).toEqual([]);
  }, 120_000);

  it('past the lock limit a run fails cleanly naming the lock; the next run then finishes', async () => {
    const d = dir();
    const file = join(d, 'lab.sqlite');
    store = openStore(file);
    runner = new Runner(store, { concurrency: 1, lockLimitMs: 1500 });
    const svc = new RunService(store, runner);
    const statuses: { runId: number; status: string; error?: string }[] = [];
    runner.on('status', (s) => statuses.push(s));
    const long = svc.submit({ ...exampleConfig, epochs: 1_000_000, evalEvery: 1000 });
    await new Promise<void>((ok) => runner!.once('progress', () => ok()));
    const lock = await holdWriteLock(d, file, 5_000);
    const { gap } = await maxLoopGap(runner.onIdle());
    await lock.released;
    expect(gap).toBeLessThan(1500);
    const r = store.getRun(long);
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/the database .*lab\.sqlite is locked by another process \(waited \d+\.\d s; the limit is 2 s, SCL_LAB_LOCK_LIMIT_S\)/);
    expect(statuses.find((s) => s.runId === long && s.status === 'failed')?.error).toBe(r.error);
    // the epochs it did train are all stored, without gaps
    const steps = storedSteps(file, long);
    expect(steps.length).toBeGreaterThan(0);
    expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1));
    // the runner goes on
    const next = svc.submit({ ...exampleConfig, epochs: 200, evalEvery: 100 });
    await runner.onIdle();
    expect(store.getRun(next).status).toBe('finished');
    expect(storedSteps(file, next)).toHaveLength(200);
  }, 120_000);
});

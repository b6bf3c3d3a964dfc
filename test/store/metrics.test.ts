import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import type { MetricSummary } from '../../src-main/store';
import { freshStore, newRun, open, rng, tmpDbPath } from './helpers';

function innerDb(store: object): Database.Database {
  return (store as { ctx: { db: Database.Database } }).ctx.db;
}

/** The summary a run_summary row must equal, computed from the points by brute force. */
function referenceSummary(points: Map<number, number>): MetricSummary {
  const steps = [...points.keys()].sort((a, b) => a - b);
  let min: number | null = null;
  let max: number | null = null;
  let minStep: number | null = null;
  let maxStep: number | null = null;
  let nonFinite = 0;
  for (const s of steps) {
    const v = points.get(s)!;
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    if (min === null || v < min) (min = v), (minStep = s);
    if (max === null || v > max) (max = v), (maxStep = s);
  }
  const lastStep = steps[steps.length - 1]!;
  return { lastStep, last: points.get(lastStep)!, min, minStep, max, maxStep, n: steps.length, nNonFinite: nonFinite };
}

describe('non-finite values', () => {
  it('NaN binds as NULL in SQLite, which is why the flag column exists', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t(v REAL)');
    db.prepare('INSERT INTO t VALUES (?)').run(Number.NaN);
    expect(db.prepare('SELECT typeof(v) FROM t').pluck().get()).toBe('null');
    db.close();
  });

  it('round-trips NaN, +Infinity and -Infinity through scalars, summaries and reads', () => {
    const file = tmpDbPath();
    const store = open(file);
    const id = newRun(store);
    const w = store.metricWriter();
    const values = [1.25, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0.5, Number.MIN_VALUE, 1e308];
    values.forEach((value, step) => w.write({ runId: id, key: 'train/loss', step, value }));
    w.write({ runId: id, key: 'diverged', step: 0, value: 2 });
    w.write({ runId: id, key: 'diverged', step: 1, value: Number.NaN });
    w.close();
    const stored = innerDb(store)
      .prepare('SELECT value, flag FROM scalars s JOIN metric_keys k ON k.id = s.key_id WHERE k.name = ? ORDER BY step')
      .all('train/loss');
    expect(stored.map((r) => (r as { flag: number }).flag)).toEqual([0, 1, 2, 3, 0, 0, 0]);
    const reader = open(file, { readonly: true });
    const series = reader.getSeries(id, 'train/loss');
    expect(series.points.map((p) => p.value)).toEqual(values);
    expect(Object.is(series.points[1]!.value, Number.NaN)).toBe(true);
    expect(series.points[2]!.min).toBeNull(); // min/max cover finite values only
    const s = reader.getRun(id).summaries;
    expect(s['train/loss']).toEqual({ lastStep: 6, last: 1e308, min: -0.5, minStep: 4, max: 1e308, maxStep: 6, n: 7, nNonFinite: 3 });
    expect(Number.isNaN(s['diverged']!.last)).toBe(true);
  });
});

describe('MetricWriter', () => {
  it('upserts idempotently: re-logging a step overwrites it instead of duplicating it', () => {
    const store = freshStore();
    const id = newRun(store);
    const w = store.metricWriter();
    for (let step = 0; step < 10; step++) w.write({ runId: id, key: 'acc', step, value: step / 10 });
    w.flush();
    // a resumed run re-logs steps 5..9 with other values, and one step twice in the same batch
    for (let step = 5; step < 10; step++) w.write({ runId: id, key: 'acc', step, value: -step });
    w.write({ runId: id, key: 'acc', step: 7, value: 42 });
    w.close();
    const series = store.getSeries(id, 'acc');
    expect(series.total).toBe(10);
    expect(series.points.map((p) => [p.step, p.value])).toEqual([
      [0, 0], [1, 0.1], [2, 0.2], [3, 0.3], [4, 0.4], [5, -5], [6, -6], [7, 42], [8, -8], [9, -9],
    ]);
    expect(store.getRun(id).summaries['acc']).toEqual({
      lastStep: 9, last: -9, min: -9, minStep: 9, max: 42, maxStep: 7, n: 10, nNonFinite: 0,
    });
    const count = innerDb(store).prepare('SELECT COUNT(*) FROM scalars').pluck().get();
    expect(count).toBe(10);
  });

  it('keeps run_summary equal to a brute-force summary under random appends, rewrites and NaNs', () => {
    const store = freshStore();
    const ids = [newRun(store), newRun(store)];
    const rand = rng(7);
    const truth = new Map<string, Map<number, number>>();
    const w = store.metricWriter({ maxRows: 37 });
    for (let i = 0; i < 3000; i++) {
      const runId = ids[Math.floor(rand() * 2)]!;
      const key = ['loss', 'nc1', 'acc'][Math.floor(rand() * 3)]!;
      const k = `${runId}|${key}`;
      const points = truth.get(k) ?? new Map<number, number>();
      truth.set(k, points);
      const maxStep = points.size === 0 ? -1 : Math.max(...points.keys());
      const r = rand();
      // mostly appends; sometimes rewrites an old step (resume) or jumps ahead
      const step = r < 0.8 ? maxStep + 1 : r < 0.95 ? Math.floor(rand() * (maxStep + 1)) : maxStep + 1 + Math.floor(rand() * 5);
      const value = rand() < 0.03 ? Number.NaN : rand() < 0.01 ? Number.POSITIVE_INFINITY : Math.round((rand() - 0.5) * 1000) / 7;
      points.set(step, value);
      w.write({ runId, key, step, value });
      if (rand() < 0.01) w.flush();
    }
    w.close();
    for (const runId of ids) {
      const summaries = store.getRun(runId).summaries;
      for (const key of ['loss', 'nc1', 'acc']) {
        const points = truth.get(`${runId}|${key}`);
        if (points === undefined) continue;
        expect(summaries[key], `${runId} ${key}`).toEqual(referenceSummary(points));
      }
    }
  });

  it('updates heartbeat_at and last_step in the same transaction as the rows', () => {
    const store = freshStore();
    const id = newRun(store, { status: 'running' });
    const before = store.getRun(id).heartbeatAt!;
    const w = store.metricWriter();
    w.write({ runId: id, key: 'loss', step: 12, value: 1 });
    w.snapshot({ runId: id, key: 'geom/class_norms', step: 15, data: [1, 2, 3] });
    w.flush();
    const run = store.getRun(id);
    expect(run.lastStep).toBe(15);
    expect(run.heartbeatAt!).toBeGreaterThanOrEqual(before);
  });

  it('flushes by itself within the interval (timer) and at maxRows', async () => {
    const store = freshStore();
    const id = newRun(store);
    const flushes: number[] = [];
    const w = store.metricWriter({ intervalMs: 50, maxRows: 5, onFlush: (u) => flushes.push(u[0]!.maxStep) });
    for (let step = 0; step < 5; step++) w.write({ runId: id, key: 'loss', step, value: step });
    expect(w.pending).toBe(0); // maxRows reached: written synchronously
    expect(flushes).toEqual([4]);
    w.write({ runId: id, key: 'loss', step: 5, value: 5 });
    expect(w.pending).toBe(1);
    await vi.waitFor(() => expect(w.pending).toBe(0), { timeout: 2000, interval: 10 });
    expect(store.getSeries(id, 'loss').total).toBe(6);
    expect(flushes).toEqual([4, 5]);
    w.close();
  });

  it('refuses bad rows at the call site, naming the run and field', () => {
    const store = freshStore();
    const id = newRun(store);
    const w = store.metricWriter();
    expect(() => w.write({ runId: 999, key: 'loss', step: 0, value: 1 })).toThrow(/run 999 does not exist/);
    expect(() => w.write({ runId: id, key: '', step: 0, value: 1 })).toThrow(/key must be a non-empty string/);
    expect(() => w.write({ runId: id, key: 'loss', step: -1, value: 1 })).toThrow(/step must be an integer >= 0/);
    expect(() => w.write({ runId: id, key: 'loss', step: 0, value: '1' as never })).toThrow(/value must be a number/);
    expect(() => w.snapshot({ runId: id, key: 'g', step: 0, data: [1, 2, 3], rows: 2 })).toThrow(/does not match 3 values/);
    expect(() => store.metricWriter()).toThrow(/already open/);
    w.close();
    expect(() => w.write({ runId: id, key: 'loss', step: 0, value: 1 })).toThrow(/closed/);
    store.metricWriter().close(); // a new one after close is fine
  });
});

describe('snapshots', () => {
  it('round-trips matrices and vectors exactly, whatever the Buffer alignment', () => {
    const store = freshStore();
    const id = newRun(store);
    const w = store.metricWriter();
    const rand = rng(3);
    const grams: Float64Array[] = [];
    for (let step = 0; step < 4; step++) {
      const g = new Float64Array(5 * 5).map(() => rand() * 2 - 1);
      g[0] = Number.NaN;
      grams.push(g);
      w.snapshot({ runId: id, key: 'geom/gram', step: step * 10, data: g, rows: 5, cols: 5 });
    }
    // a view at an odd offset into a bigger buffer
    const backing = new Float64Array(10).map((_, i) => i + 0.5);
    w.snapshot({ runId: id, key: 'geom/class_norms', step: 3, data: backing.subarray(3, 7) });
    w.snapshot({ runId: id, key: 'data/class_counts', step: 0, data: [500, 50, 5] });
    w.close();
    const all = store.getSnapshots(id, 'geom/gram');
    expect(all.map((s) => s.step)).toEqual([0, 10, 20, 30]);
    all.forEach((s, i) => {
      expect(s.rows).toBe(5);
      expect(s.cols).toBe(5);
      expect(s.data).toBeInstanceOf(Float64Array);
      expect(Array.from(s.data)).toEqual(Array.from(grams[i]!));
    });
    const norms = store.getSnapshot(id, 'geom/class_norms', 3)!;
    expect(norms).toMatchObject({ rows: 1, cols: 4 });
    expect(Array.from(norms.data)).toEqual([3.5, 4.5, 5.5, 6.5]);
    expect(Array.from(store.getSnapshot(id, 'data/class_counts', 0)!.data)).toEqual([500, 50, 5]);
    expect(store.getSnapshot(id, 'geom/gram', 5)).toBeNull();
    expect(store.snapshotSteps(id, 'geom/gram')).toEqual([0, 10, 20, 30]);
    expect(store.metricKeys(id)).toEqual({ scalars: [], snapshots: ['data/class_counts', 'geom/class_norms', 'geom/gram'] });
  });
});

describe('checkpoints', () => {
  it('keeps only the latest N per run and returns the newest', () => {
    const store = freshStore();
    const id = newRun(store);
    const other = newRun(store);
    expect(store.latestCheckpoint(id)).toBeNull();
    for (const step of [10, 20, 30]) store.saveCheckpoint(id, step, Buffer.from(`weights@${step}`), { epoch: step / 10 });
    store.saveCheckpoint(other, 5, new Uint8Array([1, 2, 3]), null);
    expect(store.checkpointSteps(id)).toEqual([20, 30]);
    const latest = store.latestCheckpoint(id)!;
    expect(latest.step).toBe(30);
    expect(latest.data.toString()).toBe('weights@30');
    expect(latest.meta).toEqual({ epoch: 3 });
    expect(Array.from(store.latestCheckpoint(other)!.data)).toEqual([1, 2, 3]);
    store.saveCheckpoint(id, 30, Buffer.from('again'), { epoch: 3 }); // same step: replaced
    expect(store.latestCheckpoint(id)!.data.toString()).toBe('again');
    expect(store.check().counts.checkpoints).toBe(3);
    expect(() => store.saveCheckpoint(404, 1, Buffer.alloc(1), null)).toThrow(/run 404 does not exist/);
  });

  it('honours keepCheckpoints', () => {
    const store = open(tmpDbPath(), { keepCheckpoints: 1 });
    const id = newRun(store);
    store.saveCheckpoint(id, 1, Buffer.from('a'));
    store.saveCheckpoint(id, 2, Buffer.from('b'));
    expect(store.checkpointSteps(id)).toEqual([2]);
  });
});

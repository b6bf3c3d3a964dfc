import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { SeriesPoint } from '../../src-main/store';
import { migrate, MIGRATIONS } from '../../src-main/store/migrations';
import { freshStore, newRun, open, rng, tmpDbPath } from './helpers';

/** Brute-force min / max (finite values) / last per pixel bucket, the reference for the SQL query. */
function referenceBuckets(points: [number, number][], x0: number, x1: number, nb: number): SeriesPoint[] {
  const w = x1 - x0 + 1;
  const buckets = new Map<number, [number, number][]>();
  for (const [step, value] of points) {
    if (step < x0 || step > x1) continue;
    const b = Math.floor(((step - x0) * nb) / w);
    const list = buckets.get(b) ?? [];
    list.push([step, value]);
    buckets.set(b, list);
  }
  return [...buckets.keys()]
    .sort((a, b) => a - b)
    .map((b) => {
      const list = buckets.get(b)!.sort((p, q) => p[0] - q[0]);
      const finite = list.map((p) => p[1]).filter((v) => Number.isFinite(v));
      const last = list[list.length - 1]!;
      return {
        step: last[0],
        value: last[1],
        min: finite.length === 0 ? null : Math.min(...finite),
        max: finite.length === 0 ? null : Math.max(...finite),
        firstStep: list[0]![0],
        n: list.length,
      };
    });
}

function randomSeries(rand: () => number, n: number, gapChance = 0.3): [number, number][] {
  const points: [number, number][] = [];
  let step = Math.floor(rand() * 50);
  for (let i = 0; i < n; i++) {
    const r = rand();
    const value = r < 0.02 ? Number.NaN : r < 0.03 ? Number.POSITIVE_INFINITY : r < 0.04 ? Number.NEGATIVE_INFINITY : (rand() - 0.5) * 100;
    points.push([step, value]);
    step += rand() >= gapChance ? 1 : 1 + Math.floor(rand() * 40); // gaps, like evaluation every k steps
  }
  return points;
}

/**
 * What any decimated answer must satisfy against the brute-force points: at most `buckets` points whose spans
 * [firstStep, step] partition the in-range points in order, each with exact min / max (finite) / last / n, one
 * point per pixel bucket (by its first step). When a bucket spans < 8 steps the SQL path answers and must equal
 * the exact pixel-bucket reference.
 */
function checkDecimated(got: readonly SeriesPoint[], points: [number, number][], x0: number, x1: number, buckets: number): void {
  const inRange = points.filter(([s]) => s >= x0 && s <= x1).sort((a, b) => a[0] - b[0]);
  expect(got.length).toBeLessThanOrEqual(buckets);
  let i = 0;
  let lastPixel = -1;
  for (const p of got) {
    const span: [number, number][] = [];
    while (i < inRange.length && inRange[i]![0] <= p.step) span.push(inRange[i++]!);
    expect(span.length, `span ending at ${p.step}`).toBe(p.n);
    expect(span[0]![0]).toBe(p.firstStep);
    expect(span[span.length - 1]![0]).toBe(p.step);
    expect(Object.is(span[span.length - 1]![1], p.value) || span[span.length - 1]![1] === p.value).toBe(true);
    const finite = span.map((q) => q[1]).filter((v) => Number.isFinite(v));
    expect(p.min).toBe(finite.length === 0 ? null : Math.min(...finite));
    expect(p.max).toBe(finite.length === 0 ? null : Math.max(...finite));
    const pixel = Math.floor(((p.firstStep - x0) * buckets) / (x1 - x0 + 1));
    expect(pixel).toBeGreaterThan(lastPixel);
    lastPixel = pixel;
  }
  expect(i).toBe(inRange.length);
  if ((x1 - x0 + 1) < 8 * buckets) expect(got).toEqual(referenceBuckets(points, x0, x1, buckets));
}

describe('getSeries with wall: the wall-clock time of each point', () => {
  it('raw and decimated points carry the wall time their step was written at; without wall, none', () => {
    const store = freshStore();
    const id = newRun(store);
    const w = store.metricWriter();
    const t0 = 1_700_000_000_000;
    for (let step = 0; step < 20_000; step++) w.write({ runId: id, key: 'train/loss', step, value: 1 / (step + 1), wallMs: t0 + 3 * step });
    w.close();
    const raw = store.getSeries(id, 'train/loss', { x0: 100, x1: 199, wall: true });
    expect(raw.decimated).toBe(false);
    expect(raw.points.map((p) => p.wallMs)).toEqual(raw.points.map((p) => t0 + 3 * p.step));
    for (const buckets of [50, 1000]) {
      const dec = store.getSeries(id, 'train/loss', { buckets, wall: true });
      expect(dec.decimated).toBe(true);
      expect(dec.points.length).toBeGreaterThan(0);
      // a bucket's point is its last step: value and wall time of that step
      for (const p of dec.points) expect(p.wallMs).toBe(t0 + 3 * p.step);
    }
    expect(store.getSeries(id, 'train/loss', { buckets: 50 }).points.every((p) => p.wallMs === undefined)).toBe(true);
  });
});

describe('getSeries decimation', () => {
  it('matches a brute-force min/max/last reference on random series, ranges and bucket counts', () => {
    const store = freshStore();
    const rand = rng(11);
    const runs: { id: number; points: [number, number][] }[] = [];
    const w = store.metricWriter();
    for (let r = 0; r < 6; r++) {
      const id = newRun(store);
      const points = randomSeries(rand, 500 + Math.floor(rand() * 4000), r % 2 === 0 ? 0.3 : 0.01); // sparse / dense
      for (const [step, value] of points) w.write({ runId: id, key: 'train/loss', step, value });
      runs.push({ id, points });
    }
    w.close();

    let sqlCases = 0;
    let blockCases = 0;
    for (let trial = 0; trial < 120; trial++) {
      const { id, points } = runs[trial % runs.length]!;
      const first = points[0]![0];
      const last = points[points.length - 1]![0];
      let x0: number | undefined;
      let x1: number | undefined;
      if (trial % 3 !== 0) {
        x0 = first + Math.floor(rand() * (last - first) * 0.5);
        x1 = x0 + Math.floor(rand() * (last - x0)) + 1;
      }
      const lo = x0 ?? first;
      const hi = x1 ?? last;
      // every 4th trial: 4.5 to 7.5 steps a pixel, where a dense series is decimated by the SQL path
      const buckets = trial % 4 === 1
        ? Math.max(1, Math.floor((hi - lo + 1) / (4.5 + 3 * rand())))
        : 1 + Math.floor(rand() * (trial % 2 === 0 ? 300 : 40));
      const series = store.getSeries(id, 'train/loss', { x0, x1, buckets });
      const inRange = points.filter(([s]) => s >= lo && s <= hi);
      expect(series.total).toBe(inRange.length);
      if (inRange.length <= 4 * buckets) {
        expect(series.decimated).toBe(false);
        expect(series.points.map((p) => [p.step, p.value])).toEqual(inRange);
      } else {
        expect(series.decimated).toBe(true);
        if (hi - lo + 1 < 8 * buckets) sqlCases++;
        else blockCases++;
        checkDecimated(series.points, points, lo, hi, buckets);
      }
    }
    expect(sqlCases).toBeGreaterThan(5);
    expect(blockCases).toBeGreaterThan(15);
  });

  it('keeps LOD blocks exact when a resumed run re-logs, and steps arrive out of order', () => {
    const store = freshStore();
    const id = newRun(store);
    const rand = rng(23);
    const truth = new Map<number, number>();
    const w = store.metricWriter({ maxRows: 64 });
    for (let i = 0; i < 6000; i++) {
      const max = truth.size === 0 ? -1 : i; // steps 0..i-1 exist
      const r = rand();
      const step = r < 0.85 ? max + 1 : r < 0.97 ? Math.floor(rand() * (max + 1)) : max + 2 + Math.floor(rand() * 30);
      const value = rand() < 0.02 ? Number.NaN : (rand() - 0.5) * 10;
      truth.set(step, value);
      w.write({ runId: id, key: 'loss', step, value });
    }
    w.close();
    const points = [...truth.entries()].sort((a, b) => a[0] - b[0]);
    const last = points[points.length - 1]![0];
    for (const [x0, x1, buckets] of [[0, last, 50], [0, last, 7], [100, 5000, 60], [3, last - 3, 100], [1234, 1234 + 999, 20]] as const) {
      const series = store.getSeries(id, 'loss', { x0, x1, buckets });
      expect(series.decimated).toBe(true);
      checkDecimated(series.points, points, x0, x1, buckets);
    }
  });

  it('backfills LOD blocks when migrating a database that already holds series', () => {
    const file = tmpDbPath();
    const db = new Database(file);
    migrate(db, MIGRATIONS.filter((m) => m.version < 3));
    db.prepare(
      `INSERT INTO runs(id, uuid, kind, status, config_json, config_hash, seed, app_version, created_at)
       VALUES (1, 'u', 'ufm', 'finished', '{}', 'h', 1, '0', 0)`,
    ).run();
    db.prepare("INSERT INTO metric_keys(id, name) VALUES (1, 'loss')").run();
    const rand = rng(99);
    const points = randomSeries(rand, 20_000, 0.05);
    const insert = db.prepare('INSERT INTO scalars(run_id, key_id, step, value, flag, wall_ms) VALUES (1, 1, ?, ?, ?, 0)');
    db.transaction(() => {
      for (const [step, v] of points) {
        const flag = Number.isNaN(v) ? 1 : v === Infinity ? 2 : v === -Infinity ? 3 : 0;
        insert.run(step, flag === 0 ? v : null, flag);
      }
      const last = points[points.length - 1]!;
      db.prepare(
        `INSERT INTO run_summary(run_id, key_id, last_step, last_value, last_flag, n, n_nonfinite)
         VALUES (1, 1, ?, ?, 0, ?, 0)`,
      ).run(last[0], 0, points.length);
    })();
    db.close();
    const store = open(file);
    const lastStep = points[points.length - 1]![0];
    for (const buckets of [10, 100, 1000]) {
      const series = store.getSeries(1, 'loss', { buckets });
      expect(series.decimated).toBe(true);
      checkDecimated(series.points, points, points[0]![0], lastStep, buckets);
    }
  });

  it('returns every point of a short series, and decimates a long one to at most `buckets` points', () => {
    const store = freshStore();
    const id = newRun(store);
    const w = store.metricWriter();
    for (let step = 0; step < 10_000; step++) w.write({ runId: id, key: 'loss', step, value: Math.sin(step / 100) });
    w.close();
    const full = store.getSeries(id, 'loss', { x0: 100, x1: 499, buckets: 100 }); // 400 points = 4 x 100
    expect(full.decimated).toBe(false);
    expect(full.points).toHaveLength(400);
    expect(full.points[0]).toEqual({ step: 100, value: Math.sin(1), min: Math.sin(1), max: Math.sin(1), firstStep: 100, n: 1 });
    const dec = store.getSeries(id, 'loss', { buckets: 1000 }); // 10 steps a pixel: built from 16-step blocks
    expect(dec).toMatchObject({ total: 10_000, decimated: true });
    expect(dec.points).toHaveLength(625);
    expect(dec.points[624]).toMatchObject({ step: 9999, firstStep: 9984, n: 16, value: Math.sin(99.99) });
    const wide = store.getSeries(id, 'loss', { buckets: 300 }); // 33 steps a pixel: 2 blocks of 16 in most
    expect(wide.points).toHaveLength(300);
    const sql = store.getSeries(id, 'loss', { buckets: 2000 }); // 5 steps a pixel: exact pixel buckets in SQL
    expect(sql.points).toHaveLength(2000);
    expect(sql.points[1999]).toMatchObject({ step: 9999, firstStep: 9995, n: 5, value: Math.sin(99.99) });
    // zooming in re-queries at full resolution
    const zoom = store.getSeries(id, 'loss', { x0: 5000.4, x1: 5100.6, buckets: 1000 });
    expect(zoom.decimated).toBe(false);
    expect(zoom.points.map((p) => p.step)).toEqual(Array.from({ length: 100 }, (_, i) => 5001 + i));
  });

  it('handles unknown keys, empty ranges and many runs at once', () => {
    const store = freshStore();
    const a = newRun(store);
    const b = newRun(store);
    const w = store.metricWriter();
    for (let step = 0; step < 50; step++) {
      w.write({ runId: a, key: 'acc', step, value: step });
      w.write({ runId: b, key: 'acc', step: step * 2, value: -step });
    }
    w.close();
    expect(store.getSeries(a, 'nope')).toEqual({ runId: a, key: 'nope', points: [], total: 0, decimated: false });
    expect(store.getSeries(a, 'acc', { x0: 1000 }).points).toEqual([]);
    expect(store.getSeries(a, 'acc', { x0: 10, x1: 5 }).total).toBe(0);
    const many = store.getSeriesMany([a, b], 'acc', { x0: 10, x1: 20 });
    expect(many.map((s) => [s.runId, s.total])).toEqual([[a, 11], [b, 6]]);
    expect(() => store.getSeries(a, 'acc', { buckets: 0 })).toThrow(/buckets/);
    expect(store.metricKeys(a)).toEqual({ scalars: ['acc'], snapshots: [] });
  });
});

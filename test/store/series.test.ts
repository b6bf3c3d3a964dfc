import { describe, expect, it } from 'vitest';
import type { SeriesPoint } from '../../src-main/store';
import { freshStore, newRun, rng } from './helpers';

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

function randomSeries(rand: () => number, n: number): [number, number][] {
  const points: [number, number][] = [];
  let step = Math.floor(rand() * 50);
  for (let i = 0; i < n; i++) {
    const r = rand();
    const value = r < 0.02 ? Number.NaN : r < 0.03 ? Number.POSITIVE_INFINITY : r < 0.04 ? Number.NEGATIVE_INFINITY : (rand() - 0.5) * 100;
    points.push([step, value]);
    step += rand() < 0.7 ? 1 : 1 + Math.floor(rand() * 40); // gaps, like evaluation every k steps
  }
  return points;
}

describe('getSeries decimation', () => {
  it('matches a brute-force min/max/last reference on random series, ranges and bucket counts', () => {
    const store = freshStore();
    const rand = rng(11);
    const runs: { id: number; points: [number, number][] }[] = [];
    const w = store.metricWriter();
    for (let r = 0; r < 6; r++) {
      const id = newRun(store);
      const points = randomSeries(rand, 500 + Math.floor(rand() * 4000));
      for (const [step, value] of points) w.write({ runId: id, key: 'train/loss', step, value });
      runs.push({ id, points });
    }
    w.close();

    let decimatedCases = 0;
    for (let trial = 0; trial < 60; trial++) {
      const { id, points } = runs[trial % runs.length]!;
      const first = points[0]![0];
      const last = points[points.length - 1]![0];
      const buckets = 1 + Math.floor(rand() * 300);
      let x0: number | undefined;
      let x1: number | undefined;
      if (trial % 3 !== 0) {
        x0 = first + Math.floor(rand() * (last - first) * 0.5);
        x1 = x0 + Math.floor(rand() * (last - x0)) + 1;
      }
      const series = store.getSeries(id, 'train/loss', { x0, x1, buckets });
      const lo = x0 ?? first;
      const hi = x1 ?? last;
      const inRange = points.filter(([s]) => s >= lo && s <= hi);
      expect(series.total).toBe(inRange.length);
      if (inRange.length <= 4 * buckets) {
        expect(series.decimated).toBe(false);
        expect(series.points.map((p) => [p.step, p.value])).toEqual(inRange);
      } else {
        decimatedCases++;
        expect(series.decimated).toBe(true);
        expect(series.points.length).toBeLessThanOrEqual(buckets);
        expect(series.points).toEqual(referenceBuckets(points, lo, hi, buckets));
      }
    }
    expect(decimatedCases).toBeGreaterThan(20);
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
    const dec = store.getSeries(id, 'loss', { buckets: 1000 });
    expect(dec).toMatchObject({ total: 10_000, decimated: true });
    expect(dec.points).toHaveLength(1000);
    expect(dec.points[999]).toMatchObject({ step: 9999, firstStep: 9990, n: 10, value: Math.sin(99.99) });
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

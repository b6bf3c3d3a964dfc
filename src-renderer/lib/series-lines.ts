/**
 * Contract series -> chart lines: one run as is (decimated buckets keep a min..max band); seed groups as a
 * centre line with a band (mean ± std, median with min–max or interquartile range), clipped to the metric's
 * bounds, optionally with every seed's own curve drawn thin beneath it.
 */
import type { Series } from '../../src-main/api/contract';
import type { Line } from './chart-line';
import { withAlpha } from './colors';
import { band, BAND_LABELS, seedSummary, type BandMode } from './stats';

export type { Series };

const pointsOf = new WeakMap<Series, { x: number; y: number | null }[]>();

export function runLine(s: Series, label: string, color: string): Line {
  let points = pointsOf.get(s);
  if (!points) pointsOf.set(s, (points = s.points.map((p) => ({ x: p.step, y: p.value }))));
  return {
    label,
    color,
    points,
    band: s.decimated ? s.points.map((p) => ({ x: p.step, lo: p.min, hi: p.max })) : undefined,
  };
}

export interface GroupLineOptions {
  band?: BandMode;
  /** The metric's bounds: the band never leaves them (Delta_OF >= 0). */
  bounds?: { lower?: number; upper?: number };
}

/** Centre line with a band over the runs of a seed group, step by step (default: mean ± 1 std). */
export function groupLine(series: readonly Series[], label: string, color: string, o: GroupLineOptions = {}): Line {
  const mode = o.band ?? 'std';
  const byStep = new Map<number, (number | null)[]>();
  for (const s of series)
    for (const p of s.points) {
      const arr = byStep.get(p.step);
      if (arr) arr.push(p.value);
      else byStep.set(p.step, [p.value]);
    }
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  const stats = steps.map((x) => ({ x, ...band(seedSummary(byStep.get(x)!), mode, o.bounds) }));
  return {
    label: `${label} (n=${series.length}, ${BAND_LABELS[mode]})`,
    color,
    width: 2,
    points: stats.map((s) => ({ x: s.x, y: s.y })),
    band: stats.map((s) => ({ x: s.x, lo: s.lo, hi: s.hi })),
  };
}

/** Every seed's own curve, thin and faint in the group's colour, left out of the legend. */
export function seedLines(series: readonly Series[], label: string, color: string): Line[] {
  return series.map((s) => ({
    label: `${label}: run #${s.runId}`,
    color: withAlpha(color, 0.45),
    width: 1,
    legend: false,
    points: s.points.map((p) => ({ x: p.step, y: p.value })),
  }));
}

/** "N of M points" numbers when any series is decimated, else null. */
export function decimationOf(series: readonly Series[]): { shown: number; total: number } | null {
  if (!series.some((s) => s.decimated)) return null;
  return {
    shown: series.reduce((a, s) => a + s.points.length, 0),
    total: series.reduce((a, s) => a + s.total, 0),
  };
}

/** Append newly flushed points (steps after the last one held) to a full-resolution series. */
export function appendSeries(old: Series, more: Series): Series {
  const last = old.points.length ? old.points[old.points.length - 1]!.step : -Infinity;
  const add = more.points.filter((p) => p.step > last);
  return { ...old, points: [...old.points, ...add], total: old.total + add.length };
}

/**
 * x axis of a metric chart: the epoch (linear or log), the index of the evaluation (0, 1, 2...), or wall time:
 * seconds since the run's first stored point of the metric (read with `runs.series` `wall: true`; a resumed
 * run's pause counts, as on a clock).
 */
export type XMode = 'epoch' | 'logEpoch' | 'eval' | 'wall';

/** The series with `step` replaced by the x of the mode (evaluation index, or seconds of wall time). */
export function withX(series: readonly Series[], mode: XMode): Series[] {
  if (mode === 'eval') return series.map((s) => ({ ...s, points: s.points.map((p, i) => ({ ...p, step: i })) }));
  if (mode !== 'wall') return [...series];
  return series.map((s) => {
    const t0 = s.points.find((p) => p.wallMs !== undefined)?.wallMs;
    // without wall times (an older server) there is nothing to place on a clock
    const points = t0 === undefined ? [] : s.points.filter((p) => p.wallMs !== undefined).map((p) => ({ ...p, step: (p.wallMs! - t0) / 1000 }));
    return { ...s, points };
  });
}

export const X_LABELS: Record<XMode, string> = {
  epoch: 'epoch',
  logEpoch: 'epoch (log)',
  eval: 'evaluation #',
  wall: "wall time (s since the run's first point)",
};

/**
 * Exponential moving average (debiased, as TensorBoard's smoothing) of a line and its band: weight 0 leaves it
 * as it is; gaps (null) restart nothing and stay gaps.
 */
export function smoothLine(l: Line, weight: number): Line {
  if (!(weight > 0)) return l;
  const ema = (ys: (number | null)[]): (number | null)[] => {
    let acc = 0;
    let norm = 0;
    return ys.map((y) => {
      if (y === null || !Number.isFinite(y)) return y;
      acc = weight * acc + (1 - weight) * y;
      norm = weight * norm + (1 - weight);
      return acc / norm;
    });
  };
  const ys = ema(l.points.map((p) => p.y));
  const lo = l.band ? ema(l.band.map((b) => b.lo)) : [];
  const hi = l.band ? ema(l.band.map((b) => b.hi)) : [];
  return {
    ...l,
    points: l.points.map((p, i) => ({ x: p.x, y: ys[i]! })),
    band: l.band?.map((b, i) => ({ x: b.x, lo: lo[i]!, hi: hi[i]! })),
  };
}

/** Seed aggregation: mean and sample standard deviation over finite values. */
export interface MeanStd {
  mean: number | null;
  std: number | null;
  n: number;
}

export function meanStd(values: readonly (number | null | undefined)[]): MeanStd {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  const n = xs.length;
  if (n === 0) return { mean: null, std: null, n: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, std: null, n };
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, std: Math.sqrt(v), n };
}

/** Linear-interpolation quantile (type 7, as R / numpy default) of sorted finite values; p in [0, 1]. */
export function quantileSorted(sorted: readonly number[], p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const h = (n - 1) * Math.min(1, Math.max(0, p));
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** Everything a seed band can be drawn from: n, mean ± std, median, quartiles and range over finite values. */
export interface SeedSummary extends MeanStd {
  median: number | null;
  q1: number | null;
  q3: number | null;
  min: number | null;
  max: number | null;
}

export function seedSummary(values: readonly (number | null | undefined)[]): SeedSummary {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  return {
    ...meanStd(xs),
    median: quantileSorted(xs, 0.5),
    q1: quantileSorted(xs, 0.25),
    q3: quantileSorted(xs, 0.75),
    min: xs.length ? xs[0]! : null,
    max: xs.length ? xs[xs.length - 1]! : null,
  };
}

/** How a seed group is summarised on a chart: the centre line and the shaded band around it. */
export type BandMode = 'std' | 'minmax' | 'iqr';

export const BAND_LABELS: Record<BandMode, string> = {
  std: 'mean ± std',
  minmax: 'median, min–max',
  iqr: 'median, interquartile range',
};

/** Centre and band of one summary; the band is clipped to the metric's bounds (e.g. Delta_OF >= 0). */
export function band(s: SeedSummary, mode: BandMode, bounds: { lower?: number; upper?: number } = {}): { y: number | null; lo: number | null; hi: number | null } {
  const clip = (v: number | null) => (v === null ? null : Math.min(bounds.upper ?? Infinity, Math.max(bounds.lower ?? -Infinity, v)));
  if (mode === 'std') {
    if (s.mean === null) return { y: null, lo: null, hi: null };
    const sd = s.std ?? 0;
    return { y: s.mean, lo: clip(s.mean - sd), hi: clip(s.mean + sd) };
  }
  if (mode === 'iqr') return { y: s.median, lo: clip(s.q1), hi: clip(s.q3) };
  return { y: s.median, lo: clip(s.min), hi: clip(s.max) };
}

/**
 * The claim pivot (pure, no Node): runs -> cells keyed by (x, by, facet), each with every seed's value and its
 * summary (median, quartiles, min / max, mean, sample std, 95 % t-interval of the mean). ONE implementation:
 * `scl-lab summarize`, the API's `runs.summarize` and the Claim page all show what this computes.
 */

/** A config value as a pivot key: numbers stay numbers, objects and arrays become their JSON, absent is null. */
export type PivotKey = string | number | boolean | null;

/** One run's point in the pivot. `value` null = the run has no value for the metric (`missing` says why). */
export interface Observation {
  runId: number;
  seed: number;
  x: PivotKey;
  by: PivotKey;
  facet: PivotKey;
  value: number | null;
  missing?: string;
  /** Batch conditions of this run's config (science/analyser): true / false, null = not analysed (`verdict` says why). */
  ofUnique: boolean | null;
  /** The analyser's first sentence for this run's batches. */
  verdict: string;
}

export interface Summary {
  n: number;
  median: number | null;
  min: number | null;
  max: number | null;
  mean: number | null;
  /** Sample standard deviation (n - 1); null below 2 values. */
  std: number | null;
  /** Quartiles, linear interpolation between order statistics (R type 7, numpy's default). */
  q1: number | null;
  q3: number | null;
  /** 95 % confidence interval of the mean: mean +- t(0.975, n - 1) std / sqrt(n); null below 2 values. */
  ci95: [number, number] | null;
}

export interface CellVerdict {
  /** true: the OF is the unique UFM+ minimiser for every analysed seed's batches; false: for none; null: mixed or not analysed. */
  ofUnique: boolean | null;
  seedsUnique: number;
  seedsAnalysed: number;
  text: string;
}

export interface Cell extends Summary {
  x: PivotKey;
  by: PivotKey;
  facet: PivotKey;
  /** Runs with a value, in seed order; `values[i]` is the value of `runIds[i]` (seed `seeds[i]`). */
  runIds: number[];
  seeds: number[];
  values: number[];
  /** Runs of the cell without a value (not finished, never reached the threshold, no test set...). */
  missing: { runId: number; seed: number; reason: string }[];
  verdict: CellVerdict;
}

/** Quantile p of ascending sorted values, linear interpolation (type 7). */
export function quantile(sorted: readonly number[], p: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** t(0.975, df) for df = 1..30 (two-sided 95 %), then the normal value's Cornish-Fisher correction. */
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08,
  2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
export function t975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new Error(`degrees of freedom must be a whole number >= 1 (got ${df})`);
  if (df <= T975.length) return T975[df - 1]!;
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2);
}

/** The summary of finite values (non-finite ones are left out). */
export function summarize(values: readonly number[]): Summary {
  const xs = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = xs.length;
  if (n === 0) return { n, median: null, min: null, max: null, mean: null, std: null, q1: null, q3: null, ci95: null };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : null;
  const half = std === null ? null : (t975(n - 1) * std) / Math.sqrt(n);
  return {
    n,
    median: quantile(xs, 0.5),
    min: xs[0]!,
    max: xs[n - 1]!,
    mean,
    std,
    q1: quantile(xs, 0.25),
    q3: quantile(xs, 0.75),
    ci95: half === null ? null : [mean - half, mean + half],
  };
}

/** Order of keys: null last, numbers ascending, then false < true, then strings. */
export function compareKeys(a: PivotKey, b: PivotKey): number {
  const rank = (k: PivotKey) => (k === null ? 3 : typeof k === 'number' ? 0 : typeof k === 'boolean' ? 1 : 2);
  const d = rank(a) - rank(b);
  if (d !== 0) return d;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return String(a).localeCompare(String(b));
}

/** A config value as a key. */
export function keyOf(v: unknown): PivotKey {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

/** How a key reads: booleans and numbers as written, null as "(none)". */
export function keyLabel(k: PivotKey): string {
  return k === null ? '(none)' : String(k);
}

function cellVerdict(obs: readonly Observation[]): CellVerdict {
  const analysed = obs.filter((o) => o.ofUnique !== null);
  const unique = analysed.filter((o) => o.ofUnique === true);
  const notUnique = analysed.filter((o) => o.ofUnique === false);
  const base = { seedsUnique: unique.length, seedsAnalysed: analysed.length };
  if (analysed.length === 0) return { ...base, ofUnique: null, text: obs[0]?.verdict ?? 'no runs' };
  const all = analysed.length === obs.length ? '' : ` (${analysed.length} of ${obs.length} runs analysed)`;
  if (notUnique.length === 0) return { ...base, ofUnique: true, text: `OF unique for these batches${all}` };
  const why = notUnique[0]!.verdict;
  if (unique.length === 0) return { ...base, ofUnique: false, text: `OF not unique for these batches${all}: ${why}` };
  const runs = notUnique.map((o) => o.runId).join(', ');
  const seeds = notUnique.map((o) => o.seed).join(', ');
  return {
    ...base,
    ofUnique: null,
    text: `OF unique for ${unique.length} of ${analysed.length} runs' batches; not for run ${runs} (seed ${seeds}): ${why}`,
  };
}

/** Group observations into cells, in (facet, by, x) order; values in seed order. */
export function pivot(observations: readonly Observation[]): Cell[] {
  const groups = new Map<string, Observation[]>();
  for (const o of observations) {
    const k = JSON.stringify([o.facet, o.by, o.x]);
    const g = groups.get(k);
    if (g) g.push(o);
    else groups.set(k, [o]);
  }
  const cells: Cell[] = [];
  for (const obs of groups.values()) {
    obs.sort((a, b) => a.seed - b.seed || a.runId - b.runId);
    const withValue = obs.filter((o) => o.value !== null && Number.isFinite(o.value));
    const without = obs.filter((o) => !withValue.includes(o));
    const values = withValue.map((o) => o.value as number);
    cells.push({
      x: obs[0]!.x,
      by: obs[0]!.by,
      facet: obs[0]!.facet,
      ...summarize(values),
      runIds: withValue.map((o) => o.runId),
      seeds: withValue.map((o) => o.seed),
      values,
      missing: without.map((o) => ({ runId: o.runId, seed: o.seed, reason: o.missing ?? (o.value === null ? 'no value' : `not finite (${o.value})`) })),
      verdict: cellVerdict(obs),
    });
  }
  return cells.sort((a, b) => compareKeys(a.facet, b.facet) || compareKeys(a.by, b.by) || compareKeys(a.x, b.x));
}

export type AxisKind = 'category' | 'linear' | 'log';

/**
 * The x axis for a field's values: category unless every value is a number; log when the field is a ratio
 * (its last segment says so) or the positive values span at least 1.5 decades; else linear.
 */
export function axisKind(field: string, values: readonly PivotKey[]): AxisKind {
  const present = values.filter((v) => v !== null);
  if (present.length === 0 || !present.every((v) => typeof v === 'number')) return 'category';
  const nums = present as number[];
  if (nums.some((v) => v <= 0)) return 'linear';
  const last = field.split('.').at(-1)!.toLowerCase();
  if (last.endsWith('ratio') || last === 'r') return 'log';
  const lo = Math.min(...nums), hi = Math.max(...nums);
  return hi / lo >= 10 ** 1.5 ? 'log' : 'linear';
}

const csvField = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : typeof v === 'number' ? String(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The cells as CSV: one row per cell, its summary, and each seed's value as seed_<s> columns. */
export function cellsCsv(cells: readonly Cell[], names: { x: string; by: string | null; facet: string | null; metric: string }): string {
  const seeds = [...new Set(cells.flatMap((c) => c.seeds))].sort((a, b) => a - b);
  const head = [names.x, ...(names.by ? [names.by] : []), ...(names.facet ? [names.facet] : []), 'metric', 'n', 'median', 'q1', 'q3', 'min', 'max', 'mean', 'std', 'ci95_lo', 'ci95_hi', 'run_ids', 'values', 'missing', 'of_unique', 'verdict', ...seeds.map((s) => `seed_${s}`)];
  const rows = cells.map((c) => [
    c.x,
    ...(names.by ? [c.by] : []),
    ...(names.facet ? [c.facet] : []),
    names.metric,
    c.n,
    c.median,
    c.q1,
    c.q3,
    c.min,
    c.max,
    c.mean,
    c.std,
    c.ci95?.[0] ?? null,
    c.ci95?.[1] ?? null,
    c.runIds.join(' '),
    c.values.join(' '),
    c.missing.map((m) => `${m.runId}: ${m.reason}`).join('; '),
    c.verdict.ofUnique,
    c.verdict.text,
    ...seeds.map((s) => {
      const i = c.seeds.indexOf(s);
      return i < 0 ? null : c.values[i];
    }),
  ]);
  return [head, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

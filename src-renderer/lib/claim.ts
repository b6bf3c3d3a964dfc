/**
 * The Claim page's state (all of it lives in the URL: #/claim?sweep=3&x=imbalance.ratio&by=relu&metric=deltaOF...)
 * and the figure's geometry: where each seed's dot, each cell's median and band go, shared by the Chart.js
 * charts and the SVG export so that both draw the same figure.
 */
import type { MethodOutput } from './client';

export type Summary = MethodOutput<'runs.summarize'>;
export type ClaimCell = Summary['cells'][number];
export type Key = ClaimCell['x'];

export const BANDS = {
  iqr: 'interquartile range',
  minmax: 'min – max',
  std: 'mean ± std (◆ mean)',
  ci95: '95 % CI of the mean (◆ mean)',
} as const;
export type Band = keyof typeof BANDS;

export interface ClaimState {
  sweep?: number;
  ids: number[];
  x?: string;
  by?: string;
  facet?: string;
  metric: string;
  stat: 'final' | 'best';
  band: Band;
  threshold: number;
  /** x axis: auto (log for ratios and values spanning decades), or forced. */
  logx: 'auto' | 'log' | 'linear';
  logy: boolean;
}

export const DEFAULT_CLAIM: ClaimState = { ids: [], metric: 'deltaOF', stat: 'final', band: 'iqr', threshold: 0.05, logx: 'auto', logy: false };

const posInt = (v: string | null): number | undefined => {
  const n = Number(v);
  return v !== null && Number.isInteger(n) && n > 0 ? n : undefined;
};
const text = (v: string | null): string | undefined => (v !== null && v.trim() !== '' ? v.trim() : undefined);

export function parseClaimQuery(q: URLSearchParams): ClaimState {
  const band = q.get('band');
  const logx = q.get('logx');
  const thr = Number(q.get('threshold'));
  return {
    sweep: posInt(q.get('sweep')),
    ids: (q.get('ids') ?? '')
      .split(',')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0),
    x: text(q.get('x')),
    by: text(q.get('by')),
    facet: text(q.get('facet')),
    metric: text(q.get('metric')) ?? DEFAULT_CLAIM.metric,
    stat: q.get('stat') === 'best' ? 'best' : 'final',
    band: band !== null && band in BANDS ? (band as Band) : DEFAULT_CLAIM.band,
    threshold: q.get('threshold') !== null && Number.isFinite(thr) && thr > 0 ? thr : DEFAULT_CLAIM.threshold,
    logx: logx === 'log' || logx === 'linear' ? logx : 'auto',
    logy: q.get('logy') === '1',
  };
}

/** The query string of a state (defaults left out; stable order, so the same state is the same URL). */
export function claimQuery(s: Partial<ClaimState>): string {
  const q = new URLSearchParams();
  if (s.sweep) q.set('sweep', String(s.sweep));
  else if (s.ids?.length) q.set('ids', s.ids.join(','));
  if (s.x) q.set('x', s.x);
  if (s.by) q.set('by', s.by);
  if (s.facet) q.set('facet', s.facet);
  if (s.metric && s.metric !== DEFAULT_CLAIM.metric) q.set('metric', s.metric);
  if (s.stat === 'best') q.set('stat', 'best');
  if (s.band && s.band !== DEFAULT_CLAIM.band) q.set('band', s.band);
  if (s.threshold !== undefined && s.threshold !== DEFAULT_CLAIM.threshold) q.set('threshold', String(s.threshold));
  if (s.logx && s.logx !== 'auto') q.set('logx', s.logx);
  if (s.logy) q.set('logy', '1');
  return q.toString();
}

export function keyText(k: Key): string {
  return k === null ? '(none)' : String(k);
}

/** The band of a cell, clipped to the metric's bounds (a Delta_OF band never goes below 0). */
export function bandOf(c: ClaimCell, band: Band, bounds: [number | null, number | null] = [null, null]): [number, number] | null {
  let b: [number, number] | null;
  switch (band) {
    case 'iqr':
      b = c.q1 === null || c.q3 === null ? null : [c.q1, c.q3];
      break;
    case 'minmax':
      b = c.min === null || c.max === null ? null : [c.min, c.max];
      break;
    case 'std':
      b = c.mean === null || c.std === null ? null : [c.mean - c.std, c.mean + c.std];
      break;
    case 'ci95':
      b = c.ci95 ? [c.ci95[0], c.ci95[1]] : null;
      break;
  }
  if (!b) return null;
  const [lo, hi] = bounds;
  return [lo === null ? b[0] : Math.max(lo, b[0]), hi === null ? b[1] : Math.min(hi, b[1])];
}

export interface Dot {
  x: number;
  y: number;
  runId: number;
  seed: number;
}
export interface CellMark {
  cell: ClaimCell;
  x: number;
  median: number | null;
  band: [number, number] | null;
  /** The mean, where the band is centred on it (mean ± std, 95 % CI): drawn as a small diamond. */
  mean: number | null;
}
export interface Group {
  by: Key;
  label: string;
  color: string;
  dots: Dot[];
  marks: CellMark[];
}
export interface Facet {
  facet: Key;
  title: string;
  groups: Group[];
}
export interface Figure {
  facets: Facet[];
  xKind: 'category' | 'linear' | 'log';
  /** Category labels (category x) or the distinct x values (numeric x), which are the ticks. */
  xTicks: { value: number; label: string }[];
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
  /** The y range of a log axis (positive values only), null when no value is positive. */
  logRange: [number, number] | null;
  /** Most and fewest seeds of a cell (the n the figure states). */
  nMax: number;
  nMin: number;
}

/** Spread of dots around their position: a fraction of a category slot, of the linear span, or of a decade. */
function offsetter(kind: Figure['xKind'], xs: number[]): (x: number, slot: number) => number {
  if (kind === 'category') return (x, slot) => x + slot;
  if (kind === 'log') {
    const span = xs.length > 1 ? Math.log10(Math.max(...xs) / Math.min(...xs)) : 1;
    return (x, slot) => x * 10 ** (slot * 0.25 * Math.max(span, 0.5));
  }
  const span = xs.length > 1 ? Math.max(...xs) - Math.min(...xs) : Math.abs(xs[0] ?? 1) || 1;
  return (x, slot) => x + slot * 0.25 * span;
}

/**
 * Every dot (one per seed) and every cell's median and band, per facet and colour group. Groups sit side by side
 * around their x (offset), a cell's seeds spread a little within the group's slot, so no dot hides another.
 */
export function buildFigure(s: Summary, band: Band, palette: readonly string[], logx: ClaimState['logx']): Figure {
  const numeric = s.x.kind !== 'category';
  const xKind: Figure['xKind'] = !numeric ? 'category' : logx === 'auto' ? s.x.kind : logx === 'log' && s.x.values.every((v) => typeof v === 'number' && v > 0) ? 'log' : 'linear';
  const xs = numeric ? (s.x.values.filter((v) => typeof v === 'number') as number[]) : s.x.values.map((_, i) => i);
  const pos = (k: Key): number => (numeric ? (k as number) : s.x.values.indexOf(k));
  const off = offsetter(xKind, xs);
  const groups = s.by.values;
  const G = groups.length;
  const slot = (g: number) => (G === 1 ? 0 : ((g - (G - 1) / 2) / G) * 0.6);
  let yMin = Infinity,
    yMax = -Infinity;
  const facets: Facet[] = s.facet.values.map((f) => ({
    facet: f,
    title: s.facet.field ? `${s.facet.field} = ${keyText(f)}` : '',
    groups: groups.map((b, g) => {
      const cells = s.cells.filter((c) => c.facet === f && c.by === b && (!numeric || typeof c.x === 'number'));
      const dots: Dot[] = [];
      const marks: CellMark[] = [];
      for (const c of cells) {
        const base = pos(c.x);
        const centre = off(base, slot(g));
        c.values.forEach((v, i) => {
          const spread = c.values.length > 1 ? (i / (c.values.length - 1) - 0.5) * (0.45 / Math.max(G, 1)) * 0.5 : 0;
          dots.push({ x: off(base, slot(g) + spread), y: v, runId: c.runIds[i]!, seed: c.seeds[i]! });
          yMin = Math.min(yMin, v);
          yMax = Math.max(yMax, v);
        });
        const bnd = bandOf(c, band, s.metric.bounds);
        if (bnd) {
          yMin = Math.min(yMin, bnd[0]);
          yMax = Math.max(yMax, bnd[1]);
        }
        marks.push({ cell: c, x: centre, median: c.median, band: bnd, mean: band === 'std' || band === 'ci95' ? c.mean : null });
      }
      return { by: b, label: s.by.field ? `${s.by.field} = ${keyText(b)}` : 'all runs', color: palette[g % palette.length]!, dots, marks };
    }),
  }));
  for (const r of s.metric.refs) {
    yMin = Math.min(yMin, r.value);
    yMax = Math.max(yMax, r.value);
  }
  if (!Number.isFinite(yMin)) [yMin, yMax] = [0, 1];
  const positive = facets.flatMap((f) => f.groups.flatMap((g) => [...g.dots.map((d) => d.y), ...g.marks.flatMap((m) => m.band ?? [])])).filter((v) => v > 0);
  const logRange: [number, number] | null = positive.length ? [Math.min(...positive) / 1.6, Math.max(...positive) * 1.6] : null;
  // a little room, rounded out to a tick step, never past the metric's bounds (Delta_OF >= 0)
  const span = yMax - yMin || Math.abs(yMax) || 1;
  const step = niceStep(span / 6);
  const [lo, hi] = s.metric.bounds;
  yMin = Math.floor((yMin - span * 0.04) / step) * step;
  yMax = Math.ceil((yMax + span * 0.04) / step) * step;
  // the axis stops a hair beyond a bound, so that dots on it (Delta_OF = 0) are not hidden by the axis line
  if (lo !== null && yMin < lo) yMin = lo - span * 0.025;
  if (hi !== null && yMax > hi) yMax = hi + span * 0.025;
  const ns = s.cells.map((c) => c.n);
  const xTicks = numeric
    ? xs.map((v) => ({ value: v, label: String(v) }))
    : s.x.values.map((v, i) => ({ value: i, label: keyText(v) }));
  const xLo = Math.min(...xs), xHi = Math.max(...xs);
  const [xMin, xMax] =
    xKind === 'category'
      ? [-0.6, xs.length - 0.4]
      : xKind === 'log'
        ? [xLo / 10 ** (0.25 * Math.max(Math.log10(xHi / xLo), 1)), xHi * 10 ** (0.25 * Math.max(Math.log10(xHi / xLo), 1))]
        : [xLo - 0.15 * (xHi - xLo || Math.abs(xLo) || 1), xHi + 0.15 * (xHi - xLo || Math.abs(xLo) || 1)];
  return {
    facets,
    xKind,
    xTicks,
    xMin,
    xMax,
    yMin: Number(yMin.toPrecision(12)),
    yMax: Number(yMax.toPrecision(12)),
    logRange,
    nMax: ns.length ? Math.max(...ns) : 0,
    nMin: ns.length ? Math.min(...ns) : 0,
  };
}

/** 1, 2 or 5 times a power of ten, at least v. */
export function niceStep(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

/** "n = 3 seeds per cell" or "n = 2–3 seeds per cell". */
export function nText(f: Pick<Figure, 'nMin' | 'nMax'>): string {
  return f.nMin === f.nMax ? `n = ${f.nMax} seed${f.nMax === 1 ? '' : 's'} per cell` : `n = ${f.nMin}–${f.nMax} seeds per cell`;
}

/** A readable tick for a log axis: powers of ten (and 2, 5 when few decades are shown), never "0.000000010". */
export function logTick(v: number, decades: number): string | null {
  const e = Math.log10(v);
  const mant = v / 10 ** Math.floor(e + 1e-9);
  const r = Math.round(mant * 1000) / 1000;
  if (!(r === 1 || (decades <= 3 && (r === 2 || r === 5)))) return null;
  return compact(v);
}

/** A number in few characters: 0.05, 1e-8, 2e+4, 250. */
export function compact(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return Number(v.toPrecision(3)).toExponential().replace('e+', 'e');
  return String(Number(v.toPrecision(3)));
}

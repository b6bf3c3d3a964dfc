/** Class-geometry helpers for the panels: class order by count, references, pairwise cosines, histogram bins. */

/** Class indices sorted by training count, largest first (stable), so minority classes sit together. */
export function orderByCount(k: number, counts: readonly number[] | null): number[] {
  const idx = Array.from({ length: k }, (_, i) => i);
  if (!counts || counts.length !== k) return idx;
  return idx.sort((a, b) => counts[b]! - counts[a]! || a - b);
}

/** Simplex-ETF cosine between class means: -1/(k-1). */
export const etfCosine = (k: number): number => (k > 1 ? -1 / (k - 1) : 0);

/** Off-diagonal upper-triangle entries of a k x k row-major matrix. */
export function offDiagonal(data: readonly number[], k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) out.push(data[i * k + j]!);
  return out;
}

export interface Bin {
  x: number;
  lo: number;
  hi: number;
  count: number;
}

/** Equal-width bins over [lo, hi]; values at hi fall in the last bin. */
export function histogram(values: readonly number[], lo = -1, hi = 1, bins = 40): Bin[] {
  const w = (hi - lo) / bins;
  const out: Bin[] = Array.from({ length: bins }, (_, b) => ({ lo: lo + b * w, hi: lo + (b + 1) * w, x: lo + (b + 0.5) * w, count: 0 }));
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / w)));
    out[b]!.count++;
  }
  return out;
}

/** Element-wise a - b of two same-shape matrices (null if the shapes differ). */
export function diffMatrix(a: readonly number[], b: readonly number[]): number[] | null {
  return a.length === b.length ? a.map((v, i) => v - b[i]!) : null;
}

/** Colour-scale choices of a cosine heatmap: fitted to the references (default), fixed, or fitted to the data. */
export type HeatScale = 'refs' | 'data' | '1' | '0.5' | '0.25';

export const HEAT_SCALES: { id: HeatScale; label: string }[] = [
  { id: 'refs', label: 'fit ETF / OF (±3/(k−1))' },
  { id: 'data', label: 'fit the data' },
  { id: '1', label: '±1' },
  { id: '0.5', label: '±0.5' },
  { id: '0.25', label: '±0.25' },
];

/**
 * The colour range (white at 0 = OF, blue at -range, red at +range) of a heatmap: 'refs' puts the ETF value
 * -1/(k-1) a third of the way to full blue, so at k = 10 an ETF (-0.11) is clearly blue next to an OF (white);
 * 'data' fits the largest |off-diagonal| value. Always within [0.05, 1], two significant digits.
 */
export function heatRange(scale: HeatScale, k: number, data: readonly number[] | null = null): number {
  let r: number;
  if (scale === 'refs') r = 3 * Math.abs(etfCosine(k));
  else if (scale === 'data') r = data && k > 1 ? Math.max(...offDiagonal(data, k).map(Math.abs)) : 1;
  else r = Number(scale);
  return Number(Math.min(1, Math.max(0.05, r || 1)).toPrecision(2));
}

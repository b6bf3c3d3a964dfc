/**
 * Closed-form optima (spec section 2), paper convention.
 *
 * UFM+ (non-negative, unit norm), one batch, attained by the orthogonal frame with neural collapse:
 *   L_B* = sum_{i in B, n_{B,y_i} >= 2} log( (n_{B,y_i} - 1) + (|B| - n_{B,y_i}) exp(-1/tau) )
 * UFM (no ReLU), balanced full batch, attained by the simplex ETF (class-mean cosine -1/(k-1)):
 *   per anchor log( (n_c - 1) + (n - n_c) exp(-(1 + 1/(k-1))/tau) )
 */
import { lossFormScale, type LossForm } from './scl-oracle';

/** Class counts within one batch. */
function batchClassCounts(batch: readonly number[], labels: ArrayLike<number>): Map<number, number> {
  const m = new Map<number, number>();
  for (const i of batch) m.set(labels[i], (m.get(labels[i]) ?? 0) + 1);
  return m;
}

export function ofOptimumBatch(batch: readonly number[], labels: ArrayLike<number>, tau: number, form: LossForm = 'paper'): number {
  const counts = batchClassCounts(batch, labels);
  const size = batch.length;
  const e = Math.exp(-1 / tau);
  let sum = 0;
  let anchors = 0;
  for (const nc of counts.values()) {
    if (nc < 2) continue;
    sum += nc * Math.log(nc - 1 + (size - nc) * e);
    anchors += nc;
  }
  return lossFormScale(form, tau, size, anchors) * sum;
}

/** L* of UFM+ for an epoch's batching: the sum of the batches' optima (each batch is minimised by the OF). */
export function ofOptimum(batches: readonly (readonly number[])[], labels: ArrayLike<number>, tau: number, form: LossForm = 'paper'): number {
  let s = 0;
  for (const b of batches) s += ofOptimumBatch(b, labels, tau, form);
  return s;
}

/** The ETF optimum of UFM without ReLU, balanced full batch: k classes of nc examples. */
export function etfOptimumBalanced(k: number, nc: number, tau: number): number {
  const n = k * nc;
  return n * Math.log(nc - 1 + (n - nc) * Math.exp(-(1 + 1 / (k - 1)) / tau));
}

/** Delta_OF of a perfect simplex ETF: sqrt(2 - 2 sqrt((k-1)/k)). */
export function deltaOfOfEtf(k: number): number {
  return Math.sqrt(2 - 2 * Math.sqrt((k - 1) / k));
}

/** The angle between ETF class means, arccos(-1/(k-1)), in degrees. */
export function etfAngleDegrees(k: number): number {
  return (Math.acos(-1 / (k - 1)) * 180) / Math.PI;
}

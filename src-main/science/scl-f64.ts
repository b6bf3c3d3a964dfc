/**
 * The SCL loss and its gradient in float64 (plain loops, symmetric halves), for L-BFGS. The float32 tfjs
 * kernel carries ~1e-5 of noise on a loss of ~6,000; the descent of a quasi-Newton method through the
 * imbalanced UFM+ saddle moves the loss by less than that per iteration, so its line search needs float64.
 * Same objective as scl.ts (spec section 1):
 *   S = X X^T / tau,  lse_i = logsumexp_{l != i} S_il,  L = sum_i a_i (lse_i - (x_i . (C_{y_i} - x_i)) / (tau npos_i))
 *   dL/dx_m = (1/tau) [ sum_l (P_ml + P_lm) x_l - 2 a_m (C_{y_m} - x_m) / npos_m ],  P_il = a_i softmax_il
 * with C_c the class sum of the batch and a_i the anchor weight (1, or the supcon-mean scale; 0 without positive).
 */
import { lossFormScale, type LossForm } from './scl-oracle';

/** Loss of one batch (example ids `batch`) at features H (n x d); adds dL/dH into grad (n x d). */
export function sclBatchF64(
  H: ArrayLike<number>,
  d: number,
  labels: ArrayLike<number>,
  batch: readonly number[],
  tau: number,
  form: LossForm,
  grad: Float64Array,
): number {
  const m = batch.length;
  const X = new Float64Array(m * d);
  let k = 0;
  for (let a = 0; a < m; a++) {
    const o = batch[a] * d;
    for (let t = 0; t < d; t++) X[a * d + t] = H[o + t];
    k = Math.max(k, labels[batch[a]] + 1);
  }
  const y = new Int32Array(m);
  const cnt = new Int32Array(k);
  for (let a = 0; a < m; a++) cnt[(y[a] = labels[batch[a]])]++;
  let anchors = 0;
  for (let a = 0; a < m; a++) if (cnt[y[a]] >= 2) anchors++;
  const scale = lossFormScale(form, tau, m, anchors);
  const C = new Float64Array(k * d);
  for (let a = 0; a < m; a++) for (let t = 0; t < d; t++) C[y[a] * d + t] += X[a * d + t];
  // S, both halves (row-major, so the softmax pass reads rows contiguously). Unit rows give |S| <= 1/tau, so
  // the shift 1/tau is safe while 2/tau is far from exp's range: then exp(S - 1/tau) is symmetric, one exp a pair.
  const S = new Float64Array(m * m);
  const inv = 1 / tau;
  const fixedShift = 2 * inv <= 600;
  const den = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const oi = i * d;
    for (let l = i + 1; l < m; l++) {
      const ol = l * d;
      let s = 0;
      for (let t = 0; t < d; t++) s += X[oi + t] * X[ol + t];
      s *= inv;
      if (fixedShift) {
        s = Math.exp(s - inv);
        den[i] += s;
        den[l] += s;
      }
      S[i * m + l] = s;
      S[l * m + i] = s;
    }
  }
  let loss = 0;
  const wAnchor = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const npos = cnt[y[i]] - 1;
    const row = i * m;
    let mx = inv;
    if (!fixedShift) {
      mx = -Infinity;
      for (let l = 0; l < m; l++) if (l !== i && S[row + l] > mx) mx = S[row + l];
      let dd = 0;
      for (let l = 0; l < m; l++) {
        if (l === i) continue;
        const e = Math.exp(S[row + l] - mx);
        S[row + l] = e;
        dd += e;
      }
      den[i] = dd;
    }
    if (npos === 0) {
      for (let l = 0; l < m; l++) S[row + l] = 0; // no positive: no term (still a negative for the others)
      continue;
    }
    const a = scale;
    wAnchor[i] = (2 * a) / npos;
    let pos = 0;
    const oc = y[i] * d, oi = i * d;
    for (let t = 0; t < d; t++) pos += X[oi + t] * (C[oc + t] - X[oi + t]);
    loss += a * (mx + Math.log(den[i]) - (pos * inv) / npos);
    const f = a / den[i];
    for (let l = 0; l < m; l++) S[row + l] *= f; // P_il
  }
  // gradient: (P + P^T) X - 2 a W X, by symmetric pairs
  const G = new Float64Array(m * d);
  for (let i = 0; i < m; i++) {
    const oi = i * d;
    for (let l = i + 1; l < m; l++) {
      const v = S[i * m + l] + S[l * m + i];
      if (v === 0) continue;
      const ol = l * d;
      for (let t = 0; t < d; t++) {
        G[oi + t] += v * X[ol + t];
        G[ol + t] += v * X[oi + t];
      }
    }
  }
  for (let i = 0; i < m; i++) {
    const o = batch[i] * d, oi = i * d, oc = y[i] * d, w = wAnchor[i];
    for (let t = 0; t < d; t++) grad[o + t] += (G[oi + t] - w * (C[oc + t] - X[oi + t])) * inv;
  }
  return loss;
}

/**
 * Float64 reference of the SCL loss (paper convention, spec section 1) and its analytic gradient, in plain
 * TypeScript loops. Slow and obviously correct: the tests hold the tfjs implementation to it.
 *
 *   L_B(H) = sum_{i in B, n_{B,y_i} >= 2} 1/(n_{B,y_i}-1) sum_{j in B, j != i, y_j = y_i}
 *            -log( exp(h_i.h_j/tau) / sum_{l in B, l != i} exp(h_i.h_l/tau) )
 *
 * With s_il = h_i.h_l / tau, p_il the softmax of s_i. over l != i, and w_ij = 1[y_j = y_i, j != i]/(n_{B,y_i}-1):
 *   dL/ds_il = a_i p_il - w_il   (a_i = 1 when anchor i has a positive)
 *   dL/dh_m  = (1/tau) sum_l (G_ml + G_lm) h_l
 */
export type LossForm = 'paper' | 'supcon-mean' | 'supcon-mean-positive-anchors';

/** base_tau of the SupCon code (HobbitLong/SupContrast `SupConLoss(base_temperature=0.07)`). */
export const SUPCON_BASE_TAU = 0.07;

/**
 * The factor that turns a batch's paper-convention sum over anchors into the loss form's value:
 *   paper                         1
 *   supcon-mean                   tau / base_tau / |B|          (SupContrast: mean over ALL anchors of the batch;
 *                                                                an anchor without a positive adds 0 but counts)
 *   supcon-mean-positive-anchors  tau / base_tau / #anchors with a positive (0 when there is none); what this
 *                                 product called "supcon-mean" before config schema version 2
 */
export function lossFormScale(form: LossForm, tau: number, batchSize: number, anchorsWithPositive: number): number {
  if (form === 'paper') return 1;
  const n = form === 'supcon-mean' ? batchSize : anchorsWithPositive;
  return n === 0 ? 0 : tau / SUPCON_BASE_TAU / n;
}

export function oracleSclLoss(
  H: ArrayLike<number>,
  d: number,
  labels: ArrayLike<number>,
  batches: readonly (readonly number[])[],
  tau: number,
  form: LossForm = 'paper',
): { loss: number; grad: Float64Array } {
  const grad = new Float64Array(labels.length * d);
  let total = 0;
  for (const B of batches) {
    const m = B.length;
    const s = new Float64Array(m * m);
    for (let a = 0; a < m; a++)
      for (let b = 0; b < m; b++) {
        let dot = 0;
        for (let t = 0; t < d; t++) dot += H[B[a] * d + t] * H[B[b] * d + t];
        s[a * m + b] = dot / tau;
      }
    const G = new Float64Array(m * m);
    let lossB = 0;
    let anchors = 0;
    for (let a = 0; a < m; a++) {
      let npos = 0;
      for (let b = 0; b < m; b++) if (b !== a && labels[B[b]] === labels[B[a]]) npos++;
      if (npos === 0) continue; // no positive: no term, but still a negative for the others
      anchors++;
      let mx = -Infinity;
      for (let b = 0; b < m; b++) if (b !== a) mx = Math.max(mx, s[a * m + b]);
      let den = 0;
      for (let b = 0; b < m; b++) if (b !== a) den += Math.exp(s[a * m + b] - mx);
      const lse = mx + Math.log(den);
      for (let b = 0; b < m; b++) {
        if (b === a) continue;
        const pos = labels[B[b]] === labels[B[a]] ? 1 / npos : 0;
        lossB += pos * (lse - s[a * m + b]);
        G[a * m + b] = Math.exp(s[a * m + b] - mx) / den - pos;
      }
    }
    const scale = lossFormScale(form, tau, m, anchors);
    total += scale * lossB;
    for (let a = 0; a < m; a++)
      for (let b = 0; b < m; b++) {
        const g = (scale * (G[a * m + b] + G[b * m + a])) / tau;
        if (g === 0) continue;
        for (let t = 0; t < d; t++) grad[B[a] * d + t] += g * H[B[b] * d + t];
      }
  }
  return { loss: total, grad };
}

/**
 * SCL loss in tfjs (spec section 1), for a stack of equal-size batches X: [nb, B, d] of unit-norm embeddings.
 * Forward and the analytic gradient are computed together (two batched matmuls each), which is what makes the
 * UFM solver fast; `sclLoss` wraps the same computation in tf.customGrad for autograd in deep training.
 *
 *   S = X X^T / tau;  for anchor i: lse_i = logsumexp_{l != i} S_il (max-shifted);  w_ij = 1[y_j = y_i, j != i]/npos_i
 *   L = sum_i a_i lse_i - sum_ij w_ij S_ij             (a_i = 1 when npos_i >= 1; anchors without positives add nothing)
 *   dL/dS = a_i softmax_il - w_il;   dL/dX = (G + G^T) X / tau
 */
import * as tf from '@tensorflow/tfjs';
import { SUPCON_BASE_TAU, type LossForm } from './scl-oracle';

/** Label-only quantities of a stack of batches; reusable while the batches stay the same (fixed, full). */
export interface BatchMasks {
  /** w_ij: positive weights, [nb, B, B]. */
  w: tf.Tensor3D;
  /** a_i: 1 for anchors with at least one positive, [nb, B, 1]. */
  valid: tf.Tensor3D;
  /** 0 off the diagonal, -1e9 on it: excludes the anchor from its own denominator. */
  selfMask: tf.Tensor3D;
  /** Per-batch factor: 1 (paper) or tau/0.07/#anchors (supcon-mean), [nb, 1, 1]. */
  scale: tf.Tensor3D;
  dispose(): void;
}

/** labels: nb*B class ids, batch-major. */
export function makeBatchMasks(labels: Int32Array, nb: number, B: number, tau: number, form: LossForm): BatchMasks {
  const w = new Float32Array(nb * B * B);
  const valid = new Float32Array(nb * B);
  const scale = new Float32Array(nb);
  for (let b = 0; b < nb; b++) {
    const off = b * B;
    let anchors = 0;
    for (let i = 0; i < B; i++) {
      let npos = 0;
      const yi = labels[off + i];
      for (let j = 0; j < B; j++) if (j !== i && labels[off + j] === yi) npos++;
      if (npos === 0) continue;
      anchors++;
      valid[off + i] = 1;
      const inv = 1 / npos;
      const row = (off + i) * B;
      for (let j = 0; j < B; j++) if (j !== i && labels[off + j] === yi) w[row + j] = inv;
    }
    scale[b] = form === 'paper' ? 1 : anchors === 0 ? 0 : tau / SUPCON_BASE_TAU / anchors;
  }
  const self = new Float32Array(B * B);
  for (let i = 0; i < B; i++) self[i * B + i] = -1e9;
  const masks = {
    w: tf.tensor3d(w, [nb, B, B]),
    valid: tf.tensor3d(valid, [nb, B, 1]),
    selfMask: tf.tensor3d(self, [1, B, B]),
    scale: tf.tensor3d(scale, [nb, 1, 1]),
    dispose() {
      tf.dispose([masks.w, masks.valid, masks.selfMask, masks.scale]);
    },
  };
  return masks;
}

function transposeLast(x: tf.Tensor3D): tf.Tensor3D {
  return tf.transpose(x, [0, 2, 1]);
}

/**
 * Loss (sum over the stack's batches, as a scalar) and its gradient with respect to X.
 * Caller owns the returned tensors.
 */
export function sclLossAndGrad(X: tf.Tensor3D, m: BatchMasks, tau: number): { loss: tf.Scalar; grad: tf.Tensor3D } {
  return tf.tidy(() => {
    const S = tf.div(tf.matMul(X, transposeLast(X)), tau) as tf.Tensor3D;
    const Sm = tf.add(S, m.selfMask);
    const mx = tf.max(Sm, 2, true);
    const E = tf.exp(tf.sub(Sm, mx));
    const den = tf.sum(E, 2, true);
    const lse = tf.add(mx, tf.log(den));
    const perBatch = tf.sub(tf.sum(tf.mul(m.valid, lse), [1, 2], true), tf.sum(tf.mul(m.w, S), [1, 2], true));
    const loss = tf.sum(tf.mul(perBatch, m.scale)) as tf.Scalar;
    const G = tf.mul(tf.sub(tf.mul(m.valid, tf.div(E, den)), m.w), m.scale);
    const grad = tf.div(tf.matMul(tf.add(G, transposeLast(G as tf.Tensor3D)), X), tau) as tf.Tensor3D;
    return { loss, grad };
  });
}

/**
 * Differentiable SCL loss of one batch of unit-norm embeddings Z: [B, d] (deep training).
 * Two views are simply two rows with the same label.
 */
export function sclLoss(Z: tf.Tensor2D, labels: Int32Array, tau: number, form: LossForm = 'paper'): tf.Scalar {
  const [B] = Z.shape;
  const masks = makeBatchMasks(labels, 1, B, tau, form);
  try {
    const f = tf.customGrad(((z: tf.Tensor, save: tf.GradSaveFunc) => {
      const { loss, grad } = sclLossAndGrad(tf.reshape(z, [1, B, -1]) as tf.Tensor3D, masks, tau);
      const g = tf.reshape(grad, z.shape);
      save([g]);
      grad.dispose();
      return { value: loss, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]) };
    }) as unknown as Parameters<typeof tf.customGrad>[0]);
    return f(Z) as tf.Scalar;
  } finally {
    masks.dispose();
  }
}

/** Cross-entropy baseline (mean over the batch) of logits [B, k] against integer labels. */
export function ceLoss(logits: tf.Tensor2D, labels: Int32Array, k: number): tf.Scalar {
  return tf.tidy(() => {
    const onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), k);
    return tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
  });
}

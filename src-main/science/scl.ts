/**
 * SCL loss in tfjs (spec section 1), for a stack of equal-size batches X: [nb, B, d] of unit-norm embeddings.
 * Forward and the analytic gradient are computed together (two batched matmuls each), which is what makes the
 * UFM solver fast; `sclLoss` wraps the same computation in tf.customGrad for autograd in deep training.
 *
 *   S = X X^T / tau;  for anchor i: lse_i = logsumexp_{l != i} S_il (shifted);  w_ij = 1[y_j = y_i, j != i]/npos_i
 *   L = sum_i a_i lse_i - sum_ij w_ij S_ij             (a_i = 1 when npos_i >= 1; anchors without positives add nothing)
 *   dL/dS = a_i softmax_il - w_il;   dL/dX = (G + G^T) X / tau
 */
import * as tf from '@tensorflow/tfjs';
import { lossFormScale, type LossForm } from './scl-oracle';

/** Label-only quantities of a stack of batches; reusable while the batches stay the same (fixed, full). */
export interface BatchMasks {
  /** Per-batch factor folded in: a_i * s_b (a_i = 1 for anchors with a positive; s_b = 1 for "paper"), [nb, B, 1]. */
  validScaled: tf.Tensor3D;
  /** s_b / npos_i for anchors with a positive, else 0, [nb, B, 1]. */
  invNposScaled: tf.Tensor3D;
  /** One-hot labels, [nb, B, k]. */
  onehot: tf.Tensor3D;
  /** 1 off the diagonal, 0 on it (excludes the anchor from its own denominator), [1, B, B]. */
  notSelf: tf.Tensor3D;
  dispose(): void;
}

/** labels: nb*B class ids, batch-major. */
export function makeBatchMasks(labels: Int32Array, nb: number, B: number, tau: number, form: LossForm): BatchMasks {
  let k = 0;
  for (const y of labels) k = Math.max(k, y + 1);
  const validScaled = new Float32Array(nb * B);
  const invNpos = new Float32Array(nb * B);
  const onehot = new Float32Array(nb * B * k);
  const classCount = new Int32Array(k);
  for (let b = 0; b < nb; b++) {
    const off = b * B;
    classCount.fill(0);
    for (let i = 0; i < B; i++) classCount[labels[off + i]]++;
    let anchors = 0;
    for (let i = 0; i < B; i++) if (classCount[labels[off + i]] >= 2) anchors++;
    const s = lossFormScale(form, tau, B, anchors);
    for (let i = 0; i < B; i++) {
      const y = labels[off + i];
      onehot[(off + i) * k + y] = 1;
      const npos = classCount[y] - 1;
      if (npos === 0) continue; // no positive: no term, but still a negative for the others
      validScaled[off + i] = s;
      invNpos[off + i] = s / npos;
    }
  }
  const notSelf = new Float32Array(B * B).fill(1);
  for (let i = 0; i < B; i++) notSelf[i * B + i] = 0;
  const masks = {
    validScaled: tf.tensor3d(validScaled, [nb, B, 1]),
    invNposScaled: tf.tensor3d(invNpos, [nb, B, 1]),
    onehot: tf.tensor3d(onehot, [nb, B, k]),
    notSelf: tf.tensor3d(notSelf, [1, B, B]),
    dispose() {
      tf.dispose([masks.validScaled, masks.invNposScaled, masks.onehot, masks.notSelf]);
    },
  };
  return masks;
}

function transposeLast(x: tf.Tensor3D): tf.Tensor3D {
  return tf.transpose(x, [0, 2, 1]);
}

/**
 * Loss (sum over the stack's batches, as a scalar) and its gradient with respect to X. Rows of X must have
 * unit norm (UFM features are projected, deep embeddings L2-normalised), so |S_il| <= 1/tau and the constant
 * shift c = 1/tau is a safe log-sum-exp shift while 2/tau <= 60; below tau = 1/30 the exact row max is used.
 * The positive-pair terms go through class sums (one-hot matmuls): no B x B tensor for them.
 * Caller owns the returned tensors.
 */
export function sclLossAndGrad(X: tf.Tensor3D, m: BatchMasks, tau: number): { loss: tf.Scalar; grad: tf.Tensor3D } {
  return tf.tidy(() => {
    const { terms, grad } = sclLossTermsAndGrad(X, m, tau);
    return { loss: tf.sum(terms) as tf.Scalar, grad };
  });
}

/**
 * The same, with the loss as per-anchor terms [nb, B] (their sum is the loss), so that a caller can accumulate
 * them in float64: on a loss of ~6,000 the decisive differences (~1e-3) are below float32 resolution of a sum.
 */
export function sclLossTermsAndGrad(X: tf.Tensor3D, m: BatchMasks, tau: number): { terms: tf.Tensor2D; grad: tf.Tensor3D } {
  return tf.tidy(() => {
    const [nb, B] = X.shape;
    const Xs = tf.div(X, tau) as tf.Tensor3D;
    let E: tf.Tensor3D;
    let shift: tf.Tensor;
    if (2 / tau <= 60) {
      // S - 1/tau in one matmul: [X/tau, -1/tau] . [X, 1]^T
      const a = tf.concat([Xs, tf.fill([nb, B, 1], -1 / tau)], 2) as tf.Tensor3D;
      const b = tf.concat([X, tf.ones([nb, B, 1])], 2) as tf.Tensor3D;
      E = tf.mul(tf.exp(tf.matMul(a, transposeLast(b))), m.notSelf);
      shift = tf.scalar(1 / tau);
    } else {
      const S = tf.matMul(Xs, transposeLast(X));
      const Sm = tf.sub(S, tf.mul(tf.sub(1, m.notSelf), 1e9));
      shift = tf.max(Sm, 2, true);
      E = tf.exp(tf.sub(Sm, shift)) as tf.Tensor3D;
    }
    const den = tf.sum(E, 2, true); // [nb, B, 1]
    const lse = tf.add(shift, tf.log(den));
    // positives: W X with W_ij = 1[y_j = y_i, j != i]/npos_i is (classSum_{y_i} - x_i)/npos_i
    const classSums = tf.matMul(transposeLast(m.onehot), X); // [nb, k, d]
    const WX = tf.mul(tf.sub(tf.matMul(m.onehot, classSums), X), m.invNposScaled);
    const terms = tf.sub(tf.sum(tf.mul(m.validScaled, lse), 2), tf.div(tf.sum(tf.mul(X, WX), 2), tau)) as tf.Tensor2D;
    // dL/dS = a s softmax - s W  =>  dL/dX = ((A + A^T) X - 2 W X) / tau
    const A = tf.mul(E, tf.div(m.validScaled, den)) as tf.Tensor3D;
    const AX = tf.matMul(tf.add(A, transposeLast(A)), X);
    const grad = tf.div(tf.sub(AX, tf.mul(WX, 2)), tau) as tf.Tensor3D;
    return { terms, grad };
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

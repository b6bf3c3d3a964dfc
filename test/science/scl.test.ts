import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/compute/backend';
import { makeBatchMasks, sclLoss, sclLossAndGrad } from '../../src-main/science/scl';
import { oracleSclLoss, type LossForm } from '../../src-main/science/scl-oracle';
import { randomFeatures } from './fixtures';

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/** A stack of nb batches of size B over n examples; labels drawn so that some anchors have no positive. */
function setup(seed: number, n: number, d: number, k: number, nb: number, B: number) {
  const H = randomFeatures(n, d, seed);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[i] = (i * 7 + seed) % k;
  const batches: number[][] = [];
  for (let b = 0; b < nb; b++) batches.push(Array.from({ length: B }, (_, j) => (b * 13 + j * 5 + seed) % n));
  // keep indices unique inside a batch
  const uniq = batches.map((b) => [...new Set(b)]).filter((b) => b.length === B);
  return { H, labels, batches: uniq };
}

function tfLossAndGrad(H: Float32Array, d: number, labels: Int32Array, batches: number[][], tau: number, form: LossForm) {
  const nb = batches.length, B = batches[0].length;
  const X = new Float32Array(nb * B * d);
  const ys = new Int32Array(nb * B);
  batches.flat().forEach((i, r) => {
    X.set(H.subarray(i * d, i * d + d), r * d);
    ys[r] = labels[i];
  });
  const masks = makeBatchMasks(ys, nb, B, tau, form);
  const { loss, grad } = sclLossAndGrad(tf.tensor3d(X, [nb, B, d]), masks, tau);
  const gX = grad.dataSync();
  const gH = new Float64Array(H.length);
  batches.flat().forEach((i, r) => {
    for (let t = 0; t < d; t++) gH[i * d + t] += gX[r * d + t];
  });
  const l = loss.dataSync()[0];
  masks.dispose();
  tf.dispose([loss, grad]);
  return { loss: l, grad: gH };
}

describe.each(['wasm', 'cpu'] as const)('tfjs SCL loss equals the Float64 oracle (%s backend)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each([
    [1.0, 'paper'],
    [0.1, 'paper'],
    [0.05, 'paper'],
    [0.5, 'supcon-mean'],
    // below tau = 1/30 the exact row max replaces the constant shift: the anchor must stay out of its own max and sum
    [0.02, 'paper'],
    [0.02, 'supcon-mean'],
  ] as const)('loss and gradient to 1e-5 relative at tau = %f (%s), several batches', (tau, form) => {
    for (const seed of [1, 2, 3]) {
      const { H, labels, batches } = setup(seed, 60, 16, 7, 5, 12);
      const o = oracleSclLoss(H, 16, labels, batches, tau, form);
      const t = tfLossAndGrad(H, 16, labels, batches, tau, form);
      expect(Math.abs(t.loss - o.loss) / Math.abs(o.loss)).toBeLessThan(1e-5);
      expect(relErr(t.grad, o.grad)).toBeLessThan(1e-5);
    }
  });

  it('anchors without positives contribute no term but still act as negatives', () => {
    // classes 0 0 1 2: anchors of classes 1 and 2 have no positive
    const labels = Int32Array.from([0, 0, 1, 2]);
    const H = randomFeatures(4, 3, 9);
    const o = oracleSclLoss(H, 3, labels, [[0, 1, 2, 3]], 0.05);
    const t = tfLossAndGrad(H, 3, labels, [[0, 1, 2, 3]], 0.05, 'paper');
    expect(Math.abs(t.loss - o.loss) / o.loss).toBeLessThan(1e-5);
    expect(relErr(t.grad, o.grad)).toBeLessThan(1e-5);
    // the negatives 2 and 3 do get a gradient (they sit in the anchors' denominators)
    const warm = oracleSclLoss(H, 3, labels, [[0, 1, 2, 3]], 0.5);
    expect(Math.hypot(warm.grad[6], warm.grad[7], warm.grad[8])).toBeGreaterThan(1e-2);
    expect(Math.hypot(warm.grad[9], warm.grad[10], warm.grad[11])).toBeGreaterThan(1e-2);
    // with only one class-0 pair, the loss is exactly two anchors' terms: recompute by hand
    const dot = (a: number, b: number) => H[a * 3] * H[b * 3] + H[a * 3 + 1] * H[b * 3 + 1] + H[a * 3 + 2] * H[b * 3 + 2];
    const term = (a: number, p: number) =>
      -Math.log(Math.exp(dot(a, p) / 0.05) / [0, 1, 2, 3].filter((l) => l !== a).reduce((s, l) => s + Math.exp(dot(a, l) / 0.05), 0));
    expect(o.loss).toBeCloseTo(term(0, 1) + term(1, 0), 6);
  });

  it('stays finite at tau = 0.05 with aligned features (max-shifted log-sum-exp)', () => {
    const labels = Int32Array.from([0, 0, 0, 1, 1, 1]);
    const H = new Float32Array(6 * 2).map((_, i) => (i % 2 === 0 ? 1 : 0));
    const t = tfLossAndGrad(H, 2, labels, [[0, 1, 2, 3, 4, 5]], 0.01, 'paper');
    expect(Number.isFinite(t.loss)).toBe(true);
    expect(t.grad.every(Number.isFinite)).toBe(true);
  });

  it('autograd through sclLoss (customGrad) gives the oracle gradient', () => {
    const { H, labels } = setup(4, 20, 8, 4, 1, 20);
    const idx = Array.from({ length: 20 }, (_, i) => i);
    const o = oracleSclLoss(H, 8, labels, [idx], 0.1);
    const g = tf.grad((z: tf.Tensor) => sclLoss(z as tf.Tensor2D, labels, 0.1));
    const gz = g(tf.tensor2d(H, [20, 8])).dataSync();
    expect(relErr(gz, o.grad)).toBeLessThan(1e-5);
    expect(Math.abs(sclLoss(tf.tensor2d(H, [20, 8]), labels, 0.1).dataSync()[0] - o.loss) / o.loss).toBeLessThan(1e-5);
  });
});

describe('the Float64 oracle itself', () => {
  it.each([
    [1.0, 'paper'],
    [0.1, 'paper'],
    [0.02, 'paper'],
    [0.5, 'supcon-mean'],
  ] as const)('its analytic gradient equals central finite differences (tau = %f, %s)', (tau, form) => {
    // overlapping batches, anchors without positives; every coordinate of H checked
    const { H: H32, labels, batches } = setup(5, 24, 5, 4, 4, 7);
    const H = Float64Array.from(H32);
    const { grad } = oracleSclLoss(H, 5, labels, batches, tau, form);
    const h = 1e-6;
    const fd = new Float64Array(H.length);
    for (let j = 0; j < H.length; j++) {
      const x = H[j];
      H[j] = x + h;
      const up = oracleSclLoss(H, 5, labels, batches, tau, form).loss;
      H[j] = x - h;
      const down = oracleSclLoss(H, 5, labels, batches, tau, form).loss;
      H[j] = x;
      fd[j] = (up - down) / (2 * h);
    }
    expect(Math.hypot(...grad)).toBeGreaterThan(1e-3);
    expect(relErr(grad, fd)).toBeLessThan(1e-6);
  });
});

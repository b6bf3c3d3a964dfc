/**
 * lossForm "supcon-mean" is SupContrast's SupConLoss to the digit (issue 18): the reference numbers of
 * test/fixtures/supcontrast-reference.json, one view and two identical views, in the Float64 oracle (1e-9) and
 * in tfjs on the wasm and cpu backends (1e-5 relative), loss and gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/compute/backend';
import { ofOptimumBatch } from '../../src-main/science/closed-form';
import { sclLoss } from '../../src-main/science/scl';
import { oracleSclLoss } from '../../src-main/science/scl-oracle';

const REF = JSON.parse(readFileSync(join(__dirname, '../fixtures/supcontrast-reference.json'), 'utf8')) as {
  labels: number[];
  d: number;
  temperature: number;
  baseTemperature: number;
  oneView: number;
  twoIdenticalViews: number;
  oneViewMeanOverPositiveAnchors: number;
};
const d = REF.d;
const tau = REF.temperature;

/** Row i = normalize([sin(i+1), cos(2i+1), sin(3i+2), cos(0.5 i)]), i = 0..7. */
function referenceH(): Float64Array {
  const H = new Float64Array(8 * d);
  for (let i = 0; i < 8; i++) {
    const v = [Math.sin(i + 1), Math.cos(2 * i + 1), Math.sin(3 * i + 2), Math.cos(0.5 * i)];
    const n = Math.hypot(...v);
    v.forEach((x, t) => (H[i * d + t] = x / n));
  }
  return H;
}

/** Views stacked as SupContrast does (torch.cat(torch.unbind(features, 1))): all of view 1, then all of view 2. */
function views(H: Float64Array, n: 1 | 2): { H: Float64Array; labels: number[] } {
  if (n === 1) return { H, labels: REF.labels };
  const H2 = new Float64Array(2 * H.length);
  H2.set(H, 0);
  H2.set(H, H.length);
  return { H: H2, labels: [...REF.labels, ...REF.labels] };
}

/**
 * A line-by-line transcription of SupContrast's SupConLoss.forward (contrast_mode "all") on rows that already
 * hold every view: logits minus the row max, the self-contrast masked out, mean_log_prob_pos over positives
 * (an anchor with none divides by 1 and adds 0), then -(T/base_T) times the mean over ALL anchors.
 */
function supContrastLoss(H: ArrayLike<number>, labels: number[]): number {
  const N = labels.length;
  let total = 0;
  for (let a = 0; a < N; a++) {
    const logits: number[] = [];
    for (let b = 0; b < N; b++) {
      let dot = 0;
      for (let t = 0; t < d; t++) dot += H[a * d + t] * H[b * d + t];
      logits.push(dot / tau);
    }
    const mx = Math.max(...logits);
    const l = logits.map((x) => x - mx);
    let den = 0;
    for (let b = 0; b < N; b++) if (b !== a) den += Math.exp(l[b]!);
    let sum = 0;
    let pos = 0;
    for (let b = 0; b < N; b++) {
      if (b === a || labels[b] !== labels[a]) continue;
      sum += l[b]! - Math.log(den);
      pos++;
    }
    total += -(tau / REF.baseTemperature) * (sum / (pos < 1e-6 ? 1 : pos));
  }
  return total / N;
}

function allOf(n: number): number[][] {
  return [Array.from({ length: n }, (_, i) => i)];
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m / maxAbs(b);
}

const CASES = [
  ['one view', 1, REF.oneView],
  ['two identical views', 2, REF.twoIdenticalViews],
] as const;

describe('supcon-mean equals SupContrast SupConLoss (Float64 oracle)', () => {
  it.each(CASES)('%s: the loss is the reference number to 1e-9', (_name, nv, expected) => {
    const v = views(referenceH(), nv);
    expect(Math.abs(supContrastLoss(v.H, v.labels) - expected)).toBeLessThan(1e-9); // the transcription itself
    const o = oracleSclLoss(v.H, d, v.labels, allOf(v.labels.length), tau, 'supcon-mean');
    expect(Math.abs(o.loss - expected)).toBeLessThan(1e-9);
  });

  it.each(CASES)('%s: the oracle gradient is the central difference of SupConLoss', (_name, nv) => {
    const v = views(referenceH(), nv);
    const o = oracleSclLoss(v.H, d, v.labels, allOf(v.labels.length), tau, 'supcon-mean');
    const h = 1e-6;
    const fd = new Float64Array(v.H.length);
    for (let i = 0; i < v.H.length; i++) {
      const p = v.H.slice(), m = v.H.slice();
      p[i]! += h;
      m[i]! -= h;
      fd[i] = (supContrastLoss(p, v.labels) - supContrastLoss(m, v.labels)) / (2 * h);
    }
    expect(maxAbs(fd)).toBeGreaterThan(0.1);
    expect(relErr(o.grad, fd)).toBeLessThan(1e-7);
  });

  it('the mean over anchors with a positive (before config schema 2) is the other reference, x 8/6', () => {
    const o = oracleSclLoss(referenceH(), d, REF.labels, allOf(8), tau, 'supcon-mean-positive-anchors');
    expect(Math.abs(o.loss - REF.oneViewMeanOverPositiveAnchors)).toBeLessThan(1e-9);
    expect(o.loss / REF.oneView).toBeCloseTo(8 / 6, 12);
  });

  it('the paper form is unchanged: the sum over anchors, |B| x base_tau / tau times the SupCon mean', () => {
    const o = oracleSclLoss(referenceH(), d, REF.labels, allOf(8), tau, 'paper');
    expect(Math.abs(o.loss - (REF.oneView * 8 * REF.baseTemperature) / tau)).toBeLessThan(1e-9);
  });

  it('the closed-form optimum scales the same way in every form', () => {
    const labels = [0, 0, 0, 1, 1, 2, 3, 1];
    const paper = ofOptimumBatch(allOf(8)[0]!, labels, tau, 'paper');
    expect(ofOptimumBatch(allOf(8)[0]!, labels, tau, 'supcon-mean')).toBeCloseTo((paper * tau) / REF.baseTemperature / 8, 12);
    expect(ofOptimumBatch(allOf(8)[0]!, labels, tau, 'supcon-mean-positive-anchors')).toBeCloseTo((paper * tau) / REF.baseTemperature / 6, 12); // 6 anchors have a positive
  });
});

describe.each(['wasm', 'cpu'] as const)('supcon-mean in tfjs equals SupContrast (%s backend)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each(CASES)('%s: loss and gradient to 1e-5 relative', (_name, nv, expected) => {
    const v = views(referenceH(), nv);
    const o = oracleSclLoss(v.H, d, v.labels, allOf(v.labels.length), tau, 'supcon-mean');
    const z = tf.variable(tf.tensor2d(Float32Array.from(v.H), [v.labels.length, d]));
    const ys = Int32Array.from(v.labels);
    const { value, grads } = tf.variableGrads(() => sclLoss(z as unknown as tf.Tensor2D, ys, tau, 'supcon-mean'), [z]);
    const loss = value.dataSync()[0]!;
    const grad = grads[z.name]!.dataSync();
    tf.dispose([z, value, ...Object.values(grads)]);
    expect(Math.abs(loss - expected) / expected).toBeLessThan(1e-5);
    expect(relErr(grad, o.grad)).toBeLessThan(1e-5);
  });

  it('the positive-anchor form keeps its own value (x 8/6 on one view)', () => {
    const z = tf.tensor2d(Float32Array.from(referenceH()), [8, d]);
    const l = sclLoss(z, Int32Array.from(REF.labels), tau, 'supcon-mean-positive-anchors');
    expect(Math.abs(l.dataSync()[0]! - REF.oneViewMeanOverPositiveAnchors) / REF.oneViewMeanOverPositiveAnchors).toBeLessThan(1e-5);
    tf.dispose([z, l]);
  });
});

/** What the fused-optimiser tests share: the optimiser specs, a 50-step gradient sequence, an error measure. */
import * as tf from '@tensorflow/tfjs';
import type { StepOptimizer } from '../../src-main/science/fused-optim';
import type { DeepOptimizerSpec } from '../../src-main/science/deep';
import { makeRng } from '../../src-main/science/rng';

export const SPECS: [string, DeepOptimizerSpec][] = [
  ['sgd', { name: 'sgd', lr: 0.05, momentum: 0, nesterov: false, weightDecay: 0 }],
  ['sgd + weight decay', { name: 'sgd', lr: 0.05, momentum: 0, nesterov: false, weightDecay: 5e-4 }],
  ['momentum 0.9 + weight decay', { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 5e-4 }],
  ['nesterov 0.8 + weight decay', { name: 'sgd', lr: 0.03, momentum: 0.8, nesterov: true, weightDecay: 1e-3 }],
  ['adam', { name: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 }],
  ['adam, own betas and eps + weight decay', { name: 'adam', lr: 0.01, beta1: 0.8, beta2: 0.95, eps: 1e-3, weightDecay: 1e-2 }],
];

/** Shapes of a small model's variables, including odd sizes and a scalar-like bias. */
export const SHAPES = [[7, 5], [5], [5, 3], [1]];

export function gaussian(rng: ReturnType<typeof makeRng>, n: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => scale * rng.normal());
}

export interface Trace {
  initial: Float32Array[];
  weights: Float32Array[];
  state: { name: string; shape: number[]; data: Float32Array | Int32Array | Uint8Array }[];
}

/** 50 steps of `opt` with seeded gradients (lr changed at step 25, as a schedule does) on the current backend. */
export async function fiftySteps(make: () => StepOptimizer, spec: DeepOptimizerSpec, tag: string): Promise<Trace> {
  const rng = makeRng(3, 'fused-optim');
  const vars = SHAPES.map((s, i) => tf.variable(tf.tensor(gaussian(rng, s.reduce((a, b) => a * b, 1), 1), s), true, `${tag}_v${i}`));
  const initial = vars.map((v) => v.dataSync().slice() as Float32Array);
  const opt = make();
  for (let step = 0; step < 50; step++) {
    if (step === 25) opt.setLearningRate(spec.lr / 10);
    const grads: tf.NamedTensorMap = {};
    vars.forEach((v) => (grads[v.name] = tf.tensor(gaussian(rng, v.size, 0.1 + step / 50), v.shape)));
    opt.apply(vars, grads, spec.weightDecay);
    tf.dispose(Object.values(grads));
  }
  const weights = vars.map((v) => v.dataSync().slice() as Float32Array);
  const state = (await opt.getWeights()).map((w) => ({ name: w.name.replace(tag, ''), shape: w.tensor.shape.slice(), data: w.tensor.dataSync().slice() }));
  opt.dispose();
  tf.dispose(vars);
  return { initial, weights, state };
}

/** The largest |a - b| / max|b| over the weight tensors. */
export function maxRelErr(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((x, i) => {
    let d = 0, s = 0;
    for (let j = 0; j < x.length; j++) {
      d = Math.max(d, Math.abs(x[j] - b[i][j]));
      s = Math.max(s, Math.abs(b[i][j]));
    }
    worst = Math.max(worst, d / s);
  });
  return worst;
}


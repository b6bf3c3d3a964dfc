/**
 * Every optimiser does what its config says, checked against steps computed by hand (issue 10, items 4 and 6):
 * UFM gd / momentum / adam (science/optim.ts, and gd through the UFM trainer), deep sgd (momentum 0, heavy
 * ball, Nesterov) and adam (science/deep.ts's tfjs optimisers).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/compute/backend';
import { makeDeepOptimizer, type DeepOptimizerSpec } from '../../src-main/science/deep';
import { FlatOptimizer } from '../../src-main/science/optim';
import { UfmTrainer } from '../../src-main/science/ufm';

const x0 = [1, -2, 0.5];
const g1 = [0.5, 0.25, -1];
const g2 = [-0.1, 0.3, 2];

function twoSteps(opt: FlatOptimizer): number[][] {
  const x = Float32Array.from(x0);
  opt.step(x, Float32Array.from(g1));
  const after1 = [...x];
  opt.step(x, Float32Array.from(g2));
  return [after1, [...x]];
}

function expectClose(actual: number[], expected: number[], digits = 6): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i]!, digits));
}

describe('UFM optimisers, two steps by hand', () => {
  it('gd: x - lr g at every step, no memory of the previous gradient', () => {
    const lr = 0.1;
    const [s1, s2] = twoSteps(new FlatOptimizer({ name: 'gd', lr }, 3));
    expectClose(s1, [0.95, -2.025, 0.6]);
    // with momentum 0.9 the second step would be x1 - lr (0.9 g1 + g2) = [0.915, -2.0775, 0.49]
    expectClose(s2, [0.96, -2.055, 0.4]);
  });

  it('gd keeps no optimiser state (nothing to checkpoint but the step count)', () => {
    const opt = new FlatOptimizer({ name: 'gd', lr: 0.1 }, 3);
    twoSteps(opt);
    expect(opt.state).toEqual({ t: 2, m: undefined, v: undefined });
  });

  it('momentum: m = mu m + g, x - lr m', () => {
    const [s1, s2] = twoSteps(new FlatOptimizer({ name: 'momentum', lr: 0.1, momentum: 0.5 }, 3));
    expectClose(s1, [0.95, -2.025, 0.6]);
    // m2 = 0.5 g1 + g2 = [0.15, 0.425, 1.5]
    expectClose(s2, [0.935, -2.0675, 0.45]);
  });

  it('adam: bias-corrected first and second moments with its own beta1, beta2, eps', () => {
    const spec = { name: 'adam', lr: 0.1, beta1: 0.5, beta2: 0.75, eps: 0.01 } as const;
    const [s1, s2] = twoSteps(new FlatOptimizer(spec, 3));
    // step 1: mhat = g1, vhat = g1^2  =>  x - lr g1 / (|g1| + eps)
    expectClose(s1, x0.map((x, i) => x - (0.1 * g1[i]!) / (Math.abs(g1[i]!) + 0.01)));
    // step 2 by hand: m = 0.5 (0.5 g1) + 0.5 g2, v = 0.75 (0.25 g1^2) + 0.25 g2^2, corrections 1 - 0.5^2, 1 - 0.75^2
    const expected2 = s1.map((x, i) => {
      const m = 0.25 * g1[i]! + 0.5 * g2[i]!;
      const v = 0.1875 * g1[i]! ** 2 + 0.25 * g2[i]! ** 2;
      return x - (0.1 * (m / 0.75)) / (Math.sqrt(v / 0.4375) + 0.01);
    });
    expectClose(s2, expected2);
  });
});

describe('UFM trainer with gd takes exactly the projected gradient step', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('two epochs equal two by-hand steps H <- normalize(relu(H - lr dL/dH))', () => {
    const lr = 0.2;
    const t = new UfmTrainer({
      k: 3, d: 4, counts: [3, 2, 2], relu: true, tau: 0.5, lossForm: 'paper',
      batching: { strategy: 'full', binding: false, stepPer: 'epoch' },
      optimizer: { name: 'gd', lr }, epochs: 2, seed: 3, evalEvery: 1,
    });
    const byHand = t.state.H.slice();
    for (let e = 0; e < 2; e++) {
      const g = new Float32Array(byHand.length);
      const save = t.state.H;
      t.state.H = byHand;
      t.lossAndGrad(t.batcher.epoch(e), g, null);
      t.state.H = save;
      for (let i = 0; i < byHand.length; i++) byHand[i]! -= lr * g[i]!;
      t.project(byHand);
      t.trainEpoch();
      for (let i = 0; i < byHand.length; i++) expect(t.state.H[i]).toBeCloseTo(byHand[i]!, 6);
    }
    t.dispose();
  });
});

describe.each(['wasm', 'cpu'] as const)('deep optimisers, two steps by hand (%s backend)', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  function deepTwoSteps(spec: DeepOptimizerSpec): number[][] {
    const w = tf.variable(tf.tensor1d(x0), true, `w_${spec.name}_${Math.random().toString(36).slice(2)}`);
    const opt = makeDeepOptimizer(spec);
    const out: number[][] = [];
    for (const g of [g1, g2]) {
      const gt = tf.tensor1d(g);
      opt.applyGradients({ [w.name]: gt });
      gt.dispose();
      out.push([...w.dataSync()]);
    }
    opt.dispose();
    w.dispose();
    return out;
  }

  it('sgd with momentum 0 is plain SGD: x - lr g', () => {
    const [s1, s2] = deepTwoSteps({ name: 'sgd', lr: 0.1, momentum: 0, nesterov: false, weightDecay: 0 });
    expectClose(s1, [0.95, -2.025, 0.6]);
    expectClose(s2, [0.96, -2.055, 0.4]);
  });

  it('sgd with momentum 0.5 is heavy ball: m = mu m + g, x - lr m', () => {
    const [s1, s2] = deepTwoSteps({ name: 'sgd', lr: 0.1, momentum: 0.5, nesterov: false, weightDecay: 0 });
    expectClose(s1, [0.95, -2.025, 0.6]);
    expectClose(s2, [0.935, -2.0675, 0.45]);
  });

  it('sgd with Nesterov: m = mu m + g, x - lr (g + mu m)', () => {
    const [s1, s2] = deepTwoSteps({ name: 'sgd', lr: 0.1, momentum: 0.5, nesterov: true, weightDecay: 0 });
    // step 1: m = g1, x - 0.1 (g1 + 0.5 g1)
    expectClose(s1, x0.map((x, i) => x - 0.15 * g1[i]!));
    const expected2 = s1.map((x, i) => {
      const m = 0.5 * g1[i]! + g2[i]!;
      return x - 0.1 * (g2[i]! + 0.5 * m);
    });
    expectClose(s2, expected2);
  });

  it('adam: its own beta1, beta2 and eps', () => {
    const [s1, s2] = deepTwoSteps({ name: 'adam', lr: 0.1, beta1: 0.5, beta2: 0.75, eps: 0.01, weightDecay: 0 });
    expectClose(s1, x0.map((x, i) => x - (0.1 * g1[i]!) / (Math.abs(g1[i]!) + 0.01)), 5);
    const expected2 = s1.map((x, i) => {
      const m = 0.25 * g1[i]! + 0.5 * g2[i]!;
      const v = 0.1875 * g1[i]! ** 2 + 0.25 * g2[i]! ** 2;
      return x - (0.1 * (m / 0.75)) / (Math.sqrt(v / 0.4375) + 0.01);
    });
    expectClose(s2, expected2, 5);
  });
});

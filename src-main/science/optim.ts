/**
 * First-order optimisers over flat Float32Array parameters (UFM features), with checkpointable state.
 * Each one has only its own hyper-parameters (the run config's `optimizer` is the same union):
 *   gd        x <- x - lr g
 *   momentum  m <- mu m + g;  x <- x - lr m                                   (heavy ball)
 *   adam      m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2;
 *             x <- x - lr (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
 */
export type FlatOptimizerSpec =
  | { name: 'gd'; lr: number }
  | { name: 'momentum'; lr: number; momentum: number }
  | { name: 'adam'; lr: number; beta1: number; beta2: number; eps: number };

export type OptimizerName = FlatOptimizerSpec['name'];

export interface OptimizerState {
  t: number;
  m?: Float32Array;
  v?: Float32Array;
}

export class FlatOptimizer {
  state: OptimizerState;
  constructor(readonly spec: FlatOptimizerSpec, size: number, restore?: OptimizerState) {
    const name = spec.name;
    this.state = restore ?? {
      t: 0,
      m: name === 'gd' ? undefined : new Float32Array(size),
      v: name === 'adam' ? new Float32Array(size) : undefined,
    };
    if (name !== 'gd' && this.state.m?.length !== size) throw new Error(`optimizer state has ${this.state.m?.length ?? 0} values, expected ${size}`);
  }

  get name(): OptimizerName {
    return this.spec.name;
  }

  /** x <- x - step(g). */
  step(x: Float32Array, g: Float32Array): void {
    const s = this.state;
    s.t++;
    const o = this.spec;
    const lr = o.lr;
    if (o.name === 'gd') {
      for (let i = 0; i < x.length; i++) x[i] -= lr * g[i];
    } else if (o.name === 'momentum') {
      const m = s.m!, mu = o.momentum;
      for (let i = 0; i < x.length; i++) {
        m[i] = mu * m[i] + g[i];
        x[i] -= lr * m[i];
      }
    } else {
      const m = s.m!, v = s.v!;
      const { beta1: b1, beta2: b2, eps } = o;
      const c1 = 1 - Math.pow(b1, s.t), c2 = 1 - Math.pow(b2, s.t);
      for (let i = 0; i < x.length; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        x[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
      }
    }
  }
}

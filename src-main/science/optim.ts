/** First-order optimisers over flat Float32Array parameters (UFM features), with checkpointable state. */
export type OptimizerName = 'gd' | 'momentum' | 'adam';

export interface OptimizerState {
  t: number;
  m?: Float32Array;
  v?: Float32Array;
}

export class FlatOptimizer {
  state: OptimizerState;
  constructor(
    readonly name: OptimizerName,
    readonly lr: number,
    readonly momentum = 0.9,
    size: number,
    restore?: OptimizerState,
  ) {
    this.state = restore ?? {
      t: 0,
      m: name === 'gd' ? undefined : new Float32Array(size),
      v: name === 'adam' ? new Float32Array(size) : undefined,
    };
  }

  /** x <- x - step(g). */
  step(x: Float32Array, g: Float32Array): void {
    const s = this.state;
    s.t++;
    const lr = this.lr;
    if (this.name === 'gd') {
      for (let i = 0; i < x.length; i++) x[i] -= lr * g[i];
    } else if (this.name === 'momentum') {
      const m = s.m!, mu = this.momentum;
      for (let i = 0; i < x.length; i++) {
        m[i] = mu * m[i] + g[i];
        x[i] -= lr * m[i];
      }
    } else {
      const m = s.m!, v = s.v!;
      const b1 = 0.9, b2 = 0.999, eps = 1e-8;
      const c1 = 1 - Math.pow(b1, s.t), c2 = 1 - Math.pow(b2, s.t);
      for (let i = 0; i < x.length; i++) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        x[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + eps);
      }
    }
  }
}

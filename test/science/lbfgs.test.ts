import { describe, expect, it } from 'vitest';
import { Lbfgs, LineSearchError, NonFiniteObjectiveError } from '../../src-main/science/lbfgs';
import { labelsFromCounts } from '../../src-main/science/imbalance';
import { oracleSclLoss } from '../../src-main/science/scl-oracle';
import { sclBatchF64 } from '../../src-main/science/scl-f64';

/** f = sum_i c_i (x_i - 1)^2 with condition number 1e4. */
const quadratic = (x: Float64Array, g: Float64Array) => {
  let f = 0;
  for (let i = 0; i < x.length; i++) {
    const c = Math.pow(10, (4 * i) / (x.length - 1));
    f += c * (x[i] - 1) ** 2;
    g[i] = 2 * c * (x[i] - 1);
  }
  return f;
};

const rosenbrock = (x: Float64Array, g: Float64Array) => {
  const [a, b] = [x[0], x[1]];
  g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
  g[1] = 200 * (b - a * a);
  return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
};

describe('L-BFGS with a strong-Wolfe line search', () => {
  it('minimises an ill-conditioned quadratic (condition 1e4, 20 dimensions) to 1e-7', () => {
    const s = new Lbfgs(quadratic, new Float64Array(20), { history: 20 });
    let it = 0;
    while (it < 400 && !(s.state.f < 1e-16)) {
      if (s.iterate().status === 'converged') break;
      it++;
    }
    for (const v of s.state.x) expect(Math.abs(v - 1)).toBeLessThan(1e-7);
    expect(it).toBeLessThan(400); // scipy L-BFGS-B (maxcor 20) needs ~400 here too
  });

  it('finds the Rosenbrock minimum (1, 1) from (-1.2, 1)', () => {
    const s = new Lbfgs(rosenbrock, Float64Array.from([-1.2, 1]), { history: 5 });
    for (let i = 0; i < 200; i++) if (s.iterate().status === 'converged') break;
    expect(Math.abs(s.state.x[0] - 1)).toBeLessThan(1e-6);
    expect(Math.abs(s.state.x[1] - 1)).toBeLessThan(1e-6);
    expect(s.state.evals).toBeLessThan(200);
  });

  it('a gradient that points the wrong way is a LineSearchError naming the iteration, not a silent stall', () => {
    const wrong = (x: Float64Array, g: Float64Array) => {
      const f = quadratic(x, g);
      for (let i = 0; i < g.length; i++) g[i] = -g[i];
      return f;
    };
    const s = new Lbfgs(wrong, new Float64Array(5));
    expect(() => s.iterate()).toThrow(LineSearchError);
    expect(() => new Lbfgs(wrong, new Float64Array(5)).iterate()).toThrow(/line search failed at iteration 1/);
  });

  it('a non-finite loss at the start is a NonFiniteObjectiveError; at a trial point the step is cut instead', () => {
    expect(() => new Lbfgs(() => NaN, new Float64Array(3)).iterate()).toThrow(NonFiniteObjectiveError);
    // f = x^2 for x < 2, NaN beyond: the first trial steps overshoot into NaN and are cut back
    const walled = (x: Float64Array, g: Float64Array) => {
      if (x[0] > 2 || x[0] < -50) return NaN;
      g[0] = 2 * (x[0] + 10);
      return (x[0] + 10) ** 2 - 0;
    };
    const s = new Lbfgs(walled, Float64Array.from([1.5]));
    for (let i = 0; i < 30; i++) if (s.iterate().status === 'converged') break;
    expect(Math.abs(s.state.x[0] + 10)).toBeLessThan(1e-6);
  });

  it('stops on a zero gradient with status "converged" and leaves the point unchanged', () => {
    const s = new Lbfgs(quadratic, new Float64Array(4).fill(1));
    const r = s.iterate();
    expect(r.status).toBe('converged');
    expect([...s.state.x]).toEqual([1, 1, 1, 1]);
  });
});

describe('float64 SCL kernel', () => {
  it('matches the float64 oracle (loss and gradient) on several batches, both loss forms', () => {
    const labels = labelsFromCounts([5, 4, 3, 1]);
    const n = labels.length, d = 6;
    const H = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += (H[i * d + t] = Math.sin(1 + i * 7 + t * 3)) ** 2;
      for (let t = 0; t < d; t++) H[i * d + t] /= Math.sqrt(s);
    }
    const batches = [[0, 1, 2, 5, 6, 9, 12], [3, 4, 7, 8, 10, 11], [0, 12]];
    for (const form of ['paper', 'supcon-mean', 'supcon-mean-positive-anchors'] as const)
      for (const tau of [1, 0.1, 0.002]) {
        const ref = oracleSclLoss(H, d, labels, batches, tau, form);
        const g = new Float64Array(n * d);
        let f = 0;
        for (const b of batches) f += sclBatchF64(H, d, labels, b, tau, form, g);
        expect(Math.abs(f - ref.loss)).toBeLessThan(1e-11 * Math.max(1, Math.abs(ref.loss)));
        for (let j = 0; j < g.length; j++) expect(Math.abs(g[j] - ref.grad[j])).toBeLessThan(1e-10 / tau);
      }
  });
});

import { describe, expect, it } from 'vitest';
import { LineSearchError, NonFiniteObjectiveError } from '../../src-main/science/lbfgs';
import { ProjectedLbfgs } from '../../src-main/science/pqn';

/**
 * A function of the row directions h_i = x_i / ||x_i|| only (like the UFM+ loss): f = -sum_i c_i . h_i + the
 * coupling a (h_0 . h_1)^2. Without coupling its minimiser over x >= 0 is h_i = relu(c_i) / ||relu(c_i)||: exact
 * zeros where c_i < 0, which is what the active set must reach.
 */
function directional(c: Float64Array, d: number, a = 0) {
  return (x: Float64Array, gx: Float64Array): number => {
    const n = x.length / d;
    const h = new Float64Array(x.length);
    const r = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += x[i * d + t] ** 2;
      r[i] = Math.sqrt(s);
      for (let t = 0; t < d; t++) h[i * d + t] = x[i * d + t] / r[i];
    }
    let f = 0;
    const gh = new Float64Array(x.length);
    for (let j = 0; j < x.length; j++) {
      f -= c[j] * h[j];
      gh[j] = -c[j];
    }
    if (a && n > 1) {
      let p = 0;
      for (let t = 0; t < d; t++) p += h[t] * h[d + t];
      f += a * p * p;
      for (let t = 0; t < d; t++) {
        gh[t] += 2 * a * p * h[d + t];
        gh[d + t] += 2 * a * p * h[t];
      }
    }
    // dL/dx_i = (g_i - (g_i . h_i) h_i) / ||x_i||
    for (let i = 0; i < n; i++) {
      let gdh = 0;
      for (let t = 0; t < d; t++) gdh += gh[i * d + t] * h[i * d + t];
      for (let t = 0; t < d; t++) gx[i * d + t] = (gh[i * d + t] - gdh * h[i * d + t]) / r[i];
    }
    return f;
  };
}

const run = (s: ProjectedLbfgs, max: number) => {
  for (let i = 0; i < max; i++) if (s.iterate().status === 'converged') return i;
  return max;
};

describe('projected L-BFGS on x >= 0 (UFM+ variables)', () => {
  it('reaches the constrained minimiser with EXACT zeros where the bound is active, and says "converged"', () => {
    const d = 6;
    const c = Float64Array.from([0.9, -0.3, 0.5, -1.2, 0.1, -0.05, -0.4, 0.2, -0.1, 0.7, -0.6, 0.3]);
    const s = new ProjectedLbfgs(directional(c, d), new Float64Array(12).fill(1), d);
    const iters = run(s, 200);
    expect(iters).toBeLessThan(200);
    const x = s.state.x;
    for (let i = 0; i < 2; i++) {
      let norm = 0;
      for (let t = 0; t < d; t++) norm += Math.max(c[i * d + t], 0) ** 2;
      for (let t = 0; t < d; t++) {
        const j = i * d + t;
        if (c[j] < 0) expect(x[j], `x[${j}]`).toBe(0);
        else expect(x[j]).toBeCloseTo(c[j] / Math.sqrt(norm), 7);
      }
    }
    // the iterate's rows stay at unit norm (the renormalisation)
    for (let i = 0; i < 2; i++) expect(Math.hypot(...x.subarray(i * d, i * d + d))).toBeCloseTo(1, 12);
  });

  it('uses its memory: a coupled problem converges in far fewer iterations than with history 1', () => {
    const d = 40;
    const c = new Float64Array(2 * d).map((_, j) => Math.sin(1.3 * j + 0.2) * (1 + (j % 7)));
    const x0 = new Float64Array(2 * d).map((_, j) => 0.5 + 0.4 * Math.cos(j));
    const full = new ProjectedLbfgs(directional(c, d, 3), x0, d, { history: 20 });
    const poor = new ProjectedLbfgs(directional(c, d, 3), x0, d, { history: 1 });
    const a = run(full, 2000);
    const b = run(poor, 2000);
    expect(a).toBeLessThan(2000);
    expect(full.state.f).toBeCloseTo(poor.state.f, 6);
    expect(a).toBeLessThan(b);
  });

  it('resumed from its state it continues the same iteration history bit for bit', () => {
    const d = 6;
    const c = Float64Array.from([0.9, -0.3, 0.5, -1.2, 0.1, -0.05, -0.4, 0.2, -0.1, 0.7, -0.6, 0.3]);
    const f = directional(c, d, 2);
    const x0 = new Float64Array(12).map((_, j) => 1 + 0.1 * j);
    const straight = new ProjectedLbfgs(f, x0, d);
    for (let i = 0; i < 12; i++) straight.iterate();
    const first = new ProjectedLbfgs(f, x0, d);
    for (let i = 0; i < 6; i++) first.iterate();
    const st = first.state;
    const copy = { ...st, x: st.x.slice(), g: st.g.slice(), S: st.S.map((v) => v.slice()), Y: st.Y.map((v) => v.slice()) };
    expect(copy.S.length).toBeGreaterThan(0);
    const resumed = new ProjectedLbfgs(f, x0, d, {}, copy);
    for (let i = 0; i < 6; i++) resumed.iterate();
    expect([...resumed.state.x]).toEqual([...straight.state.x]);
    expect(resumed.state.evals).toBe(straight.state.evals);
  });

  it('a gradient that points the wrong way is a LineSearchError naming the iteration, not a silent stall', () => {
    const d = 4;
    const c = Float64Array.from([1, 2, 3, 4]);
    const good = directional(c, d);
    const liar = (x: Float64Array, g: Float64Array) => {
      const f = good(x, g);
      for (let j = 0; j < g.length; j++) g[j] = -g[j];
      return f;
    };
    const s = new ProjectedLbfgs(liar, Float64Array.from([1, 0.5, 0.2, 0.1]), d, { maxLineSearchEvals: 8 });
    expect(() => s.iterate()).toThrow(LineSearchError);
    expect(() => new ProjectedLbfgs(liar, Float64Array.from([1, 0.5, 0.2, 0.1]), d).iterate()).toThrow(/line search failed at iteration 1/);
  });

  it('a non-finite loss at the start is a NonFiniteObjectiveError; a non-finite trial point shortens the step', () => {
    const nan = new ProjectedLbfgs(() => NaN, Float64Array.from([1, 1]), 2);
    expect(() => nan.iterate()).toThrow(NonFiniteObjectiveError);
    const d = 4;
    const c = Float64Array.from([0.1, 2, -1, 0.5]);
    const good = directional(c, d);
    let bad = 0;
    const x0 = Float64Array.from([0.5, 0.5, 0.5, 0.5]);
    // infinite loss on any point far from the start (the first step, 2, goes that far)
    const cliff = (x: Float64Array, g: Float64Array) => {
      let dist = 0;
      for (let j = 0; j < x.length; j++) dist = Math.max(dist, Math.abs(x[j] - x0[j]));
      if (dist > 0.2) {
        bad++;
        return Infinity;
      }
      return good(x, g);
    };
    const s = new ProjectedLbfgs(cliff, x0, d);
    const f0 = good(x0, new Float64Array(4));
    const r = s.iterate();
    expect(bad).toBeGreaterThan(0);
    expect(r.status).toBe('ok');
    expect(Number.isFinite(r.f)).toBe(true);
    expect(r.f).toBeLessThan(f0);
  });

  it('never produces an all-zero row: a row the step would clip to zero keeps its old value', () => {
    const d = 3;
    // the minimiser of row 0 is outside the orthant in every coordinate but the first is barely positive
    const c = Float64Array.from([1e-3, -5, -5]);
    const s = new ProjectedLbfgs(directional(c, d), Float64Array.from([0.05, 1, 1]), d, { firstStep: 100 });
    run(s, 100);
    expect(Math.max(...s.state.x)).toBeGreaterThan(0);
    expect(s.state.x[0]).toBeCloseTo(1, 9);
    expect([s.state.x[1], s.state.x[2]]).toEqual([0, 0]);
  });
});

/**
 * L-BFGS over a flat Float64 parameter vector with a strong-Wolfe line search (Nocedal & Wright, Alg. 3.5/3.6,
 * cubic interpolation, the structure of PyTorch's `_strong_wolfe`). Pure: the objective is a callback.
 *
 * Robust to a loss that is only known to float precision (a sum of float32 terms accumulated in float64): the
 * sufficient-decrease test also accepts the approximate Wolfe condition of Hager & Zhang,
 *     f(t) <= f(0) + epsF |f(0)|   and   g(t).d <= (2 c1 - 1) g(0).d,
 * so that near the optimum, where loss differences sink below the noise, steps are judged by the gradient.
 *
 * Failure handling (documented, never a silent stall):
 *  - a non-finite loss or gradient at the current point: NonFiniteObjectiveError;
 *  - a non-finite value at a trial point: the step is cut by 10 and tried again (counts as an evaluation);
 *  - a line search that finds no decrease: the memory is dropped and the iteration retried along -g; when that
 *    also fails, LineSearchError (the run fails with its message);
 *  - max |g| <= gradTol: the iteration reports "converged" and changes nothing.
 */

/** f(x); writes df/dx into grad (which the callee may assume is zero-filled... it is not: overwrite it). */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** Pairs (s, y) kept. */
  history: number;
  /** Objective evaluations allowed in one line search. */
  maxLineSearchEvals: number;
  /** Armijo constant and strong-curvature constant. */
  c1: number;
  c2: number;
  /** Relative loss noise tolerated by the approximate Wolfe test. */
  epsF: number;
  /** max |g| at or below which the solver has converged. */
  gradTol: number;
}

export const LBFGS_DEFAULTS: LbfgsOptions = { history: 20, maxLineSearchEvals: 25, c1: 1e-4, c2: 0.9, epsF: 1e-8, gradTol: 1e-9 };

/** Everything needed to continue exactly where a run stopped (checkpointed). */
export interface LbfgsState {
  x: Float64Array;
  /** Loss and gradient at x (gradient empty until the first evaluation). */
  f: number;
  g: Float64Array;
  /** History pairs, oldest first. */
  S: Float64Array[];
  Y: Float64Array[];
  /** Iterations done and objective evaluations made. */
  iters: number;
  evals: number;
  /** Projected L-BFGS on UFM+: support repairs kept so far (support-repair.ts); absent before the first. */
  repairs?: number;
}

export interface IterResult {
  status: 'ok' | 'converged';
  /** Loss at the new point. */
  f: number;
  /** Evaluations made by this iteration. */
  evals: number;
  /** Step length taken along the search direction. */
  t: number;
}

export class NonFiniteObjectiveError extends Error {
  constructor(readonly value: number, what: string) {
    super(`the ${what} is ${value} at the current point: L-BFGS cannot continue (try a larger temperature)`);
    this.name = 'NonFiniteObjectiveError';
  }
}

export class LineSearchError extends Error {
  constructor(readonly iteration: number, readonly f: number, readonly gmax: number, readonly evals: number) {
    super(
      `L-BFGS line search failed at iteration ${iteration}: no decrease of the loss (${f}) along the steepest-descent ` +
        `direction after ${evals} evaluations (max |gradient| ${gmax.toExponential(2)}). The loss is flat to float ` +
        `precision or its gradient is inconsistent; stop earlier with stop.gapBelow / stop.deltaOFBelow or use gd`,
    );
    this.name = 'LineSearchError';
  }
}

/** a . b with four partial sums (breaks the add latency chain; the two-loop recursion is dots and axpys). */
export const dot = (a: Float64Array, b: Float64Array): number => {
  const n = a.length;
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, j = 0;
  for (; j + 3 < n; j += 4) {
    s0 += a[j] * b[j];
    s1 += a[j + 1] * b[j + 1];
    s2 += a[j + 2] * b[j + 2];
    s3 += a[j + 3] * b[j + 3];
  }
  for (; j < n; j++) s0 += a[j] * b[j];
  return s0 + s1 + (s2 + s3);
};
/** q += c y; returns u . q of the updated q when u is given (one pass instead of two). */
export const axpyDot = (q: Float64Array, c: number, y: Float64Array, u: Float64Array | null): number => {
  const n = q.length;
  if (!u) {
    for (let j = 0; j < n; j++) q[j] += c * y[j];
    return 0;
  }
  let s0 = 0, s1 = 0, j = 0;
  for (; j + 1 < n; j += 2) {
    const a = q[j] + c * y[j], b = q[j + 1] + c * y[j + 1];
    q[j] = a;
    q[j + 1] = b;
    s0 += a * u[j];
    s1 += b * u[j + 1];
  }
  for (; j < n; j++) s0 += (q[j] += c * y[j]) * u[j];
  return s0 + s1;
};
export const maxAbs = (a: Float64Array): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};
export const allFinite = (a: Float64Array): boolean => {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
};

/** Evaluates a fresh state's start point once; refuses a non-finite loss or gradient at the current point. */
export function ensureFiniteStart(st: LbfgsState, evaluate: (x: Float64Array) => { f: number; g: Float64Array }): void {
  if (st.g.length === 0) {
    const { f, g } = evaluate(st.x);
    st.f = f;
    st.g = g;
  }
  if (!Number.isFinite(st.f)) throw new NonFiniteObjectiveError(st.f, 'loss');
  if (!allFinite(st.g)) throw new NonFiniteObjectiveError(NaN, 'gradient');
}

/** Keeps the pair (s, y) when s.y is safely positive (> 1e-10 |s| |y|); the oldest goes beyond `history`. */
export function pushPair(st: LbfgsState, s: Float64Array, y: Float64Array, history: number): void {
  if (!(dot(y, s) > 1e-10 * Math.sqrt(dot(s, s) * dot(y, y)))) return;
  st.S.push(s);
  st.Y.push(y);
  if (st.S.length > history) {
    st.S.shift();
    st.Y.shift();
  }
}

/** Minimiser of the cubic through (x1, f1, g1), (x2, f2, g2), clamped to [lo, hi]; bisection when it has none. */
function cubicMin(x1: number, f1: number, g1: number, x2: number, f2: number, g2: number, lo?: number, hi?: number): number {
  const [a, b] = lo !== undefined && hi !== undefined ? [lo, hi] : x1 <= x2 ? [x1, x2] : [x2, x1];
  const d1 = g1 + g2 - (3 * (f1 - f2)) / (x1 - x2);
  const sq = d1 * d1 - g1 * g2;
  if (sq >= 0 && Number.isFinite(sq)) {
    const d2 = Math.sqrt(sq);
    const t = x2 <= x1 ? x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2)) : x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2));
    if (Number.isFinite(t)) return Math.min(Math.max(t, a), b);
  }
  return (a + b) / 2;
}

interface Point {
  t: number;
  f: number;
  g: Float64Array;
  gtd: number;
}

export class Lbfgs {
  readonly opts: LbfgsOptions;
  state: LbfgsState;
  private xt: Float64Array;

  constructor(private readonly objective: Objective, x0: Float64Array, opts: Partial<LbfgsOptions> = {}, restore?: LbfgsState) {
    this.opts = { ...LBFGS_DEFAULTS, ...opts };
    if (restore && restore.x.length !== x0.length) throw new Error(`L-BFGS state has ${restore.x.length} parameters, expected ${x0.length}`);
    this.state = restore ?? { x: x0.slice(), f: NaN, g: new Float64Array(0), S: [], Y: [], iters: 0, evals: 0 };
    this.xt = new Float64Array(x0.length);
  }

  private evaluate(x: Float64Array): { f: number; g: Float64Array } {
    const g = new Float64Array(x.length);
    const f = this.objective(x, g);
    this.state.evals++;
    return { f, g };
  }

  /** Two-loop recursion: d = -H g, H0 = (s.y / y.y) I of the newest pair; each dot fused with the axpy before it. */
  private direction(g: Float64Array): Float64Array {
    const { S, Y } = this.state;
    const q = g.slice();
    const m = S.length;
    const alpha = new Float64Array(m);
    const rho = S.map((s, i) => 1 / dot(Y[i], s));
    let sq = dot(S[m - 1], q);
    for (let i = m - 1; i >= 0; i--) {
      alpha[i] = rho[i] * sq;
      sq = axpyDot(q, -alpha[i], Y[i], i > 0 ? S[i - 1] : null);
    }
    const gamma = dot(S[m - 1], Y[m - 1]) / dot(Y[m - 1], Y[m - 1]);
    let yq = 0;
    for (let j = 0; j < q.length; j++) yq += (q[j] *= gamma) * Y[0][j];
    for (let i = 0; i < m; i++) yq = axpyDot(q, alpha[i] - rho[i] * yq, S[i], i + 1 < m ? Y[i + 1] : null);
    for (let j = 0; j < q.length; j++) q[j] = -q[j];
    return q;
  }

  /** Loss, gradient and directional derivative at x + t d; a non-finite value cuts t by 10 (up to the budget). */
  private probe(d: Float64Array, t: number, budget: { left: number }): Point {
    const { x } = this.state;
    for (;;) {
      for (let j = 0; j < x.length; j++) this.xt[j] = x[j] + t * d[j];
      const { f, g } = this.evaluate(this.xt);
      budget.left--;
      if ((Number.isFinite(f) && allFinite(g)) || budget.left <= 0) return { t, f: Number.isFinite(f) ? f : Infinity, g, gtd: dot(g, d) };
      t /= 10;
    }
  }

  /** Strong-Wolfe line search along d from the current point; null when it found no decrease. */
  private lineSearch(d: Float64Array, t0: number): Point | null {
    const { c1, c2, epsF, maxLineSearchEvals } = this.opts;
    const f0 = this.state.f;
    const gtd0 = dot(this.state.g, d);
    const zero: Point = { t: 0, f: f0, g: this.state.g, gtd: gtd0 };
    const noise = epsF * Math.abs(f0);
    // sufficient decrease, or (approximate Wolfe) a loss within noise and a clearly smaller slope
    const sufficient = (p: Point) => p.f <= f0 + c1 * p.t * gtd0 || (p.f <= f0 + noise && p.gtd <= (2 * c1 - 1) * gtd0);
    const curvature = (p: Point) => Math.abs(p.gtd) <= -c2 * gtd0;
    // loss differences within the noise do not count: the slope decides then
    const higher = (p: Point, q: Point) => p.f > q.f + noise;
    const budget = { left: maxLineSearchEvals };
    let prev = zero;
    let cur = this.probe(d, t0, budget);
    let lo: Point | null = null, hi: Point | null = null;
    let first = true;
    // bracketing phase
    while (budget.left > 0) {
      if (!sufficient(cur) || (!first && higher(cur, prev))) {
        [lo, hi] = [prev, cur];
        break;
      }
      if (curvature(cur)) return cur;
      if (cur.gtd >= 0) {
        [lo, hi] = [cur, prev];
        break;
      }
      const tNext = cubicMin(prev.t, prev.f, prev.gtd, cur.t, cur.f, cur.gtd, cur.t + 0.01 * (cur.t - prev.t), cur.t * 10);
      prev = cur;
      cur = this.probe(d, tNext, budget);
      first = false;
    }
    if (!lo || !hi) {
      if (sufficient(cur)) return cur;
      [lo, hi] = [zero, cur];
    }
    // zoom phase: lo always satisfies sufficient decrease and has the lower loss
    let insufficient = false;
    while (budget.left > 0) {
      const a = Math.min(lo.t, hi.t), b = Math.max(lo.t, hi.t);
      if ((b - a) * maxAbs(d) < 1e-15 * Math.max(1, maxAbs(this.state.x))) break;
      let t = cubicMin(lo.t, lo.f, lo.gtd, hi.t, hi.f, hi.gtd, a, b);
      const eps = 0.1 * (b - a);
      if (Math.min(b - t, t - a) < eps) {
        if (insufficient || t >= b || t <= a) {
          t = Math.abs(t - b) < Math.abs(t - a) ? b - eps : a + eps;
          insufficient = false;
        } else insufficient = true;
      } else insufficient = false;
      const p = this.probe(d, t, budget);
      if (!sufficient(p) || higher(p, lo)) {
        hi = p;
      } else {
        if (curvature(p)) return p;
        if (p.gtd * (hi.t - lo.t) >= 0) hi = lo;
        lo = p;
      }
    }
    // lo satisfies the (approximate) sufficient-decrease test unless it is still the start
    return lo.t > 0 ? lo : null;
  }

  /** One quasi-Newton iteration. */
  iterate(): IterResult {
    const st = this.state;
    const evals0 = st.evals;
    ensureFiniteStart(st, (x) => this.evaluate(x));
    if (maxAbs(st.g) <= this.opts.gradTol) return { status: 'converged', f: st.f, evals: st.evals - evals0, t: 0 };
    let p: Point | null = null;
    let d = st.S.length ? this.direction(st.g) : null;
    if (d && dot(d, st.g) < 0) p = this.lineSearch(d, 1);
    if (!p) {
      // first iteration, a non-descent direction or a failed search: restart along -g with a cautious step
      st.S = [];
      st.Y = [];
      d = st.g.map((v) => -v);
      let g1 = 0;
      for (const v of st.g) g1 += Math.abs(v);
      p = this.lineSearch(d, Math.min(1, 1 / g1));
      if (!p) throw new LineSearchError(st.iters + 1, st.f, maxAbs(st.g), st.evals - evals0);
    }
    const s = d!.map((v) => v * p.t);
    const y = new Float64Array(s.length);
    for (let j = 0; j < y.length; j++) y[j] = p.g[j] - st.g[j];
    pushPair(st, s, y, this.opts.history);
    for (let j = 0; j < st.x.length; j++) st.x[j] += s[j];
    st.f = p.f;
    st.g = p.g;
    st.iters++;
    return { status: 'ok', f: p.f, evals: st.evals - evals0, t: p.t };
  }
}

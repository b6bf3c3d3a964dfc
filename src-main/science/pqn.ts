/**
 * Projected L-BFGS on the non-negative orthant x >= 0 with an active set (in the spirit of L-BFGS-B, of
 * Kim, Sra & Dhillon's PQN and of Schmidt's minConf), for UFM+ written as h_i = x_i / ||x_i||, x >= 0. Pure: the
 * objective is a callback. The iterate is a flat (rows x rowLength) Float64 vector.
 *
 * One iteration:
 *  1. Active set: coordinates at the bound (x_j = 0) whose gradient points outward (g_j > 0); they are held
 *     fixed. The rest are free.
 *  2. Direction: the L-BFGS two-loop recursion restricted to the free coordinates (every dot product over them;
 *     a pair whose restricted s.y is not safely positive is left out of this recursion), H0 = gamma I with the
 *     Barzilai-Borwein scale gamma = s.y / y.y of the newest pair. Not a descent direction (g.d >= 0), or no
 *     memory: the memory is dropped and d = -g on the free coordinates, tried from the step `firstStep` (GD's
 *     scale: the iterate's rows have unit norm, so this is a projected GD step of that lr).
 *  3. Projected backtracking: x(t) = P(x + t d), P clips to >= 0; a row that would become all zero keeps its
 *     old value (the guard). Accepted on Armijo's condition on the projected step s = x(t) - x,
 *         f(x(t)) <= f(x) + c1 g.s,
 *     or, when the loss change is below its float noise (epsF |f|, 1e-13: the loss is a float64 sum), on the
 *     approximate form of Hager & Zhang
 *     g(t).s <= (2 c1 - 1) g.s; otherwise t shrinks by a safeguarded quadratic fit (factor 0.1-0.5; a
 *     non-finite trial value: factor 0.1). A failed search drops the memory and retries along -g; when that
 *     also fails: LineSearchError (the run fails with its message).
 *  4. The pair (s, y = g(t) - g) is kept when s.y > 1e-10 ||s|| ||y||. Then every row of x is rescaled to unit
 *     norm; the loss does not change (it depends on x_i / ||x_i|| only), the gradient row scales by ||x_i|| and
 *     the stored pairs are transformed with the same diagonal scaling (s_i * c, y_i / c), which keeps each s.y
 *     and is exact for the curvature of a function of x_i / ||x_i||.
 * The active set is a function of (x, g), both in the state: a resumed solver rebuilds the same one.
 * The projected gradient at or below gradTol (max norm): "converged", nothing changes.
 */
import {
  allFinite, dot, ensureFiniteStart, LineSearchError, pushPair, type IterResult, type LbfgsOptions, type LbfgsState, type Objective,
} from './lbfgs';

export interface PqnOptions extends Pick<LbfgsOptions, 'history' | 'maxLineSearchEvals' | 'c1' | 'epsF' | 'gradTol'> {
  /** Step tried along -g when there is no memory (first iteration, after a reset). */
  firstStep: number;
}

export const PQN_DEFAULTS: PqnOptions = { history: 20, maxLineSearchEvals: 25, c1: 1e-4, epsF: 1e-13, gradTol: 1e-9, firstStep: 2 };

/*
 * Sums over a list of the free coordinates (ascending) for the two-loop recursion: after the first iterations
 * only ~12-20 % of the UFM+ coordinates are free. They keep the accumulators and the order of the full-length
 * masked sums they replaced (two accumulators by parity; dot's four by j mod 4, the tail into the first), so
 * the directions are bit-identical to those: the coordinates left out only ever added exact zeros.
 */
/** [a.b, a.a, b.b] over idx. */
function dots3(a: Float64Array, b: Float64Array, idx: Int32Array): [number, number, number] {
  let ab0 = 0, ab1 = 0, aa0 = 0, aa1 = 0, bb0 = 0, bb1 = 0;
  for (let k = 0; k < idx.length; k++) {
    const j = idx[k];
    const u = a[j], v = b[j];
    if (j & 1) {
      ab1 += u * v;
      aa1 += u * u;
      bb1 += v * v;
    } else {
      ab0 += u * v;
      aa0 += u * u;
      bb0 += v * v;
    }
  }
  return [ab0 + ab1, aa0 + aa1, bb0 + bb1];
}
/** dot(a, q) for a q that is zero off idx (n = a.length). */
function dotIdx(a: Float64Array, q: Float64Array, idx: Int32Array): number {
  const tail = a.length - (a.length & 3);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let k = 0; k < idx.length; k++) {
    const j = idx[k];
    const v = a[j] * q[j];
    const r = j >= tail ? 0 : j & 3;
    if (r === 0) s0 += v;
    else if (r === 1) s1 += v;
    else if (r === 2) s2 += v;
    else s3 += v;
  }
  return s0 + s1 + (s2 + s3);
}
/** q += c y on idx. */
function axpyIdx(q: Float64Array, c: number, y: Float64Array, idx: Int32Array): void {
  for (let k = 0; k < idx.length; k++) {
    const j = idx[k];
    q[j] += c * y[j];
  }
}

interface Trial {
  t: number;
  f: number;
  g: Float64Array;
  x: Float64Array;
}

export class ProjectedLbfgs {
  readonly opts: PqnOptions;
  state: LbfgsState;
  private readonly free: Uint8Array;

  /** x0 must be feasible (>= 0, no all-zero row); it is rescaled to unit rows. */
  constructor(
    private readonly objective: Objective,
    x0: Float64Array,
    private readonly rowLength: number,
    opts: Partial<PqnOptions> = {},
    restore?: LbfgsState,
  ) {
    this.opts = { ...PQN_DEFAULTS, ...opts };
    if (x0.length % rowLength) throw new Error(`projected L-BFGS: ${x0.length} values are not rows of ${rowLength}`);
    if (restore && restore.x.length !== x0.length) throw new Error(`L-BFGS state has ${restore.x.length} parameters, expected ${x0.length}`);
    if (!restore) {
      const x = x0.map((v) => Math.max(v, 0));
      this.normalizeRows(x, null, []);
      this.state = { x, f: NaN, g: new Float64Array(0), S: [], Y: [], iters: 0, evals: 0 };
    } else this.state = restore;
    this.free = new Uint8Array(x0.length);
  }

  private evaluate(x: Float64Array): { f: number; g: Float64Array } {
    const g = new Float64Array(x.length);
    const f = this.objective(x, g);
    this.state.evals++;
    return { f, g };
  }

  /** Rescales every row of x to unit norm; the gradient rows by the old norm, pairs by the same scaling. */
  private normalizeRows(x: Float64Array, g: Float64Array | null, pairs: { S: Float64Array[]; Y: Float64Array[] }[]): void {
    const d = this.rowLength;
    const rows = x.length / d;
    // the row norms first (1: unchanged), then each vector in one sequential pass (the memory is 2 x history vectors)
    const norm = new Float64Array(rows);
    for (let row = 0, o = 0; row < rows; row++, o += d) {
      let r2 = 0;
      for (let t = o; t < o + d; t++) r2 += x[t] * x[t];
      const r = Math.sqrt(r2);
      norm[row] = !(r > 0) ? 1 : r;
    }
    const scale = (v: Float64Array, up: boolean) => {
      for (let row = 0, o = 0; row < rows; row++, o += d) {
        const r = norm[row];
        if (r === 1) continue;
        if (up) for (let t = o; t < o + d; t++) v[t] *= r;
        else {
          const c = 1 / r;
          for (let t = o; t < o + d; t++) v[t] *= c;
        }
      }
    };
    scale(x, false);
    if (g) scale(g, true);
    for (const { S, Y } of pairs)
      for (let i = 0; i < S.length; i++) {
        scale(S[i], false);
        scale(Y[i], true);
      }
  }

  /** free[j] = 0 where x_j is at the bound and the gradient points outward. */
  private updateActiveSet(): number {
    const { x, g } = this.state;
    let active = 0;
    for (let j = 0; j < x.length; j++) {
      const a = x[j] <= 0 && g[j] > 0;
      this.free[j] = a ? 0 : 1;
      if (a) active++;
    }
    return active;
  }

  /** Two-loop recursion on the free coordinates; d is zero on the active ones. */
  private direction(g: Float64Array): Float64Array {
    const { S, Y } = this.state;
    const m = this.free;
    let nFree = 0;
    for (let j = 0; j < m.length; j++) nFree += m[j];
    const idx = new Int32Array(nFree);
    for (let j = 0, k = 0; j < m.length; j++) if (m[j]) idx[k++] = j;
    const q = new Float64Array(g.length);
    for (let k = 0; k < idx.length; k++) q[idx[k]] = g[idx[k]];
    const use: number[] = [];
    const rho: number[] = [];
    let yyNewest = 0;
    for (let i = 0; i < S.length; i++) {
      const [sy, ss, yy] = dots3(S[i], Y[i], idx);
      if (sy > 1e-10 * Math.sqrt(ss * yy)) {
        use.push(i);
        rho.push(1 / sy);
        yyNewest = yy;
      }
    }
    if (!use.length) {
      for (let k = 0; k < idx.length; k++) q[idx[k]] = -q[idx[k]];
      return q;
    }
    const alpha = new Float64Array(use.length);
    for (let k = use.length - 1; k >= 0; k--) {
      const i = use[k];
      alpha[k] = rho[k] * dotIdx(S[i], q, idx);
      axpyIdx(q, -alpha[k], Y[i], idx);
    }
    const gamma = 1 / (rho[use.length - 1] * yyNewest);
    for (let k = 0; k < idx.length; k++) q[idx[k]] *= gamma;
    for (let k = 0; k < use.length; k++) {
      const i = use[k];
      const beta = rho[k] * dotIdx(Y[i], q, idx);
      axpyIdx(q, alpha[k] - beta, S[i], idx);
    }
    for (let k = 0; k < idx.length; k++) q[idx[k]] = -q[idx[k]];
    return q;
  }

  /** P(x + t d) with the zero-row guard. */
  private projectedPoint(d: Float64Array, t: number): Float64Array {
    const { x } = this.state;
    const L = this.rowLength;
    const xt = new Float64Array(x.length);
    for (let o = 0; o < x.length; o += L) {
      let any = false;
      for (let j = o; j < o + L; j++) {
        const v = x[j] + t * d[j];
        xt[j] = v > 0 ? v : 0;
        if (v > 0) any = true;
      }
      if (!any) for (let j = o; j < o + L; j++) xt[j] = x[j];
    }
    return xt;
  }

  /** Projected backtracking from step t0; null when no acceptable step was found within the budget. */
  private search(d: Float64Array, t0: number): Trial | null {
    const { c1, epsF, maxLineSearchEvals } = this.opts;
    const { x, f: f0, g: g0 } = this.state;
    const noise = epsF * Math.abs(f0);
    let t = t0;
    for (let k = 0; k < maxLineSearchEvals; k++) {
      const xt = this.projectedPoint(d, t);
      let gs = 0, moved = 0;
      for (let j = 0; j < x.length; j++) {
        gs += g0[j] * (xt[j] - x[j]);
        moved = Math.max(moved, Math.abs(xt[j] - x[j]));
      }
      // the rows have unit norm: a step below 1e-14 changes nothing representable
      if (moved < 1e-14) return null;
      if (!(gs < 0)) {
        // the projection bent the step uphill (or it vanished): shorten it
        t *= 0.1;
        continue;
      }
      const { f, g } = this.evaluate(xt);
      if (Number.isFinite(f) && allFinite(g)) {
        if (f <= f0 + c1 * gs) return { t, f, g, x: xt };
        if (f <= f0 + noise) {
          let gts = 0;
          for (let j = 0; j < x.length; j++) gts += g[j] * (xt[j] - x[j]);
          if (gts <= (2 * c1 - 1) * gs) return { t, f, g, x: xt };
        }
        // minimiser of the quadratic through f0, slope gs and f along the step, safeguarded
        const a = -gs / (2 * (f - f0 - gs));
        t *= Number.isFinite(a) ? Math.min(0.5, Math.max(0.1, a)) : 0.5;
      } else t *= 0.1;
    }
    return null;
  }

  /** max |projected gradient| (zero on the active coordinates). */
  private projectedGradMax(): number {
    const { g } = this.state;
    let m = 0;
    for (let j = 0; j < g.length; j++) if (this.free[j]) m = Math.max(m, Math.abs(g[j]));
    return m;
  }

  /** One projected quasi-Newton iteration. */
  iterate(): IterResult {
    const st = this.state;
    const evals0 = st.evals;
    ensureFiniteStart(st, (x) => this.evaluate(x));
    this.updateActiveSet();
    if (this.projectedGradMax() <= this.opts.gradTol) return { status: 'converged', f: st.f, evals: st.evals - evals0, t: 0 };
    let p: Trial | null = null;
    let d: Float64Array | null = null;
    if (st.S.length) {
      d = this.direction(st.g);
      if (dot(d, st.g) < 0) p = this.search(d, 1);
    }
    if (!p) {
      // no memory, not a descent direction, or a failed search: steepest descent on the free coordinates
      st.S = [];
      st.Y = [];
      d = this.direction(st.g);
      p = this.search(d, this.opts.firstStep);
      if (!p) {
        let gmax = 0;
        for (const v of st.g) gmax = Math.max(gmax, Math.abs(v));
        throw new LineSearchError(st.iters + 1, st.f, gmax, st.evals - evals0);
      }
    }
    const s = new Float64Array(st.x.length);
    const y = new Float64Array(st.x.length);
    for (let j = 0; j < s.length; j++) {
      s[j] = p.x[j] - st.x[j];
      y[j] = p.g[j] - st.g[j];
    }
    pushPair(st, s, y, this.opts.history);
    st.x = p.x;
    st.f = p.f;
    st.g = p.g;
    this.normalizeRows(st.x, st.g, [{ S: st.S, Y: st.Y }]);
    st.iters++;
    return { status: 'ok', f: p.f, evals: st.evals - evals0, t: p.t };
  }
}

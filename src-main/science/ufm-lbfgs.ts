/**
 * The UFM / UFM+ objective for the quasi-Newton solvers (spec section 2). With u_i the row's pre-normalised
 * features, r = ||u_i||, h_i = u_i / r:  dL/du_i = (g_i - (g_i.h_i) h_i) / r.
 *   UFM+, parametrization "projected" (the default): u >= 0 itself, solved by projected L-BFGS with an active
 *         set (pqn.ts); the coordinates the OF sets to zero are exactly zero.
 *   UFM+, parametrization "squared": u = w * w, a smooth unconstrained problem for plain L-BFGS (lbfgs.ts),
 *         dL/dw_i = 2 w_i * dL/du_i; singular where w = 0.
 *   UFM:  u = w, plain L-BFGS (the parametrization does not apply).
 * One iteration is one "epoch" of the trainer.
 *
 * Projected UFM+ with the labels given: where projected L-BFGS converges to a point at which two class means share
 * their support (a spurious stationary point, see support-repair.ts), the same iteration tries the repair moves
 * in turn. A move is kept as soon as the loss falls below the stationary point's by more than float noise
 * (REPAIR_EXCURSION iterations at most, a failed line search ends the attempt); otherwise the solver returns to
 * the stationary point exactly (iterate, gradient and memory; the evaluations stay counted) and tries the next.
 * One stationary point gets at most REPAIR_BUDGET evaluations of moves (most moves cost one: the moved point is
 * itself stationary, or already below). When none is kept the iteration reports "converged". Deterministic: a
 * resumed run retries the same moves.
 */
import { Lbfgs, LineSearchError, type IterResult, type LbfgsOptions, type LbfgsState } from './lbfgs';
import { ProjectedLbfgs } from './pqn';
import { applyMove, repairMoves } from './support-repair';

/** Iterations a support repair may take to get below the stationary point it left before it is undone. */
export const REPAIR_EXCURSION = 200;
/** Evaluations all the repair moves from one stationary point may take together (bounds the wait at a true minimiser). */
export const REPAIR_BUDGET = 2000;

export interface LbfgsSpec {
  name: 'lbfgs';
  /** (s, y) pairs kept by L-BFGS. */
  history: number;
  /** Objective evaluations allowed per line search. */
  maxLineSearchEvals?: number;
  /** UFM+ only: u >= 0 by projected L-BFGS (the default, as in the config schema), or h = normalize(w * w) by plain L-BFGS. */
  parametrization?: 'projected' | 'squared';
}

/** Loss at features H (n x d, unit rows, float64); adds dL/dH into grad (zero-filled by the caller). */
export type FeatureObjective = (H: Float64Array, grad: Float64Array) => number;

export class UfmLbfgs {
  readonly solver: Lbfgs | ProjectedLbfgs;
  /** u = w * w (UFM+ "squared") rather than u = w. */
  private readonly squared: boolean;
  private gH: Float64Array;
  private H64: Float64Array;

  /** `H` is the trainer's feature buffer: every iteration leaves the features of its new point in it. */
  constructor(
    private readonly n: number,
    private readonly d: number,
    relu: boolean,
    private readonly H: Float32Array,
    private readonly loss: FeatureObjective,
    spec: LbfgsSpec,
    restore?: LbfgsState,
    /** Class of every row (and the class count): enables support repair for projected UFM+. */
    private readonly classes?: { labels: ArrayLike<number>; k: number; budget?: number },
  ) {
    this.gH = new Float64Array(H.length);
    this.H64 = new Float64Array(H.length);
    const projected = relu && spec.parametrization !== 'squared';
    this.squared = relu && !projected;
    const w0 = new Float64Array(H.length);
    for (let j = 0; j < H.length; j++) w0[j] = this.squared ? Math.sqrt(Math.max(H[j], 0)) : H[j];
    const opts: Partial<LbfgsOptions> = { history: spec.history };
    if (spec.maxLineSearchEvals !== undefined) opts.maxLineSearchEvals = spec.maxLineSearchEvals;
    const f = (w: Float64Array, g: Float64Array) => this.objective(w, g);
    this.solver = projected ? new ProjectedLbfgs(f, w0, d, opts, restore) : new Lbfgs(f, w0, opts, restore);
    this.publish();
  }

  get state(): LbfgsState {
    return this.solver.state;
  }

  /** H64 = features of w; with gw, instead dL/dw (from gH = dL/dH) into gw. */
  private writeFeatures(w: Float64Array, gw: Float64Array | null): void {
    const { n, d, squared, gH } = this;
    const H = this.H64;
    for (let i = 0; i < n; i++) {
      const o = i * d;
      let r2 = 0;
      for (let t = o; t < o + d; t++) {
        const u = squared ? w[t] * w[t] : w[t];
        r2 += u * u;
      }
      const r = Math.sqrt(r2);
      if (!(r > 1e-150)) {
        for (let t = o; t < o + d; t++) H[t] = 1 / Math.sqrt(d);
        if (gw) for (let t = o; t < o + d; t++) gw[t] = 0;
        continue;
      }
      if (!gw) {
        for (let t = o; t < o + d; t++) H[t] = (squared ? w[t] * w[t] : w[t]) / r;
        continue;
      }
      let gh = 0;
      for (let t = o; t < o + d; t++) gh += gH[t] * ((squared ? w[t] * w[t] : w[t]) / r);
      for (let t = o; t < o + d; t++) {
        const h = (squared ? w[t] * w[t] : w[t]) / r;
        const gu = (gH[t] - gh * h) / r;
        gw[t] = squared ? 2 * w[t] * gu : gu;
      }
    }
  }

  /** The trainer's float32 features from the current iterate. */
  private publish(): void {
    this.writeFeatures(this.solver.state.x, null);
    this.H.set(this.H64);
  }

  private objective(w: Float64Array, gw: Float64Array): number {
    this.writeFeatures(w, null);
    this.gH.fill(0);
    const f = this.loss(this.H64, this.gH);
    this.writeFeatures(w, gw);
    return f;
  }

  /** Support repairs kept so far. */
  get repairs(): number {
    return this.solver.state.repairs ?? 0;
  }

  /** One quasi-Newton iteration; leaves the features of the new point in H. */
  iterate(): IterResult {
    const evals0 = this.solver.state.evals;
    let r = this.solver.iterate();
    if (r.status === 'converged' && this.solver instanceof ProjectedLbfgs && this.classes && !this.exhausted) r = this.repair(this.solver, evals0);
    this.publish();
    return r;
  }

  /** Set when every repair move from the stationary point failed: the solver stays there, converged. */
  private exhausted = false;

  /** Tries the repair moves from the stationary point the solver is at (see the file comment). */
  private repair(solver: ProjectedLbfgs, evals0: number): IterResult {
    const st = solver.state;
    const { labels, k, budget = REPAIR_BUDGET } = this.classes!;
    const evalsAtStart = st.evals;
    const anchor = { x: st.x, f: st.f, g: st.g, S: st.S, Y: st.Y, iters: st.iters };
    // the loss is a float64 sum: below this difference two losses are the same point
    const noise = 1e-12 * Math.abs(anchor.f) + 1e-12;
    for (const move of repairMoves(anchor.x, this.d, labels, k)) {
      if (st.evals - evalsAtStart >= budget) break;
      st.x = applyMove(anchor.x, this.d, labels, move);
      st.f = NaN;
      st.g = new Float64Array(0);
      st.S = [];
      st.Y = [];
      try {
        for (let it = 0; it < REPAIR_EXCURSION && st.evals - evalsAtStart < budget; it++) {
          const q = solver.iterate();
          if (st.f < anchor.f - noise) {
            st.repairs = (st.repairs ?? 0) + 1;
            return { status: 'ok', f: st.f, evals: st.evals - evals0, t: q.t };
          }
          if (q.status === 'converged') break;
        }
      } catch (e) {
        if (!(e instanceof LineSearchError)) throw e;
      }
      Object.assign(st, anchor);
    }
    this.exhausted = true;
    return { status: 'converged', f: st.f, evals: st.evals - evals0, t: 0 };
  }
}

/**
 * The unconstrained-features model (spec section 2): free unit-norm features H (n x d), trained on the SCL
 * objective of a batching by projected gradient descent: step, then (UFM+) clip negatives to 0, then
 * renormalise each row. stepPer "epoch" takes one step on the sum of the epoch's batch losses (the theory's
 * objective); "batch" takes one step per batch.
 */
import * as tf from '@tensorflow/tfjs';
import { Batcher, type BatchingOptions } from './batching';
import { ofOptimum } from './closed-form';
import { geometry, geometryScalars, type Geometry } from './geometry';
import { labelsFromCounts } from './imbalance';
import { FlatOptimizer, type FlatOptimizerSpec, type OptimizerState } from './optim';
import { firstNonFinite, NonFiniteLossError, type NonFiniteInfo } from './nonfinite';
import { makeRng } from './rng';
import type { LossForm } from './scl-oracle';
import { makeBatchMasks, sclLossTermsAndGrad, type BatchMasks } from './scl';
import type { LbfgsState } from './lbfgs';
import { sclBatchF64 } from './scl-f64';
import { targetsMet, type StopReason, type StopRule } from './stop';
import { ProjectedLbfgs } from './pqn';
import { UfmLbfgs, type LbfgsSpec } from './ufm-lbfgs';

export interface UfmSpec {
  k: number;
  d: number;
  counts: number[];
  relu: boolean;
  tau: number;
  lossForm: LossForm;
  batching: BatchingOptions & { stepPer: 'epoch' | 'batch' };
  optimizer: FlatOptimizerSpec | LbfgsSpec;
  /** epochs is a maximum; see stop.ts. */
  stop?: StopRule;
  epochs: number;
  seed: number;
  evalEvery: number;
}

export interface UfmState {
  /** Epochs completed. */
  epoch: number;
  H: Float32Array;
  opt: OptimizerState;
  /** The L-BFGS iterate and memory (optimizer lbfgs). */
  lbfgs?: LbfgsState;
}

/** One evaluation point: metrics of the features after `epoch` completed epochs. */
export interface EvalRecord {
  epoch: number;
  /** null where there is no training loss yet (a deep run at epoch 0) or at all (imported embeddings). */
  loss: number | null;
  optimalLoss: number | null;
  gap: number | null;
  deltaOF: number;
  deltaETF: number;
  nc1: number;
  cosMean: number;
  cosMin: number;
  cosMax: number;
  normRatio: number;
  nccAccTrain: number;
}

export interface TrainHooks {
  /** After every epoch with the summed loss of its steps. */
  onEpoch?(epoch: number, loss: number): void;
  /** At every evaluation point (epoch 0, every evalEvery, and the last). */
  onEval?(rec: EvalRecord, geom: Geometry): void;
  /** Checked at every epoch boundary; true stops the run (cooperative cancel). */
  shouldStop?(): boolean;
  /** Seconds the run has taken so far (for stop.maxSeconds); default: since run() was called. */
  elapsedSeconds?(): number;
}

export { NonFiniteLossError };

export class UfmTrainer {
  readonly n: number;
  readonly labels: Int32Array;
  readonly batcher: Batcher;
  state: UfmState;
  private opt: FlatOptimizer | null = null;
  private lbfgs: UfmLbfgs | null = null;
  private converged = false;
  private maskCache = new Map<string, BatchMasks>();

  constructor(readonly spec: UfmSpec, restore?: UfmState) {
    if (spec.counts.length !== spec.k) throw new Error(`the imbalance profile gives ${spec.counts.length} classes, expected ${spec.k}`);
    this.labels = labelsFromCounts(spec.counts);
    this.n = this.labels.length;
    this.batcher = new Batcher(this.labels, spec.k, spec.batching, spec.seed);
    const size = this.n * spec.d;
    if (restore) {
      if (restore.H.length !== size) throw new Error(`checkpoint has ${restore.H.length} feature values, expected ${size}`);
      this.state = { epoch: restore.epoch, H: restore.H.slice(), opt: restore.opt };
    } else {
      this.state = { epoch: 0, H: this.initialFeatures(), opt: { t: 0 } };
    }
    const o = spec.optimizer;
    if (o.name === 'lbfgs') {
      const objective = (H: Float64Array, g: Float64Array) => {
        let f = 0;
        for (const b of this.batcher.epoch(this.state.epoch)) f += sclBatchF64(H, spec.d, this.labels, b, spec.tau, spec.lossForm, g);
        return f;
      };
      this.lbfgs = new UfmLbfgs(this.n, spec.d, spec.relu, this.state.H, objective, o, restore?.lbfgs, { labels: this.labels, k: spec.k });
      this.state.lbfgs = this.lbfgs.state;
    } else {
      this.opt = new FlatOptimizer(o, size, restore ? restore.opt : undefined);
      this.state.opt = this.opt.state;
    }
  }

  /** Support repairs projected L-BFGS kept (ufm-lbfgs.ts); null for the other optimisers. */
  get repairs(): number | null {
    return this.lbfgs?.solver instanceof ProjectedLbfgs ? this.lbfgs.repairs : null;
  }

  /** Loss-and-gradient evaluations so far: L-BFGS counts its own; a first-order epoch is one. */
  get evaluations(): number {
    return this.lbfgs ? this.lbfgs.state.evals : this.state.epoch;
  }

  /** Seeded Gaussian rows, made feasible: |.| under ReLU, then unit norm. */
  private initialFeatures(): Float32Array {
    const { d, relu, seed } = this.spec;
    const rng = makeRng(seed, 'init');
    const H = new Float32Array(this.n * d);
    for (let i = 0; i < H.length; i++) H[i] = relu ? Math.abs(rng.normal()) : rng.normal();
    this.project(H);
    return H;
  }

  /**
   * (UFM+) clip negatives, then renormalise each row; a row clipped to zero restarts at the uniform direction.
   * Returns the number of rows that are not finite (left as they are: an update diverged).
   */
  project(H: Float32Array): number {
    const d = this.spec.d;
    let bad = 0;
    for (let i = 0; i < this.n; i++) {
      let s = 0;
      for (let t = i * d; t < (i + 1) * d; t++) {
        if (this.spec.relu && H[t] < 0) H[t] = 0;
        s += H[t] * H[t];
      }
      if (!Number.isFinite(s)) {
        bad++;
        continue;
      }
      if (s < 1e-24) {
        for (let t = i * d; t < (i + 1) * d; t++) H[t] = 1 / Math.sqrt(d);
        continue;
      }
      const inv = 1 / Math.sqrt(s);
      for (let t = i * d; t < (i + 1) * d; t++) H[t] *= inv;
    }
    return bad;
  }

  private masksFor(key: string | null, labels: Int32Array, nb: number, B: number): { masks: BatchMasks; owned: boolean } {
    if (key !== null) {
      let m = this.maskCache.get(key);
      if (!m) {
        m = makeBatchMasks(labels, nb, B, this.spec.tau, this.spec.lossForm);
        this.maskCache.set(key, m);
      }
      return { masks: m, owned: false };
    }
    return { masks: makeBatchMasks(labels, nb, B, this.spec.tau, this.spec.lossForm), owned: true };
  }

  /**
   * Loss summed over `batches` at the current features; when `grad` is given, adds dL/dH into it.
   * Batches of equal length are stacked and computed together.
   */
  lossAndGrad(batches: number[][], grad: Float32Array | null, cacheKey: string | null): number {
    const { d } = this.spec;
    const H = this.state.H;
    const groups = new Map<number, number[][]>();
    for (const b of batches) {
      const g = groups.get(b.length);
      if (g) g.push(b);
      else groups.set(b.length, [b]);
    }
    let total = 0;
    for (const [B, group] of groups) {
      const nb = group.length;
      const X = new Float32Array(nb * B * d);
      const ys = new Int32Array(nb * B);
      let r = 0;
      for (const b of group)
        for (const i of b) {
          X.set(H.subarray(i * d, i * d + d), r * d);
          ys[r++] = this.labels[i];
        }
      const { masks, owned } = this.masksFor(cacheKey === null ? null : `${cacheKey}:${B}`, ys, nb, B);
      const x = tf.tensor3d(X, [nb, B, d]);
      const { terms, grad: gX } = sclLossTermsAndGrad(x, masks, this.spec.tau);
      for (const v of terms.dataSync()) total += v; // float64 accumulation
      if (grad) {
        const g = gX.dataSync() as Float32Array;
        r = 0;
        for (const b of group)
          for (const i of b) {
            const o = i * d, go = r++ * d;
            for (let t = 0; t < d; t++) grad[o + t] += g[go + t];
          }
      }
      tf.dispose([x, terms, gX]);
      if (owned) masks.dispose();
    }
    return total;
  }

  /** Batches that stay the same every epoch can reuse their masks. */
  private cacheKey(): string | null {
    const s = this.spec.batching.strategy;
    return s === 'fixed' || s === 'full' || s === 'explicit' ? s : null;
  }

  /** Metrics of the current features; loss and L* over epoch `epoch`'s batches. */
  evaluate(): { rec: EvalRecord; geom: Geometry } {
    const { k, d, counts, relu, tau, lossForm } = this.spec;
    const e = this.state.epoch;
    const batches = this.batcher.epoch(e);
    // An L-BFGS run logs its own float64 objective at the iterate (the features in H are that iterate): the
    // float32 loss of the same features is ~1e-6 relative off, which at a loss of ~6,000 hides the ~1e-3 that
    // separates the optimum from a stationary point above it, i.e. the gap.
    const st = this.lbfgs?.state;
    const loss = st && st.g.length > 0 && Number.isFinite(st.f) ? st.f : this.lossAndGrad(batches, null, this.cacheKey());
    if (!Number.isFinite(loss)) throw this.nonFinite({ what: 'loss', value: loss, epoch: e, step: null, steps: null, cause: 'overflow' });
    const geom = geometry(this.state.H, d, this.labels, k, counts);
    const optimalLoss = relu ? ofOptimum(batches, this.labels, tau, lossForm) : null;
    const rec: EvalRecord = {
      epoch: e,
      loss,
      optimalLoss,
      gap: optimalLoss === null ? null : loss - optimalLoss,
      ...geometryScalars(geom),
    };
    return { rec, geom };
  }

  private nonFinite(i: Omit<NonFiniteInfo, 'lr' | 'tau'>): NonFiniteLossError {
    return new NonFiniteLossError({ ...i, lr: 'lr' in this.spec.optimizer ? this.spec.optimizer.lr : NaN, tau: this.spec.tau });
  }

  /**
   * One optimiser step on `batches` (step `step` of `steps` in epoch `epoch`, 1-based); returns their loss.
   * The features are finite on entry (checked after every update), so a non-finite loss is an overflow, a
   * non-finite gradient of a finite loss a numerical fault, and non-finite features after the update a diverged step.
   */
  private step(batches: number[][], grad: Float32Array, cacheKey: string | null, epoch: number, step: number, steps: number): number {
    const H = this.state.H;
    grad.fill(0);
    const loss = this.lossAndGrad(batches, grad, cacheKey);
    if (!Number.isFinite(loss)) throw this.nonFinite({ what: 'loss', value: loss, epoch, step, steps, cause: 'overflow' });
    const g = firstNonFinite(grad);
    if (g !== null) throw this.nonFinite({ what: 'gradient of the features', value: g, epoch, step, steps, cause: 'backward', detail: `the loss was finite: ${loss.toPrecision(6)}` });
    this.opt!.step(H, grad);
    if (this.project(H) > 0) throw this.nonFinite({ what: 'features after the update', value: firstNonFinite(H)!, epoch, step, steps, cause: 'diverged' });
    return loss;
  }

  /** One epoch of training; returns the summed loss of its steps. */
  trainEpoch(): number {
    const e = this.state.epoch;
    const batches = this.batcher.epoch(e);
    const grad = new Float32Array(this.state.H.length);
    let loss = 0;
    if (this.lbfgs) {
      const r = this.lbfgs.iterate();
      if (!Number.isFinite(r.f)) throw this.nonFinite({ what: 'loss', value: r.f, epoch: e + 1, step: 1, steps: 1, cause: 'overflow' });
      if (r.status === 'converged') {
        this.converged = true;
        return r.f;
      }
      loss = r.f;
    } else if (this.spec.batching.stepPer === 'epoch') {
      loss = this.step(batches, grad, this.cacheKey(), e + 1, 1, 1);
    } else {
      batches.forEach((b, j) => (loss += this.step([b], grad, null, e + 1, j + 1, batches.length)));
    }
    this.state.epoch = e + 1;
    return loss;
  }

  isEvalEpoch(e: number): boolean {
    return e === 0 || e % this.spec.evalEvery === 0 || e === this.spec.epochs;
  }

  /**
   * Train to spec.epochs (from the current state), evaluating on schedule; stops earlier when spec.stop's
   * targets hold at an evaluation point, when it runs out of time, or when L-BFGS has converged.
   */
  run(hooks: TrainHooks = {}): {
    status: 'finished' | 'cancelled';
    stopReason?: StopReason;
    history: EvalRecord[];
    last: { rec: EvalRecord; geom: Geometry };
  } {
    const t0 = performance.now();
    const elapsed = hooks.elapsedSeconds ?? (() => (performance.now() - t0) / 1000);
    const stop = this.spec.stop;
    const history: EvalRecord[] = [];
    let last = this.evaluate();
    const record = (fresh = true) => {
      if (fresh) last = this.evaluate();
      history.push(last.rec);
      hooks.onEval?.(last.rec, last.geom);
    };
    if (this.state.epoch === 0 || this.isEvalEpoch(this.state.epoch)) record(false);
    let reason: StopReason = targetsMet(stop, last.rec) ? 'reached' : 'maxEpochs';
    while (reason === 'maxEpochs' && this.state.epoch < this.spec.epochs) {
      if (hooks.shouldStop?.()) return { status: 'cancelled', history, last };
      if (stop?.maxSeconds !== undefined && elapsed() >= stop.maxSeconds) reason = 'maxSeconds';
      else {
        const loss = this.trainEpoch();
        if (this.converged) reason = 'converged';
        else {
          hooks.onEpoch?.(this.state.epoch, loss);
          if (this.isEvalEpoch(this.state.epoch)) {
            record();
            if (targetsMet(stop, last.rec)) reason = 'reached';
          }
        }
      }
    }
    if (last.rec.epoch !== this.state.epoch) record(); // stopped between evaluation points
    return { status: 'finished', stopReason: reason, history, last };
  }

  dispose(): void {
    for (const m of this.maskCache.values()) m.dispose();
    this.maskCache.clear();
  }
}

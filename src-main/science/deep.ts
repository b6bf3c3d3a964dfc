/**
 * Deep-network training with SCL or CE (spec section 7): backbone -> projection -> optional ReLU -> L2 norm.
 * Every batch of the batching strategy (with binding examples appended) is optionally doubled into two
 * views (each augmented on its own); SCL treats the two copies as separate samples with the same label.
 * Every `evalEvery` epochs the whole training subset is embedded in eval mode without augmentation and all
 * geometry metrics are computed; balanced NCC accuracy on the test set uses the training class means.
 */
import * as tf from '@tensorflow/tfjs';
import { Batcher, type BatchingOptions } from './batching';
import { geometry, geometryScalars, nccAccuracy, type Geometry } from './geometry';
import { buildModel, embed, type ModelSpec } from './models';
import { makeRng, type Rng } from './rng';
import { ceLoss, sclLoss } from './scl';
import type { LossForm } from './scl-oracle';
import { firstNonFinite, NonFiniteLossError, type NonFiniteCause } from './nonfinite';
import type { EvalRecord } from './ufm';
import { makeStepOptimizer, type DeepOptimizerSpec, type StepOptimizer } from './fused-optim';

export { makeDeepOptimizer } from './fused-optim';

export interface DeepSplit {
  /** n samples, row-major, each of size prod(sampleShape). */
  x: Float32Array;
  labels: Int32Array;
  n: number;
}

export interface DeepData {
  train: DeepSplit;
  test: DeepSplit | null;
  sampleShape: number[];
  k: number;
  /** Training examples per class. */
  counts: number[];
}

export type Schedule =
  | { name: 'none' }
  | { name: 'multistep'; milestones: number[]; gamma: number }
  | { name: 'cosine'; minLr: number };

export type { DeepOptimizerSpec } from './fused-optim';

export interface DeepSpec {
  model: ModelSpec;
  dim: number;
  relu: boolean;
  loss: 'scl' | 'ce';
  tau: number;
  lossForm: LossForm;
  views: 1 | 2;
  batching: BatchingOptions;
  optimizer: DeepOptimizerSpec;
  schedule: Schedule;
  epochs: number;
  evalEvery: number;
  seed: number;
  evalBatchSize?: number;
}

/**
 * A deep evaluation point: the geometry record plus test NCC accuracy and, for CE runs, the balanced accuracy
 * of the run's own linear classifier (argmax of z W + b) on train and test embeddings.
 */
export type DeepEvalRecord = EvalRecord & { nccAccTest: number | null; ceAccTrain?: number; ceAccTest?: number | null };

/** Balanced accuracy (mean over the classes present of the per-class accuracy) of argmax(z W + b). */
export function linearClassifierAccuracy(Z: ArrayLike<number>, d: number, labels: ArrayLike<number>, W: ArrayLike<number>, b: ArrayLike<number>, k: number): number {
  const correct = new Float64Array(k);
  const total = new Float64Array(k);
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    let bestV = -Infinity;
    for (let c = 0; c < k; c++) {
      let v = b[c]!;
      for (let t = 0; t < d; t++) v += Z[i * d + t]! * W[t * k + c]!;
      if (v > bestV) {
        bestV = v;
        best = c;
      }
    }
    total[labels[i]!]++;
    if (best === labels[i]) correct[labels[i]!]++;
  }
  let acc = 0;
  let present = 0;
  for (let c = 0; c < k; c++) {
    if (total[c] === 0) continue;
    acc += correct[c]! / total[c]!;
    present++;
  }
  return present === 0 ? NaN : acc / present;
}

export interface DeepHooks {
  onBatch?(p: { epoch: number; batch: number; batches: number; loss: number }): void;
  onEpoch?(epoch: number, meanLoss: number, lr: number): void;
  onEval?(rec: DeepEvalRecord, geom: Geometry): void;
  shouldStop?(): boolean;
}

/** Augments n samples of a batch in place of a copy; injected by the runner (the science core reads no files). */
export type Augment = (x: Float32Array, n: number, rng: Rng) => Float32Array;

export interface DeepCheckpoint {
  epoch: number;
  weights: { name: string; shape: number[]; data: Float32Array }[];
  optimizer: { name: string; shape: number[]; data: Float32Array }[];
}

/** A trainable weight beyond this magnitude means the optimiser diverged (see DeepTrainer.diagnose). */
export const DIVERGED_WEIGHT = 1e4;

export function learningRate(spec: DeepSpec, epoch: number): number {
  const s = spec.schedule;
  const lr = spec.optimizer.lr;
  if (s.name === 'multistep') return lr * Math.pow(s.gamma, s.milestones.filter((m) => epoch >= m).length);
  if (s.name === 'cosine') return s.minLr + 0.5 * (lr - s.minLr) * (1 + Math.cos((Math.PI * epoch) / spec.epochs));
  return lr;
}

export class DeepTrainer {
  readonly model: tf.LayersModel;
  readonly params: number;
  readonly batcher: Batcher;
  private classifier: tf.Variable[] = [];
  /** Fused on the wasm backend, tf.train.* elsewhere (science/fused-optim.ts). */
  readonly opt: StepOptimizer;
  epoch = 0;
  private lastEpochLoss = NaN;
  private readonly sampleSize: number;

  constructor(readonly spec: DeepSpec, readonly data: DeepData, private readonly augment?: Augment) {
    this.sampleSize = data.sampleShape.reduce((a, b) => a * b, 1);
    if (data.train.x.length !== data.train.n * this.sampleSize) {
      throw new Error(`training data has ${data.train.x.length} values, expected ${data.train.n} x ${this.sampleSize}`);
    }
    const built = buildModel(spec.model, data.sampleShape, spec.dim, spec.seed);
    this.model = built.model;
    this.params = built.params;
    this.batcher = new Batcher(data.train.labels, data.k, spec.batching, spec.seed);
    if (spec.loss === 'ce') {
      const init = tf.initializers.glorotUniform({ seed: spec.seed + 7 });
      this.classifier = [tf.variable(init.apply([spec.dim, data.k]) as tf.Tensor, true, 'ce_w'), tf.variable(tf.zeros([data.k]), true, 'ce_b')];
    }
    this.opt = makeStepOptimizer(spec.optimizer);
  }

  private trainableVars(): tf.Variable[] {
    return [...this.model.trainableWeights.map((w) => w.read() as tf.Variable), ...this.classifier];
  }

  /** Gathers samples (and their augmented second views) into one input tensor. */
  private batchInput(idx: number[], rng: Rng): { x: tf.Tensor; labels: Int32Array } {
    const { train, sampleShape } = this.data;
    const S = this.sampleSize;
    const B = idx.length;
    const raw = new Float32Array(B * S);
    idx.forEach((i, r) => raw.set(train.x.subarray(i * S, (i + 1) * S), r * S));
    const labels1 = Int32Array.from(idx, (i) => train.labels[i]);
    const view = () => (this.augment ? this.augment(raw, B, rng) : raw);
    if (this.spec.views === 1) return { x: tf.tensor(view(), [B, ...sampleShape]), labels: labels1 };
    const both = new Float32Array(2 * B * S);
    both.set(view(), 0);
    both.set(view(), B * S);
    const labels = new Int32Array(2 * B);
    labels.set(labels1, 0);
    labels.set(labels1, B);
    return { x: tf.tensor(both, [2 * B, ...sampleShape]), labels };
  }

  private lossOf(x: tf.Tensor, labels: Int32Array): tf.Scalar {
    const z = embed(this.model, x, this.spec.relu, true);
    if (this.spec.loss === 'scl') return sclLoss(z, labels, this.spec.tau, this.spec.lossForm);
    const logits = tf.add(tf.matMul(z, this.classifier[0]), this.classifier[1]) as tf.Tensor2D;
    return ceLoss(logits, labels, this.data.k);
  }

  /** One training epoch; returns the mean batch loss, or null when stopped early. */
  trainEpoch(hooks: DeepHooks = {}): number | null {
    const e = this.epoch;
    const lr = learningRate(this.spec, e);
    this.opt.setLearningRate(lr);
    const rng = makeRng(this.spec.seed, `augment:${e}`);
    const batches = this.batcher.epoch(e);
    const vars = this.trainableVars();
    const wd = this.spec.optimizer.weightDecay;
    let sum = 0;
    for (let b = 0; b < batches.length; b++) {
      if (hooks.shouldStop?.()) return null;
      const { x, labels } = this.batchInput(batches[b], rng);
      const { value, grads } = tf.variableGrads(() => this.lossOf(x, labels), vars);
      // the loss and every gradient checked before anything is applied
      const { loss, badGrad } = this.opt.check(value, vars, grads);
      if (!Number.isFinite(loss) || badGrad >= 0) {
        const err = this.diagnose(x, vars, grads, loss, badGrad, e + 1, b + 1, batches.length, lr);
        tf.dispose([x, value, ...Object.values(grads)]);
        throw err;
      }
      this.opt.apply(vars, grads, wd);
      tf.dispose([x, value, ...Object.values(grads)]);
      sum += loss;
      hooks.onBatch?.({ epoch: e, batch: b + 1, batches: batches.length, loss });
    }
    this.epoch = e + 1;
    this.lastEpochLoss = sum / batches.length;
    hooks.onEpoch?.(this.epoch, this.lastEpochLoss, lr);
    return this.lastEpochLoss;
  }

  /**
   * Why a step went non-finite. Weights that are non-finite or huge (|w| > DIVERGED_WEIGHT; trained weights stay
   * near the initial scale of ~1): an earlier update diverged. Non-finite input: the data. Otherwise the forward
   * (loss) or backward (gradient of the named layer) pass overflowed with sane weights and data.
   */
  private diagnose(x: tf.Tensor, vars: tf.Variable[], grads: tf.NamedTensorMap, loss: number, badGrad: number, epoch: number, step: number, steps: number, lr: number): NonFiniteLossError {
    const maxAbs = (a: ArrayLike<number>) => {
      let m = 0;
      for (let i = 0; i < a.length; i++) m = Math.max(m, Number.isFinite(a[i]) ? Math.abs(a[i]) : Infinity);
      return m;
    };
    const badWeight = vars.find((v) => maxAbs(v.dataSync()) > DIVERGED_WEIGHT);
    const cause: NonFiniteCause = badWeight ? 'diverged' : firstNonFinite(x.dataSync()) !== null ? 'data' : Number.isFinite(loss) ? 'backward' : 'overflow';
    const at = { epoch, step, steps, cause, lr, tau: this.spec.tau };
    if (badWeight) {
      const w = badWeight.dataSync();
      const what = Number.isFinite(loss) ? `gradient of layer ${vars[badGrad].name}` : 'loss';
      const value = Number.isFinite(loss) ? firstNonFinite(grads[vars[badGrad].name].dataSync())! : loss;
      return new NonFiniteLossError({ ...at, what, value, detail: `the weights of layer ${badWeight.name} had grown to |w| = ${maxAbs(w).toPrecision(3)}` });
    }
    if (!Number.isFinite(loss)) return new NonFiniteLossError({ ...at, what: 'loss', value: loss });
    const v = vars[badGrad];
    return new NonFiniteLossError({ ...at, what: `gradient of layer ${v.name}`, value: firstNonFinite(grads[v.name].dataSync())!, detail: `the loss was finite: ${loss.toPrecision(6)}` });
  }

  /** Embeddings of a split in eval mode, without augmentation: n x dim, row-major. */
  embedAll(split: DeepSplit): Float32Array {
    const bs = this.spec.evalBatchSize ?? 512;
    const S = this.sampleSize;
    const out = new Float32Array(split.n * this.spec.dim);
    for (let s = 0; s < split.n; s += bs) {
      const m = Math.min(bs, split.n - s);
      const z = tf.tidy(() => embed(this.model, tf.tensor(split.x.subarray(s * S, (s + m) * S), [m, ...this.data.sampleShape]), this.spec.relu, false));
      out.set(z.dataSync(), s * this.spec.dim);
      z.dispose();
    }
    return out;
  }

  evaluate(): { rec: DeepEvalRecord; geom: Geometry } {
    const { k, counts, train, test } = this.data;
    const d = this.spec.dim;
    const H = this.embedAll(train);
    const geom = geometry(H, d, train.labels, k, counts);
    const Htest = test ? this.embedAll(test) : null;
    const nccAccTest = test && Htest ? nccAccuracy(Htest, d, test.labels, geom.means, k) : null;
    let ce: { ceAccTrain: number; ceAccTest: number | null } | object = {};
    if (this.spec.loss === 'ce') {
      const W = this.classifier[0]!.dataSync(), b = this.classifier[1]!.dataSync();
      ce = {
        ceAccTrain: linearClassifierAccuracy(H, d, train.labels, W, b, k),
        ceAccTest: test && Htest ? linearClassifierAccuracy(Htest, d, test.labels, W, b, k) : null,
      };
    }
    return {
      rec: {
        epoch: this.epoch,
        loss: Number.isFinite(this.lastEpochLoss) ? this.lastEpochLoss : null,
        optimalLoss: null,
        gap: null,
        ...geometryScalars(geom),
        nccAccTest,
        ...ce,
      },
      geom,
    };
  }

  isEvalEpoch(e: number): boolean {
    return e === 0 || e % this.spec.evalEvery === 0 || e === this.spec.epochs;
  }

  /** Weights (incl. batch-norm statistics) and optimiser state. */
  async checkpoint(): Promise<DeepCheckpoint> {
    const weights = [...this.model.weights.map((w) => ({ name: w.name, t: w.read() })), ...this.classifier.map((v) => ({ name: v.name, t: v as tf.Tensor }))].map(
      ({ name, t }) => ({ name, shape: t.shape.slice(), data: t.dataSync().slice() as Float32Array }),
    );
    const ow = await this.opt.getWeights();
    const optimizer = ow.map((w) => ({ name: w.name, shape: w.tensor.shape.slice(), data: w.tensor.dataSync().slice() as Float32Array }));
    return { epoch: this.epoch, weights, optimizer };
  }

  async restore(c: DeepCheckpoint): Promise<void> {
    const all = [...this.model.weights.map((w) => ({ name: w.name, set: (t: tf.Tensor) => w.write(t), shape: w.shape })), ...this.classifier.map((v) => ({ name: v.name, set: (t: tf.Tensor) => v.assign(t), shape: v.shape }))];
    if (all.length !== c.weights.length) throw new Error(`checkpoint has ${c.weights.length} weight tensors, the model has ${all.length}`);
    all.forEach((w, i) => {
      const s = c.weights[i];
      if (s.shape.join('x') !== w.shape.join('x')) throw new Error(`checkpoint weight ${s.name} has shape ${s.shape}, the model expects ${w.shape}`);
      w.set(tf.tensor(s.data, s.shape));
    });
    if (c.optimizer.length) {
      const state = c.optimizer.map((w) => ({ name: w.name, tensor: tf.tensor(w.data, w.shape) }));
      await this.opt.setWeights(state);
      tf.dispose(state.map((s) => s.tensor)); // the optimiser's variables keep their own reference
    }
    this.epoch = c.epoch;
  }

  /** Train to spec.epochs from the current epoch. */
  async run(hooks: DeepHooks = {}, onCheckpoint?: (c: DeepCheckpoint) => void): Promise<{ status: 'finished' | 'cancelled'; history: EvalRecord[]; last: ReturnType<DeepTrainer['evaluate']> }> {
    const history: EvalRecord[] = [];
    let last = this.evaluate();
    if (this.isEvalEpoch(this.epoch)) {
      history.push(last.rec);
      hooks.onEval?.(last.rec, last.geom);
    }
    while (this.epoch < this.spec.epochs) {
      if (this.trainEpoch(hooks) === null) return { status: 'cancelled', history, last };
      if (this.isEvalEpoch(this.epoch)) {
        last = this.evaluate();
        history.push(last.rec);
        hooks.onEval?.(last.rec, last.geom);
        if (onCheckpoint) onCheckpoint(await this.checkpoint());
      }
    }
    return { status: 'finished', history, last };
  }

  dispose(): void {
    this.model.dispose?.();
    tf.dispose(this.classifier);
    this.opt.dispose();
  }
}

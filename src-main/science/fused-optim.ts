/**
 * The deep trainer's optimiser step: the finiteness check of the loss and gradients, then the update.
 *
 * On the wasm backend (single-threaded or threaded build) the step is fused: one pass per variable checks every
 * gradient for NaN / Infinity before anything is applied, then one pass per variable applies weight decay and the
 * SGD / momentum / Nesterov / Adam update. The passes are a small WebAssembly SIMD kernel (wasm/fused-optim.wat)
 * instantiated on the backend's own memory (the threaded build's is shared: a shared-memory variant), working on
 * the tensors' heap offsets; the last n % 4 elements, and everything if the kernel does not instantiate, are JS
 * loops over Float32Array views of the heap with the same arithmetic (plain JS with Math.fround measured ~2x
 * slower than tfjs's XNNPACK kernels for Adam, the SIMD kernel ~4x faster; docs/benchmarks.md). tfjs's own
 * optimisers (`tf.train.*`) run ~10 small kernels per variable per step, each allocating its output, plus
 * isFinite / all / cast / concat per variable for the check (~12-15 ms of a 70 ms MLP step; see
 * docs/benchmarks.md).
 *
 * Numerically the fused step is tfjs's: every operation is rounded to float32 in tfjs's order (f32x4 operations;
 * in JS Math.fround after each +, *, /, sqrt, since a float64 result of one such operation on float32 inputs
 * rounds to the correctly rounded float32 result), the scalars are tfjs's float32 scalars, and Adam keeps accBeta1 / accBeta2 as float32 running
 * products as tfjs does (not beta^t in float64). test/compute/fused-optim.test.ts checks bit-identity with
 * tf.train.* on the cpu and wasm backends.
 *
 * State and checkpoints: getWeights / setWeights use tf.train.*'s names, order and shapes ('iter', then
 * `<var>/momentum`, or all `<var>/m` then all `<var>/v`), created lazily on the first step as tfjs does, so a
 * checkpoint of either path resumes on either. One deliberate difference: on restore tfjs sets Adam's
 * accBeta = pow(beta, iter + 1) (float32 pow, which can differ from the running product in the last bit); the
 * fused step recomputes the running product from iter, so a resumed run is bit-for-bit the uninterrupted one.
 *
 * Storage: moment / momentum buffers are updated in place (only this class reads them). The new weights go to a
 * fresh heap buffer that the variable is then assigned, as tfjs's assign does, because the wasm matMul caches
 * XNNPACK operators (with packed weights) by tensor id: an in-place weight update would leave them stale. Heap
 * views are taken after the step's last allocation (an allocation may grow the heap and detach older views); the
 * threaded build's heap is a SharedArrayBuffer, which the views read the same way.
 *
 * Other backends (cpu, tensorflow) keep tfjs's optimisers and tensor check (`TfjsStepOptimizer`); so does wasm
 * with SCL_LAB_FUSED_OPTIM=0 (the documented fallback, e.g. to compare).
 */
import * as tf from '@tensorflow/tfjs';
import { WASM_BASE64, WASM_SHARED_BASE64 } from './wasm/fused-optim-wasm';

/**
 * Deep optimisers, each with only its own fields. weightDecay adds weightDecay * w to every gradient (L2, as
 * PyTorch's SGD does). sgd with momentum 0 is plain SGD; momentum > 0 is heavy ball (or Nesterov).
 */
export type DeepOptimizerSpec =
  | { name: 'sgd'; lr: number; momentum: number; nesterov: boolean; weightDecay: number }
  | { name: 'adam'; lr: number; beta1: number; beta2: number; eps: number; weightDecay: number };

/** A named tensor of an optimiser's state (tfjs's NamedTensor). */
export type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];

/** The tfjs optimiser of a spec (its learning rate is set per epoch by the schedule). */
export function makeDeepOptimizer(o: DeepOptimizerSpec): tf.Optimizer {
  if (o.name === 'adam') return tf.train.adam(o.lr, o.beta1, o.beta2, o.eps);
  return o.momentum > 0 ? tf.train.momentum(o.lr, o.momentum, o.nesterov) : tf.train.sgd(o.lr);
}

/** What the deep trainer needs of an optimiser: check a step, apply it, save and restore its state. */
export interface StepOptimizer {
  /** 'fused-wasm' or 'tfjs' (what runs, for reports and tests). */
  readonly kind: 'fused-wasm' | 'tfjs';
  setLearningRate(lr: number): void;
  /** The loss value and the index of the first variable whose gradient holds NaN / Infinity (-1: none). */
  check(value: tf.Scalar, vars: tf.Variable[], grads: tf.NamedTensorMap): { loss: number; badGrad: number };
  /** One update of every variable with its gradient, weightDecay * w added to the gradient first (L2). */
  apply(vars: tf.Variable[], grads: tf.NamedTensorMap, weightDecay: number): void;
  getWeights(): Promise<NamedTensor[]>;
  setWeights(w: NamedTensor[]): Promise<void>;
  dispose(): void;
}

/** tf.train.* with a tensor finiteness check and one read-back per step (cpu and tensorflow backends). */
export class TfjsStepOptimizer implements StepOptimizer {
  readonly kind = 'tfjs';
  readonly opt: tf.Optimizer;
  constructor(spec: DeepOptimizerSpec) {
    this.opt = makeDeepOptimizer(spec);
  }

  setLearningRate(lr: number): void {
    (this.opt as unknown as { learningRate: number }).learningRate = lr;
    const sgd = this.opt as unknown as { setLearningRate?: (lr: number) => void };
    if (typeof sgd.setLearningRate === 'function') sgd.setLearningRate(lr);
  }

  check(value: tf.Scalar, vars: tf.Variable[], grads: tf.NamedTensorMap): { loss: number; badGrad: number } {
    // one read-back per step: the loss, then 1/0 per variable for "its gradient is all finite"
    const check = tf.tidy(() => tf.concat([tf.reshape(value, [1]), ...vars.map((v) => tf.reshape(tf.cast(tf.all(tf.isFinite(grads[v.name])), 'float32'), [1]))]));
    const flags = check.dataSync();
    check.dispose();
    return { loss: flags[0], badGrad: vars.findIndex((_, i) => flags[i + 1] !== 1) };
  }

  apply(vars: tf.Variable[], grads: tf.NamedTensorMap, weightDecay: number): void {
    const named: tf.NamedTensorMap = {};
    for (const v of vars) {
      const g = grads[v.name];
      named[v.name] = weightDecay > 0 ? tf.tidy(() => tf.add(g, tf.mul(v, weightDecay))) : g;
    }
    this.opt.applyGradients(named);
    if (weightDecay > 0) tf.dispose(Object.values(named));
  }

  getWeights(): Promise<NamedTensor[]> {
    return this.opt.getWeights();
  }

  setWeights(w: NamedTensor[]): Promise<void> {
    return this.opt.setWeights(w);
  }

  dispose(): void {
    this.opt.dispose();
  }
}

/** The slice of tfjs-backend-wasm's BackendWasm used here (see tfjs-backend-wasm/dist/backend_wasm.js). */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  refCount(dataId: object): number;
  getMemoryOffset(dataId: object): number;
  /** The emscripten module: the threaded build exports its (shared) memory, the SIMD build has it in `asm`. */
  wasm: { wasmMemory?: object; asm?: Record<string, unknown> };
}

/** The SIMD kernels of wasm/fused-optim.wat (pointers are byte offsets into the backend's memory, n % 4 = 0). */
interface OptimKernel {
  allFinite(p: number, n: number): number;
  sgd(w: number, g: number, out: number, n: number, c: number, wd: number): void;
  momentum(w: number, g: number, acc: number, out: number, n: number, c: number, wd: number, m: number, nesterov: number): void;
  adam(w: number, g: number, m: number, v: number, out: number, n: number, c: number, wd: number, b1: number, c1: number, b2: number, c2: number, d1: number, d2: number, eps: number): void;
}

/** The slice of the global WebAssembly API used here (the project's lib settings do not declare it). */
interface WasmApi {
  Memory: new (d: { initial: number }) => { buffer: ArrayBufferLike };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

const kernels = new WeakMap<object, OptimKernel>();

/** The SIMD kernels instantiated on the backend's own memory (one instance per memory), or null if not found. */
function kernelFor(b: WasmHeapBackend): OptimKernel | null {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const memory = (b.wasm.wasmMemory ?? Object.values(b.wasm.asm ?? {}).find((v) => v instanceof wasm.Memory)) as { buffer: ArrayBufferLike } | undefined;
  if (!memory) return null;
  let k = kernels.get(memory);
  if (!k) {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    try {
      const mod = new wasm.Module(Buffer.from(shared ? WASM_SHARED_BASE64 : WASM_BASE64, 'base64'));
      k = new wasm.Instance(mod, { env: { memory } }).exports as OptimKernel;
    } catch {
      return null; // the JS loops compute the same numbers, only slower (test/compute/fused-optim.test.ts checks both builds)
    }
    kernels.set(memory, k);
  }
  return k;
}

interface StateVar {
  originalName: string;
  variable: tf.Variable;
}

const f = Math.fround;

/** True when every value is finite: x * 0 is 0 for finite x and NaN for NaN / Infinity. */
export function allFinite(a: Float32Array): boolean {
  let s0 = 0;
  let s1 = 0;
  const n = a.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    s0 += a[i] * 0;
    s1 += a[i + 1] * 0;
  }
  if (i < n) s0 += a[i] * 0;
  return s0 + s1 === 0;
}

/**
 * tf.train.sgd / momentum / adam, fused per variable, on the wasm backend. Construct it only while the wasm
 * backend is active (makeStepOptimizer checks).
 */
export class FusedWasmOptimizer implements StepOptimizer {
  readonly kind = 'fused-wasm';
  private lr: number;
  private iterations = 0;
  /** sgd with momentum: `<var>/momentum`; adam: `<var>/m`, `<var>/v`. Created on the first step, as tfjs does. */
  private first: StateVar[] = [];
  private second: StateVar[] = [];
  /** Adam's running products beta1^(t+1), beta2^(t+1) in float32 (tfjs's accBeta1 / accBeta2). */
  private accBeta1 = 0;
  private accBeta2 = 0;

  /** `simd: false` runs the whole step in JS (the same arithmetic; the SIMD kernel does all but n % 4 otherwise). */
  constructor(
    readonly spec: DeepOptimizerSpec,
    private readonly opts: { simd?: boolean } = {},
  ) {
    this.lr = spec.lr;
    if (spec.name === 'adam') {
      this.accBeta1 = f(spec.beta1);
      this.accBeta2 = f(spec.beta2);
    }
  }

  private backend(): WasmHeapBackend {
    if (tf.getBackend() !== 'wasm') throw new Error(`internal: the fused optimiser runs on the wasm backend, not '${tf.getBackend()}'`);
    return tf.backend() as unknown as WasmHeapBackend;
  }

  /** Whether the SIMD kernel runs (false: JS loops only, asked for or the kernel did not instantiate). */
  usesSimd(): boolean {
    return this.kernel(this.backend()) !== null;
  }

  private kernel(b: WasmHeapBackend): OptimKernel | null {
    return this.opts.simd === false ? null : kernelFor(b);
  }

  private heap(b: WasmHeapBackend, t: tf.TensorInfo): Float32Array {
    if (t.dtype !== 'float32') throw new Error(`internal: the fused optimiser updates float32 tensors, got ${t.dtype}`);
    return b.typedArrayFromHeap(t);
  }

  setLearningRate(lr: number): void {
    this.lr = lr;
  }

  check(value: tf.Scalar, vars: tf.Variable[], grads: tf.NamedTensorMap): { loss: number; badGrad: number } {
    const b = this.backend();
    const k = this.kernel(b);
    const loss = this.heap(b, value)[0];
    const finite = (g: tf.Tensor) => {
      const h = this.heap(b, g);
      if (!k) return allFinite(h);
      const n4 = h.length & ~3;
      return k.allFinite(b.getMemoryOffset(g.dataId), n4) === 1 && allFinite(h.subarray(n4));
    };
    return { loss, badGrad: vars.findIndex((v) => !finite(grads[v.name])) };
  }

  /** A state variable's storage must be its own (setWeights may share a caller's tensor): copy it if not. */
  private own(b: WasmHeapBackend, s: StateVar): void {
    if (b.refCount(s.variable.dataId) <= 1) return;
    const copy = tf.tensor(this.heap(b, s.variable).slice(), s.variable.shape);
    s.variable.assign(copy);
    copy.dispose();
  }

  private ensureState(b: WasmHeapBackend, vars: tf.Variable[]): void {
    const spec = this.spec;
    const zeros = (v: tf.Variable, suffix: string): StateVar => ({ originalName: `${v.name}/${suffix}`, variable: tf.tidy(() => tf.zerosLike(v).variable(false)) });
    vars.forEach((v, i) => {
      if (spec.name === 'adam') {
        this.first[i] ??= zeros(v, 'm');
        this.second[i] ??= zeros(v, 'v');
      } else if (spec.momentum > 0) this.first[i] ??= zeros(v, 'momentum');
    });
    for (const s of [...this.first, ...this.second]) this.own(b, s);
    for (const [i, v] of vars.entries()) {
      for (const s of [this.first[i], this.second[i]]) {
        if (s && s.variable.size !== v.size) throw new Error(`optimiser state ${s.originalName} has ${s.variable.size} values, variable ${v.name} has ${v.size}`);
      }
    }
  }

  apply(vars: tf.Variable[], grads: tf.NamedTensorMap, weightDecay: number): void {
    const b = this.backend();
    this.ensureState(b, vars);
    // every allocation of the step first (new weight buffers), then the heap views
    const outs = vars.map((v) => tf.engine().makeTensorFromTensorInfo(b.makeOutput(v.shape.slice(), 'float32')));
    const wd = f(weightDecay);
    const spec = this.spec;
    const adam =
      spec.name === 'adam'
        ? {
            b1: f(spec.beta1),
            c1: f(1 - spec.beta1),
            b2: f(spec.beta2),
            c2: f(1 - spec.beta2),
            d1: f(1 - this.accBeta1),
            d2: f(1 - this.accBeta2),
            eps: f(spec.eps),
          }
        : null;
    const c = f(-this.lr);
    const k = this.kernel(b);
    const mom = spec.name === 'sgd' && spec.momentum > 0 ? f(spec.momentum) : 0;
    const nesterov = spec.name === 'sgd' && spec.nesterov;
    vars.forEach((v, i) => {
      const g = grads[v.name];
      const s1 = this.first[i]?.variable;
      const s2 = this.second[i]?.variable;
      // the SIMD kernel does the first n4 elements, JS the rest (all of them without the kernel)
      const n4 = k ? v.size & ~3 : 0;
      if (k && n4 > 0) {
        const at = (t: tf.TensorInfo) => b.getMemoryOffset(t.dataId);
        if (adam) k.adam(at(v), at(g), at(s1!), at(s2!), at(outs[i]), n4, c, wd, adam.b1, adam.c1, adam.b2, adam.c2, adam.d1, adam.d2, adam.eps);
        else if (mom > 0) k.momentum(at(v), at(g), at(s1!), at(outs[i]), n4, c, wd, mom, nesterov ? 1 : 0);
        else k.sgd(at(v), at(g), at(outs[i]), n4, c, wd);
      }
      if (n4 === v.size) return;
      const h = (t: tf.TensorInfo) => this.heap(b, t).subarray(n4);
      if (adam) adamStep(h(v), h(g), h(s1!), h(s2!), h(outs[i]), wd, c, adam);
      else if (mom > 0) momentumStep(h(v), h(g), h(s1!), h(outs[i]), wd, c, mom, nesterov);
      else sgdStep(h(v), h(g), h(outs[i]), wd, c);
    });
    vars.forEach((v, i) => {
      v.assign(outs[i]);
      outs[i].dispose();
    });
    if (adam) {
      this.accBeta1 = f(this.accBeta1 * adam.b1);
      this.accBeta2 = f(this.accBeta2 * adam.b2);
    }
    this.iterations++;
  }

  getWeights(): Promise<NamedTensor[]> {
    const iter = { name: 'iter', tensor: tf.scalar(this.iterations, 'int32') };
    return Promise.resolve([iter, ...[...this.first, ...this.second].map((s) => ({ name: s.originalName, tensor: s.variable as tf.Tensor }))]);
  }

  async setWeights(w: NamedTensor[]): Promise<void> {
    if (w.length === 0 || w[0].name !== 'iter') throw new Error(`optimiser state must start with 'iter', got ${w[0]?.name ?? 'nothing'}`);
    const iterations = (await w[0].tensor.data())[0];
    const rest = w.slice(1);
    const spec = this.spec;
    const expected = spec.name === 'adam' ? 'an even number of' : spec.momentum > 0 ? 'one per variable' : 'no';
    if ((spec.name === 'adam' && rest.length % 2 !== 0) || (spec.name === 'sgd' && spec.momentum === 0 && rest.length > 0)) {
      throw new Error(`optimiser state for ${spec.name} must hold ${expected} tensors after 'iter', got ${rest.length}`);
    }
    tf.dispose([...this.first, ...this.second].map((s) => s.variable));
    const state = (t: NamedTensor): StateVar => ({ originalName: t.name, variable: t.tensor.variable(false) });
    const half = spec.name === 'adam' ? rest.length / 2 : rest.length;
    this.first = rest.slice(0, half).map(state);
    this.second = rest.slice(half).map(state);
    this.iterations = iterations;
    if (spec.name === 'adam') {
      // the running products of an uninterrupted run (tfjs's setWeights uses pow, which may differ in the last bit)
      const b1 = f(spec.beta1), b2 = f(spec.beta2);
      this.accBeta1 = b1;
      this.accBeta2 = b2;
      for (let t = 0; t < iterations; t++) {
        this.accBeta1 = f(this.accBeta1 * b1);
        this.accBeta2 = f(this.accBeta2 * b2);
      }
    }
  }

  dispose(): void {
    tf.dispose([...this.first, ...this.second].map((s) => s.variable));
    this.first = [];
    this.second = [];
  }
}

/** w' = w + c g (c = -lr), g with weight decay; tfjs's add(mul(c, g), w). */
function sgdStep(w: Float32Array, g: Float32Array, out: Float32Array, wd: number, c: number): void {
  const n = w.length;
  if (wd === 0) for (let i = 0; i < n; i++) out[i] = f(f(c * g[i]) + w[i]);
  else
    for (let i = 0; i < n; i++) {
      const wi = w[i];
      out[i] = f(f(c * f(g[i] + f(wi * wd))) + wi);
    }
}

/** tf.train.momentum: a' = m a + g; w' = w + c a' or, Nesterov, w + c (g + m a'). */
function momentumStep(w: Float32Array, g: Float32Array, acc: Float32Array, out: Float32Array, wd: number, c: number, m: number, nesterov: boolean): void {
  const n = w.length;
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    const gi = wd === 0 ? g[i] : f(g[i] + f(wi * wd));
    const a = f(f(m * acc[i]) + gi);
    acc[i] = a;
    out[i] = nesterov ? f(f(c * f(gi + f(a * m))) + wi) : f(f(c * a) + wi);
  }
}

interface AdamScalars {
  b1: number;
  c1: number;
  b2: number;
  c2: number;
  /** 1 - accBeta1, 1 - accBeta2 (bias correction of this step). */
  d1: number;
  d2: number;
  eps: number;
}

/** tf.train.adam: m' = b1 m + (1-b1) g, v' = b2 v + (1-b2) g^2, w' = w + c (m'/d1) / (sqrt(v'/d2) + eps). */
function adamStep(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, out: Float32Array, wd: number, c: number, s: AdamScalars): void {
  const { b1, c1, b2, c2, d1, d2, eps } = s;
  const n = w.length;
  for (let i = 0; i < n; i++) {
    const wi = w[i];
    const gi = wd === 0 ? g[i] : f(g[i] + f(wi * wd));
    const mi = f(f(m[i] * b1) + f(gi * c1));
    const vi = f(f(v[i] * b2) + f(f(gi * gi) * c2));
    m[i] = mi;
    v[i] = vi;
    const mh = f(mi / d1);
    const vh = f(vi / d2);
    out[i] = f(f(f(mh / f(f(Math.sqrt(vh)) + eps)) * c) + wi);
  }
}

/**
 * The deep trainer's optimiser: fused on the wasm backend (unless SCL_LAB_FUSED_OPTIM=0 or `fused: false`),
 * tfjs's optimiser elsewhere.
 */
export function makeStepOptimizer(spec: DeepOptimizerSpec, opts: { fused?: boolean } = {}): StepOptimizer {
  const fused = opts.fused ?? (tf.getBackend() === 'wasm' && process.env.SCL_LAB_FUSED_OPTIM !== '0');
  if (fused && tf.getBackend() !== 'wasm') throw new Error(`the fused optimiser needs the wasm backend, not '${tf.getBackend()}'`);
  return fused ? new FusedWasmOptimizer(spec) : new TfjsStepOptimizer(spec);
}

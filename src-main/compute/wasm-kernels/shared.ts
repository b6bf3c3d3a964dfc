/**
 * What every fast wasm kernel uses: the types, the slice of the wasm backend's interface, `Ctx` (runs wasm
 * kernels directly and frees their temporaries) and small TensorInfo utilities.
 */
import type * as tfjs from '@tensorflow/tfjs';

export type TF = typeof import('@tensorflow/tfjs');
export type TensorInfo = tfjs.TensorInfo;
export type DataType = tfjs.DataType;
export type KernelConfig = tfjs.KernelConfig;
export type KernelFunc = KernelConfig['kernelFunc'];
type NamedAttrMap = tfjs.NamedAttrMap;

/** The slice of the wasm backend's interface used here (see tfjs-backend-wasm/dist/backend_wasm.js). */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number | null, values?: unknown): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): unknown;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

export const BACKEND = 'wasm';

/** Runs one kernel with `{inputs, backend, attrs}`, the way tfjs's wasm kernels call each other. */
export class Ctx {
  private readonly temps: TensorInfo[] = [];
  constructor(
    readonly tf: TF,
    readonly backend: WasmBackendLike,
  ) {}

  /** Runs a registered wasm kernel directly; the result is a temporary unless `keep` is set. */
  run(name: string, inputs: Record<string, TensorInfo | undefined>, attrs: object, keep = false): TensorInfo {
    const k = this.tf.getKernel(name, BACKEND);
    if (k == null) throw new Error(`wasm kernel '${name}' is not registered`);
    return this.runConfig(k, inputs, attrs, keep);
  }

  /** Runs a stock kernel config (captured before our override). */
  runConfig(cfg: KernelConfig, inputs: Record<string, TensorInfo | undefined>, attrs: object, keep = false): TensorInfo {
    const res = cfg.kernelFunc({
      inputs: inputs as tfjs.NamedTensorInfoMap,
      backend: this.backend,
      attrs: attrs as unknown as NamedAttrMap,
    });
    const out = Array.isArray(res) ? res[0] : res;
    if (!keep) this.temps.push(out);
    return out;
  }

  /**
   * Marks a temporary (or a view of one) as the result: its storage will not be disposed. Throws if `t` is not
   * owned here (e.g. a view of an input), since returning it would alias storage the kernel does not own.
   */
  keep(t: TensorInfo): TensorInfo {
    const i = this.temps.findIndex((x) => x.dataId === t.dataId);
    if (i < 0) throw new Error('internal: kernel result is not a temporary of this kernel');
    this.temps.splice(i, 1);
    return t;
  }

  /** Drops a temporary the caller has already disposed. */
  forget(t: TensorInfo): void {
    const i = this.temps.indexOf(t);
    if (i >= 0) this.temps.splice(i, 1);
  }

  alloc(shape: number[], dtype: DataType, keep = false): TensorInfo {
    const out = this.backend.makeOutput(shape, dtype);
    if (!keep) this.temps.push(out);
    return out;
  }

  /** A float32 tensor of zeros. */
  zeros(shape: number[], keep = false): TensorInfo {
    const out = this.alloc(shape, 'float32', keep);
    this.backend.typedArrayFromHeap(out).fill(0);
    return out;
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  slice(x: TensorInfo, begin: number[], size: number[]): TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

/** A reshape that shares storage; never dispose a view (dispose its base instead). */
export function view(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

export function prod(xs: readonly number[]): number {
  let p = 1;
  for (const x of xs) p *= x;
  return p;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Swaps the last two axes (explicitly, via the wasm Transpose kernel). */
export function transposeLast2(ctx: Ctx, t: TensorInfo): TensorInfo {
  const r = t.shape.length;
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return ctx.transpose(t, perm);
}

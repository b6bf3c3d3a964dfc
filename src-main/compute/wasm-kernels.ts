/**
 * Fast training kernels for the tfjs wasm backend.
 *
 * Stock `@tensorflow/tfjs-backend-wasm` (4.22, single-threaded SIMD in Node) is fast only on its XNNPACK paths:
 * `BatchMatMul` / `_FusedMatMul` with no transpose flags and batch 1, `Conv2D`, `DepthwiseConv2dNative`, ...
 * Training needs more than that (measured on this project's machine; see bench/kernels.ts):
 *
 *  - `BatchMatMul` / `_FusedMatMul` with transposeA/transposeB (every matMul gradient) run a naive loop (~8-14x
 *    slower), and so does any matMul whose two operands both have batch > 1.
 *  - `Conv2DBackpropFilter` is missing: conv nets cannot train at all.
 *  - `Conv2DBackpropInput` is a naive loop (~9x slower at stride 1).
 *  - `DepthwiseConv2dNativeBackpropInput` / `...Filter` and `UnsortedSegmentSum` (the `tf.gather` gradient)
 *    are missing.
 *  - `Tile` (batch-norm gradient) is an element loop (~130 ms for one [32,32,32,64] tile), and `Sum` / `Mean`
 *    over leading axes (batch-norm statistics and their gradients) transpose first (~30 ms each at that size).
 *
 * `registerFastWasmKernels(tf)` replaces / adds those kernels. Compositions call the registered wasm kernels
 * directly with `{inputs, backend, attrs}`, the way tfjs's own wasm kernels call each other (no engine
 * bookkeeping, no tape); every intermediate is freed with `backend.disposeData`. Reshapes are "views" (same
 * dataId, other shape) and are never disposed themselves. Pure data movement (gathers, scatters, interleaves,
 * column sums) is done in JS on heap views, because the wasm StridedSlice / rank-5 Slice / rank-6 Transpose are
 * element loops (50-250 ms at ResNet sizes) while TypedArray block copies run at memcpy speed. Heap views are
 * always taken after the last allocation that precedes their use (an allocation may grow and detach the heap).
 *
 * Kernels (all NHWC; dilation 1 for the gradients, as tfjs-core's gradient functions themselves require):
 *  - BatchMatMul:  transposes done explicitly by the wasm Transpose kernel, then the stock kernel without flags;
 *                  batch dims folded into M when b is not batched; otherwise one XNNPACK call per batch entry
 *                  (broadcasting batch dims correctly; tfjs's cpu kernel gets [1,3]x[2,1] wrong).
 *  - _FusedMatMul: same transposition / folding; bias, activation and prelu go to the stock fused kernel.
 *  - Conv2DBackpropFilter: implicit im2col, one GEMM per filter tap: dW[i,j] = X_ij^T · dy with X_ij^T [ci, N]
 *                  gathered from x (zeros in the padding) and dy [N, co] the weight operand shared by all taps
 *                  (XNNPACK packs it once); the contraction runs over chunks of images to stay cache-resident.
 *  - Conv2DBackpropInput: polyphase transposed convolution: for stride s, s*s stride-1 Conv2Ds of dy with
 *                  flipped, in/out-swapped sub-filters (taps k = phase mod s), interleaved into dx; stride 1 is a
 *                  single full convolution. No zero-dilated dy, so no 4x wasted work at stride 2. 1x1 filters:
 *                  dy · W^T, then scattered. Explicit pads of any size work (dy is cropped where needed). NCHW
 *                  goes to the stock kernel.
 *  - DepthwiseConv2dNativeBackpropInput: depthwise conv of the zero-dilated dy with the flipped filter, the C*M
 *                  channels treated as multiplier-1 channels, then the M copies summed.
 *  - DepthwiseConv2dNativeBackpropFilter: depthwise conv with the batch folded into channels (x as
 *                  [1, h, w, b*c], dy as the [oh, ow, b*c, m] filter, dilation = stride), summed over the batch.
 *  - UnsortedSegmentSum: JS scatter-add (memory bound; nothing in wasm to compose it from).
 *  - Tile: JS block copies (in-place doubling copyWithin).
 *  - Sum / Mean over a leading block of axes, float32: JS column sum in float64 (~7x faster than stock);
 *                  any other reduction goes to the stock kernel.
 *
 * Not covered (documented because not needed for MLP / small-CNN / ResNet-18 training):
 *  - NCHW convolution gradients: the wasm Conv2D forward itself only supports NHWC (filter gradient throws).
 *  - Dilated (atrous) convolution gradients: tfjs-core's gradients reject dilation > 1 before any kernel runs.
 *  - Depthwise input gradient with explicit pads larger than the filter (throws a clear error).
 *  - Conv3D / Pool3D gradients exist stock (naive loops) and are left alone; both-batched `_FusedMatMul` stays
 *    on the stock (naive) path.
 *
 * `restoreStockWasmKernels(tf)` undoes the registration (the benchmark uses it to compare).
 */
import type * as tfjs from '@tensorflow/tfjs';

type TF = typeof import('@tensorflow/tfjs');
type TensorInfo = tfjs.TensorInfo;
type DataType = tfjs.DataType;
type KernelConfig = tfjs.KernelConfig;
type NamedAttrMap = tfjs.NamedAttrMap;
type Pad = 'valid' | 'same' | number | tfjs.backend_util.ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
type Shape4 = [number, number, number, number];

/** The slice of the wasm backend's interface used here (see tfjs-backend-wasm/dist/backend_wasm.js). */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number | null, values?: unknown): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  readSync(dataId: object): unknown;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

const BACKEND = 'wasm';
/** Marks our kernel functions (idempotency) and carries the stock config they replace (restore). */
const MARK = Symbol.for('scl-geometry-lab.fast-wasm-kernel');

interface MarkedKernelFunc {
  [MARK]?: { original: KernelConfig | null };
}

/** Names of the kernels this module registers, in registration order. */
export const FAST_WASM_KERNEL_NAMES = [
  'BatchMatMul',
  '_FusedMatMul',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'UnsortedSegmentSum',
  'Tile',
  'Sum',
  'Mean',
] as const;

/** Below this many multiply-adds per batch entry, a per-entry XNNPACK loop costs more than the naive kernel. */
const MIN_MACS_PER_BATCH_ENTRY = 64 * 64 * 16;

// ---------------------------------------------------------------------------------------------------------------
// Small helpers over TensorInfos.

class Ctx {
  private readonly temps: TensorInfo[] = [];
  constructor(
    readonly tf: TF,
    readonly backend: WasmBackendLike,
  ) {}

  /** Runs a registered wasm kernel directly; the result is a temporary unless `keep` is set. */
  run(name: string, inputs: Record<string, TensorInfo | undefined>, attrs: object, keep = false): TensorInfo {
    const k = this.tf.getKernel(name, BACKEND);
    if (k == null) throw new Error(`wasm kernel '${name}' is not registered`);
    const res = k.kernelFunc({
      inputs: inputs as tfjs.NamedTensorInfoMap,
      backend: this.backend,
      attrs: attrs as unknown as NamedAttrMap,
    });
    const out = Array.isArray(res) ? res[0] : res;
    if (!keep) this.temps.push(out);
    return out;
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
function view(t: TensorInfo, shape: number[]): TensorInfo {
  return { dataId: t.dataId, shape, dtype: t.dtype };
}

function prod(xs: readonly number[]): number {
  let p = 1;
  for (const x of xs) p *= x;
  return p;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Swaps the last two axes (explicitly, via the wasm Transpose kernel). */
function transposeLast2(ctx: Ctx, t: TensorInfo): TensorInfo {
  const r = t.shape.length;
  const perm = [...Array(r).keys()];
  perm[r - 2] = r - 1;
  perm[r - 1] = r - 2;
  return ctx.transpose(t, perm);
}

/**
 * Zero-dilates an NHWC tensor into a new [b, outH, outW, c] tensor: d[b, i*sh, j*sw, :] = t[b, i, j, :] where that
 * lies inside, zeros elsewhere. Plain block copies (wasm PadV2/StridedSlice of rank 5 are element loops).
 */
function zeroDilate(ctx: Ctx, t: TensorInfo, sh: number, sw: number, outH: number, outW: number): TensorInfo {
  const [b, h, w, c] = t.shape;
  const out = ctx.alloc([b, outH, outW, c], 'float32');
  const dst = ctx.backend.typedArrayFromHeap(out) as Float32Array;
  const src = ctx.backend.typedArrayFromHeap(t) as Float32Array;
  dst.fill(0);
  const rows = Math.min(h, Math.ceil(outH / sh));
  const cols = Math.min(w, Math.ceil(outW / sw));
  for (let n = 0; n < b; n++) {
    for (let i = 0; i < rows; i++) {
      let s0 = ((n * h + i) * w) * c;
      let d0 = ((n * outH + i * sh) * outW) * c;
      if (c >= 16) {
        for (let j = 0; j < cols; j++, s0 += c, d0 += sw * c) dst.set(src.subarray(s0, s0 + c), d0);
      } else {
        for (let j = 0; j < cols; j++, d0 += sw * c) for (let k = 0; k < c; k++) dst[d0 + k] = src[s0++];
      }
    }
  }
  return out;
}

/**
 * One filter tap of an im2col, transposed: a[ci, n] = x[b, r0 + i*sh, c0 + j*sw, ci] with n = (b - b0, i, j) over
 * [b1 - b0, oh, ow], zero where the position falls in the padding.
 */
function gatherTapTransposed(
  ctx: Ctx,
  x: TensorInfo,
  r0: number,
  c0: number,
  sh: number,
  sw: number,
  oh: number,
  ow: number,
  b0: number,
  b1: number,
): TensorInfo {
  const [, h, w, ci] = x.shape;
  const n = (b1 - b0) * oh * ow;
  const out = ctx.alloc([1, ci, n], 'float32');
  const dst = ctx.backend.typedArrayFromHeap(out) as Float32Array;
  const src = ctx.backend.typedArrayFromHeap(x) as Float32Array;
  // Valid output columns: c0 + j*sw in [0, w).
  const j0 = Math.max(0, Math.ceil(-c0 / sw));
  const j1 = Math.min(ow, Math.ceil((w - c0) / sw));
  for (let c = 0; c < ci; c++) {
    let d = c * n;
    for (let b = b0; b < b1; b++) {
      for (let i = 0; i < oh; i++, d += ow) {
        const r = r0 + i * sh;
        if (r < 0 || r >= h || j1 <= j0) {
          dst.fill(0, d, d + ow);
          continue;
        }
        if (j0 > 0) dst.fill(0, d, d + j0);
        if (j1 < ow) dst.fill(0, d + j1, d + ow);
        let sIdx = ((b * h + r) * w + c0 + j0 * sw) * ci + c;
        const step = sw * ci;
        for (let j = j0; j < j1; j++, sIdx += step) dst[d + j] = src[sIdx];
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// BatchMatMul / _FusedMatMul

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/** a·b for 3D operands [batchA, M, K] · [batchB, K, N] with no transposes, via XNNPACK batch-1 calls. */
function matMulNoFlags(ctx: Ctx, stock: KernelConfig, a: TensorInfo, b: TensorInfo, outShape: number[]): TensorInfo {
  const noFlags = { transposeA: false, transposeB: false };
  const aBatchShape = a.shape.slice(0, -2);
  const bBatchShape = b.shape.slice(0, -2);
  const batchA = prod(aBatchShape);
  const batchB = prod(bBatchShape);
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  if (batchA === 1 && batchB === 1) {
    const out = ctx.runConfig(stock, { a: view(a, [1, m, k]), b: view(b, [1, k, n]) }, noFlags, true);
    return view(out, outShape);
  }
  if (batchB === 1) {
    // b is shared: fold a's batch into its rows.
    const out = ctx.runConfig(stock, { a: view(a, [1, batchA * m, k]), b: view(b, [1, k, n]) }, noFlags, true);
    return view(out, outShape);
  }
  // Both batched (with broadcasting): one fast call per output batch entry, copied into place.
  const outBatchShape = outShape.slice(0, -2);
  const outBatch = prod(outBatchShape);
  const out = ctx.alloc(outShape, 'float32', true);
  const rank = outBatchShape.length;
  const padShape = (s: number[]) => [...Array(rank - s.length).fill(1), ...s];
  const aB = padShape(aBatchShape);
  const bB = padShape(bBatchShape);
  const strides = (s: number[]) => {
    const st = new Array<number>(s.length);
    let acc = 1;
    for (let i = s.length - 1; i >= 0; i--) {
      st[i] = s[i] === 1 ? 0 : acc;
      acc *= s[i];
    }
    return st;
  };
  const aSt = strides(aB);
  const bSt = strides(bB);
  // Batch entry `idx` of t as its own [1, rows, cols] tensor (a copy; memoised for broadcast operands).
  const slices = new Map<string, TensorInfo>();
  const sliceOf = (which: 'a' | 'b', t: TensorInfo, idx: number, rows: number, cols: number): TensorInfo => {
    const key = `${which}${idx}`;
    let s = slices.get(key);
    if (s == null) {
      const size = rows * cols;
      s = ctx.alloc([1, rows, cols], 'float32');
      // Heap views are taken after the allocation (which may grow and detach the heap).
      const src = ctx.backend.typedArrayFromHeap(view(t, [prod(t.shape)]));
      ctx.backend.typedArrayFromHeap(s).set(src.subarray(idx * size, (idx + 1) * size));
      slices.set(key, s);
    }
    return s;
  };
  for (let o = 0; o < outBatch; o++) {
    let rem = o;
    let ia = 0;
    let ib = 0;
    for (let d = rank - 1; d >= 0; d--) {
      const i = rem % outBatchShape[d];
      rem = Math.floor(rem / outBatchShape[d]);
      ia += i * aSt[d];
      ib += i * bSt[d];
    }
    const r = ctx.runConfig(stock, { a: sliceOf('a', a, ia, m, k), b: sliceOf('b', b, ib, k, n) }, noFlags, true);
    ctx.backend.typedArrayFromHeap(out).set(ctx.backend.typedArrayFromHeap(view(r, [m * n])), o * m * n);
    ctx.backend.disposeData(r.dataId);
  }
  return out;
}

function makeBatchMatMul(tf: TF, stock: KernelConfig): KernelConfig['kernelFunc'] {
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as MatMulAttrs;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length < 2 || b.shape.length < 2) {
      return stock.kernelFunc(args);
    }
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const k = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
    const kb = transposeB ? b.shape[rb - 1] : b.shape[rb - 2];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    const batchA = prod(a.shape.slice(0, -2));
    const batchB = prod(b.shape.slice(0, -2));
    // b batched: stock loops naively over the batch; we make one XNNPACK call per batch entry.
    const perEntry = batchB > 1 && batchA * batchB > 1;
    if (k !== kb || (!transposeA && !transposeB && !perEntry)) return stock.kernelFunc(args);
    if (perEntry && m * k * n < MIN_MACS_PER_BATCH_ENTRY) return stock.kernelFunc(args);
    const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
    const outShape = [...outBatch, m, n];
    const ctx = new Ctx(tf, args.backend as WasmBackendLike);
    try {
      const a2 = transposeA ? transposeLast2(ctx, a) : a;
      const b2 = transposeB ? transposeLast2(ctx, b) : b;
      return matMulNoFlags(ctx, stock, a2, b2, outShape);
    } finally {
      ctx.dispose();
    }
  };
}

function makeFusedMatMul(tf: TF, stock: KernelConfig): KernelConfig['kernelFunc'] {
  return (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined> & {
      a: TensorInfo;
      b: TensorInfo;
    };
    const attrs = args.attrs as unknown as MatMulAttrs & Record<string, unknown>;
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || a.shape.length !== 3 || b.shape.length !== 3) {
      return stock.kernelFunc(args);
    }
    const { transposeA, transposeB } = attrs;
    const batchA = a.shape[0];
    const batchB = b.shape[0];
    const preluOk = preluActivationWeights == null || preluActivationWeights.shape.length <= 1;
    const foldBatch = batchA > 1 && batchB === 1 && preluOk;
    if (!transposeA && !transposeB && !foldBatch) return stock.kernelFunc(args);
    const ctx = new Ctx(tf, args.backend as WasmBackendLike);
    try {
      let a2 = transposeA ? transposeLast2(ctx, a) : a;
      const b2 = transposeB ? transposeLast2(ctx, b) : b;
      const [, m, k] = a2.shape;
      const n = b2.shape[2];
      if (foldBatch) a2 = view(a2, [1, batchA * m, k]);
      const out = ctx.runConfig(
        stock,
        { a: a2, b: b2, bias, preluActivationWeights },
        { ...attrs, transposeA: false, transposeB: false },
        true,
      );
      return foldBatch ? view(out, [batchA, m, n]) : out;
    } finally {
      ctx.dispose();
    }
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Convolution gradients

interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: Rounding;
  dilations?: number | [number, number];
}

function isOne(d: number | [number, number] | undefined): boolean {
  return d == null || (typeof d === 'number' ? d === 1 : d[0] === 1 && d[1] === 1);
}

function explicitPads(top: number, bottom: number, left: number, right: number): tfjs.backend_util.ExplicitPadding {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/**
 * Shared core of the filter gradients: crops x to the rows/cols that reach the filter, and returns the explicit
 * pads that make a stride-1, dilation-s correlation of x with dy produce exactly KH x KW outputs.
 */
function filterGradGeometry(ctx: Ctx, x: TensorInfo, info: tfjs.backend_util.Conv2DInfo) {
  const { batchSize: bs, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const hUsed = Math.min(h, (oh - 1) * sh + kh - top);
  const wUsed = Math.min(w, (ow - 1) * sw + kw - left);
  if (hUsed <= 0 || wUsed <= 0) return null;
  const xs = hUsed < h || wUsed < w ? ctx.slice(x, [0, 0, 0, 0], [bs, hUsed, wUsed, c]) : x;
  const bottom = kh + (oh - 1) * sh - hUsed - top;
  const right = kw + (ow - 1) * sw - wUsed - left;
  return { xs, hUsed, wUsed, pads: explicitPads(top, bottom, left, right) };
}

/**
 * Filter gradient as one GEMM per filter tap (implicit im2col): dW[i, j] = X_ij^T · dy, where
 * X_ij^T [ci, N] (N = b*oh*ow) is gathered from x at rows oh*s - pt + i, cols ow*s - pl + j (zeros in the padding)
 * and dy [N, co] is the same GEMM weight operand for every tap, so XNNPACK packs it once (its operator cache is
 * keyed by the weight tensor). Measured against the alternative (Conv2D of x^T [ci,h,w,b] with dy^T [oh,ow,b,co]
 * as a dilated filter): equal or faster at every ResNet-18 shape, 3x faster for the 3-channel stem, 1.6x for
 * 56x56x64.
 */
function filterGradGemm(ctx: Ctx, x: TensorInfo, dy: TensorInfo, info: tfjs.backend_util.Conv2DInfo): TensorInfo {
  const { batchSize: bs, inChannels: ci, outChannels: co } = info;
  const { outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const perImage = oh * ow;
  // The contraction runs over chunks of whole images (~GEMM_CHUNK_ROWS rows), which keeps XNNPACK's GEMM panels
  // cache-resident (1.1-1.6x faster for wide layers); with few input channels the GEMM is tiny and per-chunk
  // overhead dominates, so the whole batch is one chunk.
  const imgsPerChunk =
    ci <= SMALL_IN_CHANNELS ? bs : Math.max(1, Math.min(bs, Math.round(GEMM_CHUNK_ROWS / perImage)));
  const out = ctx.alloc([kh, kw, ci, co], 'float32', true);
  try {
    for (let b0 = 0; b0 < bs; b0 += imgsPerChunk) {
      const b1 = Math.min(bs, b0 + imgsPerChunk);
      const rows = (b1 - b0) * perImage;
      let dyc: TensorInfo;
      if (b0 === 0 && b1 === bs) {
        dyc = view(dy, [1, rows, co]);
      } else {
        // Own tensor for the chunk: it is the GEMM weight operand shared by all taps (packed once).
        dyc = ctx.alloc([1, rows, co], 'float32');
        ctx.backend
          .typedArrayFromHeap(dyc)
          .set((ctx.backend.typedArrayFromHeap(dy) as Float32Array).subarray(b0 * perImage * co, b1 * perImage * co));
      }
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const a = gatherTapTransposed(ctx, x, i - top, j - left, sh, sw, oh, ow, b0, b1);
          const r = ctx.run('BatchMatMul', { a, b: dyc }, { transposeA: false, transposeB: false });
          const dst = (ctx.backend.typedArrayFromHeap(out) as Float32Array).subarray((i * kw + j) * ci * co);
          const val = ctx.backend.typedArrayFromHeap(r) as Float32Array;
          if (b0 === 0) dst.set(val);
          else for (let k = 0; k < ci * co; k++) dst[k] += val[k];
          ctx.backend.disposeData(a.dataId);
          ctx.backend.disposeData(r.dataId);
          ctx.forget(a);
          ctx.forget(r);
        }
      }
      ctx.dispose(); // the chunk's dy copy (drops its cached XNNPACK operator)
    }
  } catch (e) {
    ctx.backend.disposeData(out.dataId);
    throw e;
  }
  return out;
}

/** Target contraction length per GEMM in the filter gradient (rows of dy per chunk). */
const GEMM_CHUNK_ROWS = 1024;
/** Up to this many input channels the filter-gradient GEMMs use the whole batch as one chunk. */
const SMALL_IN_CHANNELS = 16;

function makeConv2DBackpropFilter(tf: TF): KernelConfig['kernelFunc'] {
  return (args) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: Shape4 };
    if (attrs.dataFormat === 'NCHW') {
      throw new Error('Conv2DBackpropFilter on wasm supports only NHWC (as does the wasm Conv2D forward).');
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as Shape4,
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const { batchSize: bs, outChannels: co, outHeight: oh, outWidth: ow } = info;
    if (!sameShape(dy.shape, [bs, oh, ow, co])) {
      throw new Error(`Conv2DBackpropFilter: dy shape ${dy.shape} does not match conv output ${[bs, oh, ow, co]}`);
    }
    const ctx = new Ctx(tf, args.backend as WasmBackendLike);
    try {
      return filterGradGemm(ctx, x, dy, info);
    } finally {
      ctx.dispose();
    }
  };
}

/**
 * One output phase of a strided transposed convolution, along one spatial dimension.
 *
 * dx[h] = sum_{o,k: o*s + k = h + p} dy[o] W[k]. The rows h = r, r+s, r+2s, ... (Q of them) only see the taps
 * k = phi, phi+s, ... with phi = (r + p) mod s, and for q' = 0..Q-1 (h = q'*s + r) read dy[qmin + q' - j] against
 * W[phi + j*s], qmin = (r + p - phi) / s: a stride-1 correlation of dy with the flipped sub-filter, padded by
 * `before` / `after` (negative means: crop that many dy rows first).
 */
interface Phase {
  r: number; // first dx row of this phase
  q: number; // number of dx rows in this phase
  taps: number[]; // filter indices, in correlation (flipped) order
  before: number;
  after: number;
}

function phases(inSize: number, outSize: number, k: number, s: number, p: number): Phase[] {
  const out: Phase[] = [];
  for (let r = 0; r < Math.min(s, inSize); r++) {
    const q = Math.ceil((inSize - r) / s);
    const phi = (((r + p) % s) + s) % s;
    const taps: number[] = [];
    for (let t = phi; t < k; t += s) taps.unshift(t);
    const qmin = (r + p - phi) / s;
    const before = taps.length - 1 - qmin;
    const after = q + taps.length - 1 - outSize - before;
    out.push({ r, q, taps, before, after });
  }
  return out;
}

/** Sub-filter for one phase: sub[i, j, co, ci] = W[tapsH[i], tapsW[j], ci, co] (flipped taps, channels swapped). */
function subFilter(ctx: Ctx, filter: TensorInfo, tapsH: number[], tapsW: number[]): TensorInfo {
  const [, kw, ci, co] = filter.shape;
  const out = ctx.alloc([tapsH.length, tapsW.length, co, ci], 'float32');
  const dst = ctx.backend.typedArrayFromHeap(out) as Float32Array;
  const src = ctx.backend.typedArrayFromHeap(filter) as Float32Array;
  let o = 0;
  for (const th of tapsH) {
    for (const tw of tapsW) {
      const base = (th * kw + tw) * ci * co;
      for (let c = 0; c < ci; c++) {
        const row = base + c * co;
        for (let d = 0; d < co; d++) dst[o + d * ci + c] = src[row + d];
      }
      o += ci * co;
    }
  }
  return out;
}

function makeConv2DBackpropInput(tf: TF, stock: KernelConfig): KernelConfig['kernelFunc'] {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: Shape4 };
    if (attrs.dataFormat === 'NCHW' || dy.dtype !== 'float32' || filter.dtype !== 'float32') {
      return stock.kernelFunc(args);
    }
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape as Shape4,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      false,
      'channelsLast',
    );
    const { batchSize: bs, inHeight: h, inWidth: w, inChannels: ci, outChannels: co } = info;
    const { outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const { top, left } = info.padInfo;
    if (!sameShape(dy.shape, [bs, oh, ow, co])) return stock.kernelFunc(args);
    const backend = args.backend as WasmBackendLike;
    const ctx = new Ctx(tf, backend);
    try {
      if (kh === 1 && kw === 1 && top === 0 && left === 0) {
        // 1x1: dx at the sampled positions is dy · W^T; zero elsewhere.
        const wT = ctx.transpose(view(filter, [ci, co]), [1, 0]);
        const g = ctx.run(
          'BatchMatMul',
          { a: view(dy, [1, bs * oh * ow, co]), b: view(wT, [1, co, ci]) },
          { transposeA: false, transposeB: false },
        );
        const g4 = view(g, [bs, oh, ow, ci]);
        if (sh === 1 && sw === 1 && oh === h && ow === w) return ctx.keep(g4);
        return ctx.keep(zeroDilate(ctx, g4, sh, sw, h, w));
      }
      // Polyphase: one stride-1 Conv2D per (row, col) phase with a flipped sub-filter, results interleaved.
      // With stride 1 there is a single phase: the classic full convolution with the flipped filter.
      const single = sh === 1 && sw === 1;
      const rowPhases = phases(h, oh, kh, sh, top);
      const colPhases = phases(w, ow, kw, sw, left);
      const work: Array<{ ph: Phase; pw: Phase; crop: [number, number, number, number] }> = [];
      for (const ph of rowPhases) {
        for (const pw of colPhases) {
          // Crop dy where the phase needs negative padding: [top, bottom, left, right].
          const crop: [number, number, number, number] = [
            Math.max(0, -ph.before),
            Math.max(0, -ph.after),
            Math.max(0, -pw.before),
            Math.max(0, -pw.after),
          ];
          const rows = oh - crop[0] - crop[1];
          const cols = ow - crop[2] - crop[3];
          if (ph.taps.length > 0 && pw.taps.length > 0 && rows > 0 && cols > 0) work.push({ ph, pw, crop });
        }
      }
      const complete = work.length === rowPhases.length * colPhases.length;
      if (work.length === 0 || (single && !complete)) {
        // No output position reaches the input (only possible with explicit pads): dx = 0.
        const z = ctx.alloc([bs, h, w, ci], 'float32', true);
        backend.typedArrayFromHeap(z).fill(0);
        return z;
      }
      const dx = single ? null : ctx.alloc([bs, h, w, ci], 'float32', true);
      if (dx != null && !complete) backend.typedArrayFromHeap(dx).fill(0); // phases without taps stay zero
      try {
        for (const { ph, pw, crop } of work) {
          const [ct, cb, cl, cr] = crop;
          const src = ct + cb + cl + cr > 0 ? ctx.slice(dy, [0, ct, cl, 0], [bs, oh - ct - cb, ow - cl - cr, co]) : dy;
          const sub = subFilter(ctx, filter, ph.taps, pw.taps);
          const part = ctx.run(
            'Conv2D',
            { x: src, filter: sub },
            {
              strides: [1, 1],
              pad: explicitPads(
                Math.max(0, ph.before),
                Math.max(0, ph.after),
                Math.max(0, pw.before),
                Math.max(0, pw.after),
              ),
              dataFormat: 'NHWC',
              dilations: [1, 1],
              dimRoundingMode: undefined,
            },
            single,
          );
          if (!sameShape(part.shape, [bs, ph.q, pw.q, ci])) {
            throw new Error(`Conv2DBackpropInput: internal shape ${part.shape} != ${[bs, ph.q, pw.q, ci]}`);
          }
          if (dx == null) return part;
          // Interleave: dx[b, ph.r + i*sh, pw.r + j*sw, :] = part[b, i, j, :]. Heap views are taken after all
          // allocations of this phase (an allocation may grow and detach the heap).
          const dst = backend.typedArrayFromHeap(dx);
          const val = backend.typedArrayFromHeap(part);
          const step = sw * ci;
          let o = 0;
          for (let b = 0; b < bs; b++) {
            for (let i = 0; i < ph.q; i++) {
              let d = ((b * h + ph.r + i * sh) * w + pw.r) * ci;
              if (ci >= 16) {
                for (let j = 0; j < pw.q; j++, o += ci, d += step) dst.set(val.subarray(o, o + ci), d);
              } else {
                for (let j = 0; j < pw.q; j++, d += step) for (let c = 0; c < ci; c++) dst[d + c] = val[o++];
              }
            }
          }
          ctx.dispose(); // free this phase's crop / sub-filter / result before the next phase
        }
      } catch (e) {
        if (dx != null) backend.disposeData(dx.dataId);
        throw e;
      }
      return dx!;
    } finally {
      ctx.dispose();
    }
  };
}

function makeDepthwiseBackpropInput(tf: TF): KernelConfig['kernelFunc'] {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: Shape4 };
    if (!isOne(attrs.dilations)) {
      throw new Error('DepthwiseConv2dNativeBackpropInput on wasm: dilations > 1 are not supported.');
    }
    if (attrs.dataFormat === 'NCHW') {
      throw new Error('DepthwiseConv2dNativeBackpropInput on wasm supports only NHWC.');
    }
    const info = tf.backend_util.computeConv2DInfo(
      attrs.inputShape,
      filter.shape as Shape4,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      true,
      'channelsLast',
    );
    const { batchSize: bs, inHeight: h, inWidth: w, inChannels: c, outChannels: cm } = info;
    const { outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const mult = cm / c;
    const { top, left } = info.padInfo;
    const pt = kh - 1 - top;
    const pl = kw - 1 - left;
    if (pt < 0 || pl < 0 || h + kh - 1 - pt < (oh - 1) * sh + 1 || w + kw - 1 - pl < (ow - 1) * sw + 1) {
      throw new Error('DepthwiseConv2dNativeBackpropInput on wasm: padding larger than the filter is not supported.');
    }
    const ctx = new Ctx(tf, args.backend as WasmBackendLike);
    try {
      // Each of the C*M output channels is its own multiplier-1 channel; flip the filter spatially.
      const flipped = ctx.run('Reverse', { x: filter }, { dims: [0, 1] });
      const d = sh === 1 && sw === 1 ? null : zeroDilate(ctx, dy, sh, sw, (oh - 1) * sh + 1, (ow - 1) * sw + 1);
      const dh = (oh - 1) * sh + 1;
      const dw = (ow - 1) * sw + 1;
      const r = ctx.run(
        'DepthwiseConv2dNative',
        { x: d ?? dy, filter: view(flipped, [kh, kw, cm, 1]) },
        {
          strides: [1, 1],
          pad: explicitPads(pt, h + kh - 1 - pt - dh, pl, w + kw - 1 - pl - dw),
          dilations: [1, 1],
          dimRoundingMode: undefined,
        },
      ); // [b, h, w, c*m]
      if (mult === 1) return ctx.keep(r);
      return ctx.run('Sum', { x: view(r, [bs, h, w, c, mult]) }, { axis: [4], keepDims: false }, true);
    } finally {
      ctx.dispose();
    }
  };
}

function makeDepthwiseBackpropFilter(tf: TF): KernelConfig['kernelFunc'] {
  return (args) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: Shape4 };
    if (!isOne(attrs.dilations)) {
      throw new Error('DepthwiseConv2dNativeBackpropFilter on wasm: dilations > 1 are not supported.');
    }
    if (attrs.dataFormat === 'NCHW') {
      throw new Error('DepthwiseConv2dNativeBackpropFilter on wasm supports only NHWC.');
    }
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as Shape4,
      attrs.filterShape,
      attrs.strides,
      1,
      attrs.pad,
      attrs.dimRoundingMode,
      true,
      'channelsLast',
    );
    const { batchSize: bs, inChannels: c, outChannels: cm, outHeight: oh, outWidth: ow } = info;
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const mult = cm / c;
    const backend = args.backend as WasmBackendLike;
    const ctx = new Ctx(tf, backend);
    try {
      const geo = filterGradGeometry(ctx, x, info);
      if (geo == null) {
        const z = ctx.alloc([kh, kw, c, mult], 'float32', true);
        backend.typedArrayFromHeap(z).fill(0);
        return z;
      }
      // Fold the batch into channels: x -> [1, hU, wU, (b, c)], dy -> filter [oh, ow, (b, c), m].
      const xT = ctx.transpose(geo.xs, [1, 2, 0, 3]);
      const dyT = ctx.transpose(dy, [1, 2, 0, 3]);
      const r = ctx.run(
        'DepthwiseConv2dNative',
        { x: view(xT, [1, geo.hUsed, geo.wUsed, bs * c]), filter: view(dyT, [oh, ow, bs * c, mult]) },
        { strides: [1, 1], pad: geo.pads, dilations: [sh, sw], dimRoundingMode: undefined },
      ); // [1, kh, kw, (b, c, m)]
      const s = ctx.run('Sum', { x: view(r, [kh, kw, bs, c * mult]) }, { axis: [2], keepDims: false }, true);
      return view(s, [kh, kw, c, mult]);
    } finally {
      ctx.dispose();
    }
  };
}

// ---------------------------------------------------------------------------------------------------------------
// UnsortedSegmentSum (gradient of tf.gather)

function makeUnsortedSegmentSum(): KernelConfig['kernelFunc'] {
  return (args) => {
    const { x, segmentIds } = args.inputs as { x: TensorInfo; segmentIds: TensorInfo };
    const { numSegments } = args.attrs as unknown as { numSegments: number };
    const backend = args.backend as WasmBackendLike;
    const idRank = segmentIds.shape.length;
    const nIds = prod(segmentIds.shape);
    const inner = prod(x.shape.slice(idRank));
    if (prod(x.shape.slice(0, idRank)) !== nIds) {
      throw new Error(`UnsortedSegmentSum: segmentIds shape ${segmentIds.shape} is not a prefix of ${x.shape}`);
    }
    const outShape = [numSegments, ...x.shape.slice(idRank)];
    const dtype = x.dtype === 'int32' ? 'int32' : 'float32';
    // Read before allocating: allocation can grow (and detach) the wasm heap.
    const xs = backend.readSync(x.dataId) as Float32Array | Int32Array;
    const ids = backend.readSync(segmentIds.dataId) as Int32Array | Float32Array;
    const acc = dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
    for (let i = 0; i < nIds; i++) {
      const s = ids[i];
      if (s < 0 || s >= numSegments) continue; // tf semantics: out-of-range ids are dropped
      const o = s * inner;
      const src = i * inner;
      for (let j = 0; j < inner; j++) acc[o + j] += xs[src + j];
    }
    return backend.makeOutput(outShape, dtype, undefined, acc);
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Tile, and Sum / Mean over leading axes (the batch-norm statistics and their gradients)

/**
 * Tile by block copies: expands in place from the innermost axis out, each block replicated by doubling
 * copyWithin (memmove). Stock wasm Tile is an element-wise loop (~130 ms for a 2M-element batch-norm tile).
 */
function makeTile(stock: KernelConfig): KernelConfig['kernelFunc'] {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { reps } = args.attrs as unknown as { reps: number[] };
    if (x.dtype === 'string' || x.dtype === 'complex64' || reps.length !== x.shape.length) return stock.kernelFunc(args);
    const backend = args.backend as WasmBackendLike;
    const outShape = x.shape.map((d, i) => d * reps[i]);
    const out = backend.makeOutput(outShape, x.dtype);
    const total = prod(outShape);
    if (total === 0) return out;
    const dst = backend.typedArrayFromHeap(out);
    dst.set(backend.typedArrayFromHeap(x));
    const cur = [...x.shape];
    for (let d = cur.length - 1; d >= 0; d--) {
      const r = reps[d];
      if (r === 1) continue;
      const block = prod(cur.slice(d));
      const outer = prod(cur.slice(0, d));
      // Blocks move to higher offsets: go from the last one down so that unread blocks are never overwritten.
      for (let o = outer - 1; o >= 0; o--) {
        const start = o * block * r;
        if (block === 1) {
          dst.fill(dst[o], start, start + r);
          continue;
        }
        if (start !== o * block) dst.copyWithin(start, o * block, (o + 1) * block);
        let filled = block;
        while (filled < block * r) {
          const n = Math.min(filled, block * r - filled);
          dst.copyWithin(start + filled, start, start + n);
          filled += n;
        }
      }
      cur[d] *= r;
    }
    return out;
  };
}

/**
 * Sum or mean over a leading block of axes [0, r) of a float32 tensor (the batch-norm statistics and the
 * gradients of broadcast per-channel ops), as a column sum over x viewed as [N, C], accumulated in float64.
 * Stock wasm first transposes the reduced axes innermost (~30 ms for [32,32,32,64]; this is ~3.5 ms; an XNNPACK
 * ones·x GEMV would be ~9 ms because x has to be packed as weights). Other reductions go to the stock kernel.
 */
function makeLeadingReduce(tf: TF, stock: KernelConfig, isMean: boolean): KernelConfig['kernelFunc'] {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as { axis: number | number[]; keepDims: boolean };
    if (x.dtype !== 'float32' || x.shape.length < 2) return stock.kernelFunc(args);
    const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
    const r = axes.length;
    if (r === 0 || r === x.shape.length || axes.some((a, i) => a !== i)) return stock.kernelFunc(args);
    const n = prod(x.shape.slice(0, r));
    const c = prod(x.shape.slice(r));
    if (n <= 1 || c < 4) return stock.kernelFunc(args);
    const backend = args.backend as WasmBackendLike;
    const rest = x.shape.slice(r);
    const out = backend.makeOutput(keepDims ? [...Array<number>(r).fill(1), ...rest] : rest, 'float32');
    const src = backend.typedArrayFromHeap(x) as Float32Array;
    const acc = new Float64Array(c);
    for (let i = 0, o = 0; i < n; i++, o += c) {
      for (let j = 0; j < c; j++) acc[j] += src[o + j];
    }
    const dst = backend.typedArrayFromHeap(out) as Float32Array;
    const scale = isMean ? 1 / n : 1;
    for (let j = 0; j < c; j++) dst[j] = acc[j] * scale;
    return out;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Registration

function mark(fn: KernelConfig['kernelFunc'], original: KernelConfig | null): KernelConfig['kernelFunc'] {
  (fn as unknown as MarkedKernelFunc)[MARK] = { original };
  return fn;
}

function isOurs(cfg: KernelConfig | undefined): boolean {
  return cfg != null && (cfg.kernelFunc as unknown as MarkedKernelFunc)[MARK] != null;
}

/**
 * Registers the fast wasm kernels (idempotent). Requires `@tensorflow/tfjs-backend-wasm` to have been imported
 * (its kernels must be in the registry); the wasm backend need not be active yet.
 */
export function registerFastWasmKernels(tf: TF): void {
  const stock = (name: string): KernelConfig => {
    const cfg = tf.getKernel(name, BACKEND);
    if (cfg == null) {
      throw new Error(
        `registerFastWasmKernels: wasm kernel '${name}' not found; import '@tensorflow/tfjs-backend-wasm' first.`,
      );
    }
    return cfg;
  };
  // Overrides keep the stock setupFunc/disposeFunc: the stock kernelFunc we delegate to needs its setup.
  const override = (name: string, make: (orig: KernelConfig) => KernelConfig['kernelFunc']): void => {
    const orig = stock(name);
    if (isOurs(orig)) return;
    tf.unregisterKernel(name, BACKEND);
    tf.registerKernel({ ...orig, kernelFunc: mark(make(orig), orig) });
  };
  // Added kernels: only when stock has none (a future tfjs may ship one; then we keep the stock kernel).
  const add = (name: string, fn: () => KernelConfig['kernelFunc']): void => {
    const existing = tf.getKernel(name, BACKEND);
    if (existing != null) return;
    tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc: mark(fn(), null) });
  };
  stock('Conv2D'); // fail early and clearly if the wasm backend is not loaded
  override('BatchMatMul', (orig) => makeBatchMatMul(tf, orig));
  override('_FusedMatMul', (orig) => makeFusedMatMul(tf, orig));
  add('Conv2DBackpropFilter', () => makeConv2DBackpropFilter(tf));
  override('Conv2DBackpropInput', (orig) => makeConv2DBackpropInput(tf, orig));
  add('DepthwiseConv2dNativeBackpropInput', () => makeDepthwiseBackpropInput(tf));
  add('DepthwiseConv2dNativeBackpropFilter', () => makeDepthwiseBackpropFilter(tf));
  add('UnsortedSegmentSum', () => makeUnsortedSegmentSum());
  override('Tile', (orig) => makeTile(orig));
  override('Sum', (orig) => makeLeadingReduce(tf, orig, false));
  override('Mean', (orig) => makeLeadingReduce(tf, orig, true));
}

/** True when `name` on wasm is currently one of ours. */
export function isFastWasmKernel(tf: TF, name: string): boolean {
  return isOurs(tf.getKernel(name, BACKEND));
}

/**
 * Undoes `registerFastWasmKernels` (for all kernels, or only the given ones): restores the stock kernels and
 * removes the added ones.
 */
export function restoreStockWasmKernels(tf: TF, names: readonly string[] = FAST_WASM_KERNEL_NAMES): void {
  for (const name of names) {
    const cfg = tf.getKernel(name, BACKEND);
    if (!isOurs(cfg)) continue;
    const original = (cfg!.kernelFunc as unknown as MarkedKernelFunc)[MARK]!.original;
    tf.unregisterKernel(name, BACKEND);
    if (original != null) tf.registerKernel(original);
  }
}

/**
 * BatchMatMul / _FusedMatMul: transposes done explicitly by the wasm Transpose kernel, then the stock kernel
 * without flags (its XNNPACK path); batch dims folded into M when b is not batched; otherwise one XNNPACK call per
 * batch entry.
 */
import { Ctx, prod, transposeLast2, view } from './shared';
import type { KernelConfig, KernelFunc, TensorInfo, TF, WasmBackendLike } from './shared';

/** Below this many multiply-adds per batch entry, a per-entry XNNPACK loop costs more than the naive kernel. */
const MIN_MACS_PER_BATCH_ENTRY = 64 * 64 * 16;

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

export function makeBatchMatMul(tf: TF, stock: KernelConfig): KernelFunc {
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

export function makeFusedMatMul(tf: TF, stock: KernelConfig): KernelFunc {
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

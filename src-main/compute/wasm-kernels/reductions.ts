/**
 * Plain-JS kernels over heap views (memory bound; nothing in wasm to compose them from, or stock is an element
 * loop): UnsortedSegmentSum (the tf.gather gradient), Tile, and float32 Sum / Mean over a leading block of axes
 * (the batch-norm statistics and their gradients).
 */
import { prod } from './shared';
import type { KernelConfig, KernelFunc, TensorInfo, TF, WasmBackendLike } from './shared';

// ---------------------------------------------------------------------------------------------------------------
// UnsortedSegmentSum (gradient of tf.gather)

export function makeUnsortedSegmentSum(): KernelFunc {
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
export function makeTile(stock: KernelConfig): KernelFunc {
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
export function makeLeadingReduce(tf: TF, stock: KernelConfig, isMean: boolean): KernelFunc {
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

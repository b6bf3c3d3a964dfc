/**
 * 2-D pooling gradients (NHWC, float32) in plain JS on heap views. Stock wasm MaxPoolGrad / AvgPoolGrad are naive
 * loops over every dx position and every window that could contain it (~76 ms for the small CNN's
 * [128,32,32,32] max-pool gradient); these are one pass over the windows, memory bound.
 *
 *  - MaxPoolGrad: for each output window, dy goes to the window's argmax with tfjs's tie-breaking (the first
 *    position, row-major over the window's in-bounds part, whose value is strictly greater than every earlier
 *    one; a window of only NaN / -Infinity routes nowhere), added up where windows overlap: the same as the cpu
 *    backend's maxPoolGrad (which recomputes the argmax positions from x the same way).
 *  - AvgPoolGrad: dy / (filterHeight * filterWidth) added to every in-bounds position of its window (tfjs divides
 *    by the full filter size, padding included, as the cpu backend does).
 *
 * Anything else (another dtype or rank) goes to the stock kernel. Pads 'same' / 'valid' / a number / explicit,
 * any strides and filter sizes, and dimRoundingMode are handled by tfjs's own computePool2DInfo.
 */
import type * as tfjs from '@tensorflow/tfjs';
import { sameShape } from './shared';
import type { KernelConfig, KernelFunc, TensorInfo, TF, WasmBackendLike } from './shared';

type Pool2DInfo = tfjs.backend_util.Conv2DInfo;

interface PoolAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tfjs.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The geometry of one pooling gradient, or null when it is not ours (the stock kernel handles it). */
function poolInfo(tf: TF, input: TensorInfo, dy: TensorInfo, attrs: PoolAttrs, rounding: boolean): Pool2DInfo | null {
  if (input.dtype !== 'float32' || dy.dtype !== 'float32' || input.shape.length !== 4) return null;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    rounding ? attrs.dimRoundingMode : undefined,
  );
  return sameShape(dy.shape, info.outShape) ? info : null;
}

/** 2x2 windows at stride 2 that tile the input exactly (the usual CNN pooling): every dx element is in one window. */
function isTiling2x2(info: Pool2DInfo): boolean {
  const { filterHeight: fh, filterWidth: fw, strideHeight: sh, strideWidth: sw, padInfo } = info;
  return (
    fh === 2 && fw === 2 && sh === 2 && sw === 2 && padInfo.top === 0 && padInfo.left === 0 &&
    info.inHeight === 2 * info.outHeight && info.inWidth === 2 * info.outWidth
  );
}

/**
 * MaxPoolGrad for isTiling2x2: writes all four dx elements of each window (dy at the argmax, zeros elsewhere), so
 * no separate zero fill and no scratch arrays. Same tie-breaking: positions in row-major order, strictly greater.
 */
function maxPoolGrad2x2(info: Pool2DInfo, xs: Float32Array, g: Float32Array, out: Float32Array): void {
  const { batchSize, outHeight: oh, outWidth: ow, inChannels: c, inWidth: w } = info;
  const rowStride = w * c;
  let dyi = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let yr = 0; yr < oh; yr++) {
      let p = (b * 2 * oh + 2 * yr) * rowStride;
      for (let yc = 0; yc < ow; yc++, p += 2 * c) {
        const end = p + c;
        for (let i = p; i < end; i++, dyi++) {
          const a = xs[i];
          const bb = xs[i + c];
          const cc = xs[i + rowStride];
          const dd = xs[i + rowStride + c];
          // k = index of the winner (0..3), -1 if none (all NaN / -Infinity)
          let k = -1;
          let m = -Infinity;
          if (a > m) { m = a; k = 0; }
          if (bb > m) { m = bb; k = 1; }
          if (cc > m) { m = cc; k = 2; }
          if (dd > m) k = 3;
          const v = g[dyi];
          out[i] = k === 0 ? v : 0;
          out[i + c] = k === 1 ? v : 0;
          out[i + rowStride] = k === 2 ? v : 0;
          out[i + rowStride + c] = k === 3 ? v : 0;
        }
      }
    }
  }
}

export function makeMaxPoolGrad(tf: TF, stock: KernelConfig): KernelFunc {
  return (args) => {
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    const info = poolInfo(tf, input, dy, args.attrs as unknown as PoolAttrs, true);
    if (info == null) return stock.kernelFunc(args);
    const backend = args.backend as WasmBackendLike;
    const dx = backend.makeOutput(input.shape, 'float32');
    // Heap views after the last allocation (an allocation may grow and detach the heap).
    const xs = backend.typedArrayFromHeap(input) as Float32Array;
    const g = backend.typedArrayFromHeap(dy) as Float32Array;
    const out = backend.typedArrayFromHeap(dx) as Float32Array;
    if (isTiling2x2(info)) {
      maxPoolGrad2x2(info, xs, g, out);
      return dx;
    }
    out.fill(0);
    const { batchSize, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, inChannels: c } = info;
    const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
    const { top, left } = info.padInfo;
    const best = new Float32Array(c);
    const arg = new Int32Array(c);
    let dyBase = 0;
    for (let b = 0; b < batchSize; b++) {
      for (let yr = 0; yr < oh; yr++) {
        const r0 = Math.max(0, yr * sh - top);
        const r1 = Math.min(h, yr * sh - top + fh);
        for (let yc = 0; yc < ow; yc++, dyBase += c) {
          const c0 = Math.max(0, yc * sw - left);
          const c1 = Math.min(w, yc * sw - left + fw);
          // Channels innermost (contiguous in NHWC): the running max and argmax per channel live in scratch arrays.
          let first = true;
          for (let r = r0; r < r1; r++) {
            const end = ((b * h + r) * w + c1) * c;
            for (let p = ((b * h + r) * w + c0) * c; p < end; p += c) {
              if (first) {
                first = false;
                for (let d = 0; d < c; d++) {
                  const v = xs[p + d];
                  // NaN and -Infinity never win (tfjs: pixel > maxValue, starting from -Infinity)
                  if (v > -Infinity) {
                    best[d] = v;
                    arg[d] = p + d;
                  } else {
                    best[d] = -Infinity;
                    arg[d] = -1;
                  }
                }
                continue;
              }
              for (let d = 0; d < c; d++) {
                const v = xs[p + d];
                if (v > best[d]) {
                  best[d] = v;
                  arg[d] = p + d;
                }
              }
            }
          }
          if (first) continue; // a window entirely in the padding
          for (let d = 0; d < c; d++) {
            const a = arg[d];
            if (a >= 0) out[a] += g[dyBase + d];
          }
        }
      }
    }
    return dx;
  };
}

export function makeAvgPoolGrad(tf: TF, stock: KernelConfig): KernelFunc {
  return (args) => {
    const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
    // tfjs's avgPoolGrad (cpu and wasm) ignores dimRoundingMode; so do we.
    const info = poolInfo(tf, input, dy, args.attrs as unknown as PoolAttrs, false);
    if (info == null) return stock.kernelFunc(args);
    const backend = args.backend as WasmBackendLike;
    const dx = backend.makeOutput(input.shape, 'float32');
    const g = backend.typedArrayFromHeap(dy) as Float32Array;
    const out = backend.typedArrayFromHeap(dx) as Float32Array;
    out.fill(0);
    const { batchSize, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow, inChannels: c } = info;
    const { strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
    const { top, left } = info.padInfo;
    const scale = 1 / (fh * fw);
    let dyBase = 0;
    for (let b = 0; b < batchSize; b++) {
      for (let yr = 0; yr < oh; yr++) {
        const r0 = Math.max(0, yr * sh - top);
        const r1 = Math.min(h, yr * sh - top + fh);
        for (let yc = 0; yc < ow; yc++, dyBase += c) {
          const c0 = Math.max(0, yc * sw - left);
          const c1 = Math.min(w, yc * sw - left + fw);
          for (let r = r0; r < r1; r++) {
            const end = ((b * h + r) * w + c1) * c;
            for (let base = ((b * h + r) * w + c0) * c; base < end; base += c) {
              for (let d = 0; d < c; d++) out[base + d] += g[dyBase + d] * scale;
            }
          }
        }
      }
    }
    return dx;
  };
}

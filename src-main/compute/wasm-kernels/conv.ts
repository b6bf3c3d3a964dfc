/**
 * Conv2D gradients (NHWC, dilation 1):
 *  - Conv2DBackpropFilter: im2col, one GEMM over all taps per chunk of images for few input channels, one GEMM
 *    per filter tap otherwise (missing in stock wasm).
 *  - Conv2DBackpropInput: polyphase transposed convolution (stock is a naive loop); NCHW goes to stock.
 */
import { convInfo, explicitPads, zeroDilate } from './conv-common';
import type { Conv2DInfo, ConvAttrs, Shape4 } from './conv-common';
import { Ctx, sameShape, view } from './shared';
import type { KernelConfig, KernelFunc, TensorInfo, TF, WasmBackendLike } from './shared';

/** Target contraction length per GEMM in the filter gradient (rows of dy per chunk). */
const GEMM_CHUNK_ROWS = 1024;
/** Up to this many input channels the filter-gradient GEMMs use the whole batch as one chunk. */
const SMALL_IN_CHANNELS = 16;
/**
 * Up to this many input channels the filter gradient is one GEMM over all taps per chunk (filterGradAllTaps);
 * above, one GEMM per tap (filterGradGemm, measured at the ResNet-18 shapes). Measured on the small CNN (B = 128,
 * bench/kernels.ts --cnn): 3 -> 32 channels 1.3-1.8x faster, 32 -> 64 channels 1.1-1.6x (noisy machine).
 */
const ALL_TAPS_MAX_IN_CHANNELS = 32;
/** Rows of dy per all-taps GEMM chunk above SMALL_IN_CHANNELS (the transposed patch block stays cache-sized). */
const ALL_TAPS_CHUNK_ROWS = 2048;

// ---------------------------------------------------------------------------------------------------------------
// Conv2DBackpropFilter

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
  const n = (b1 - b0) * oh * ow;
  const out = ctx.alloc([1, x.shape[3], n], 'float32');
  const dst = ctx.backend.typedArrayFromHeap(out) as Float32Array;
  const src = ctx.backend.typedArrayFromHeap(x) as Float32Array;
  gatherTapInto(dst, 0, src, x.shape as Shape4, r0, c0, sh, sw, oh, ow, b0, b1);
  return out;
}

/** gatherTapTransposed into dst at offset dOff (rows of length (b1 - b0)*oh*ow), from the heap view src of x. */
function gatherTapInto(
  dst: Float32Array,
  dOff: number,
  src: Float32Array,
  xShape: Shape4,
  r0: number,
  c0: number,
  sh: number,
  sw: number,
  oh: number,
  ow: number,
  b0: number,
  b1: number,
): void {
  const [, h, w, ci] = xShape;
  const n = (b1 - b0) * oh * ow;
  // Valid output columns: c0 + j*sw in [0, w).
  const j0 = Math.max(0, Math.ceil(-c0 / sw));
  const j1 = Math.min(ow, Math.ceil((w - c0) / sw));
  for (let c = 0; c < ci; c++) {
    let d = dOff + c * n;
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
}

/**
 * Images [b0, b1) of dy [b, oh, ow, co] as the [1, rows, co] GEMM weight operand: a view for the whole batch, else
 * an own tensor (a temporary of ctx), so that XNNPACK packs it once for every GEMM of the chunk.
 */
function dyChunk(ctx: Ctx, dy: TensorInfo, b0: number, b1: number): TensorInfo {
  const [bs, oh, ow, co] = dy.shape;
  const rows = (b1 - b0) * oh * ow;
  if (b0 === 0 && b1 === bs) return view(dy, [1, rows, co]);
  const dyc = ctx.alloc([1, rows, co], 'float32');
  const per = oh * ow * co;
  ctx.backend.typedArrayFromHeap(dyc).set((ctx.backend.typedArrayFromHeap(dy) as Float32Array).subarray(b0 * per, b1 * per));
  return dyc;
}

/**
 * Filter gradient as one GEMM per filter tap (implicit im2col): dW[i, j] = X_ij^T · dy, where
 * X_ij^T [ci, N] (N = b*oh*ow) is gathered from x at rows oh*s - pt + i, cols ow*s - pl + j (zeros in the padding)
 * and dy [N, co] is the same GEMM weight operand for every tap, so XNNPACK packs it once (its operator cache is
 * keyed by the weight tensor). Measured against the alternative (Conv2D of x^T [ci,h,w,b] with dy^T [oh,ow,b,co]
 * as a dilated filter): equal or faster at every ResNet-18 shape, 3x faster for the 3-channel stem, 1.6x for
 * 56x56x64.
 */
function filterGradGemm(ctx: Ctx, x: TensorInfo, dy: TensorInfo, info: Conv2DInfo): TensorInfo {
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
      const dyc = dyChunk(ctx, dy, b0, b1);
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

/**
 * Filter gradient as one GEMM per chunk of images over all taps at once (explicit im2col, transposed):
 * dW [kh*kw*ci, co] = P^T · dy with P^T [kh*kw*ci, rows] gathered tap after tap (each tap's block is what
 * gatherTapTransposed makes) and dy [rows, co] the weight operand. The GEMM's M is kh*kw*ci instead of ci, which is
 * what matters when ci is small (3 input channels: M = 27 instead of nine GEMMs with M = 3), and the result is
 * already in the [kh, kw, ci, co] layout.
 */
function filterGradAllTaps(ctx: Ctx, x: TensorInfo, dy: TensorInfo, info: Conv2DInfo, imgsPerChunk: number): TensorInfo {
  const { batchSize: bs, inChannels: ci, outChannels: co } = info;
  const { outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
  const { top, left } = info.padInfo;
  const perImage = oh * ow;
  const m = kh * kw * ci;
  const out = ctx.alloc([kh, kw, ci, co], 'float32', true);
  try {
    for (let b0 = 0; b0 < bs; b0 += imgsPerChunk) {
      const b1 = Math.min(bs, b0 + imgsPerChunk);
      const rows = (b1 - b0) * perImage;
      const dyc = dyChunk(ctx, dy, b0, b1);
      const a = ctx.alloc([1, m, rows], 'float32');
      const dst = ctx.backend.typedArrayFromHeap(a) as Float32Array;
      const src = ctx.backend.typedArrayFromHeap(x) as Float32Array;
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          gatherTapInto(dst, (i * kw + j) * ci * rows, src, x.shape as Shape4, i - top, j - left, sh, sw, oh, ow, b0, b1);
        }
      }
      const r = ctx.run('BatchMatMul', { a, b: dyc }, { transposeA: false, transposeB: false });
      const o = ctx.backend.typedArrayFromHeap(out) as Float32Array;
      const val = ctx.backend.typedArrayFromHeap(r) as Float32Array;
      if (b0 === 0) o.set(val);
      else for (let k = 0; k < m * co; k++) o[k] += val[k];
      ctx.dispose(); // a, r and the chunk's dy copy (drops its cached XNNPACK operator)
    }
  } catch (e) {
    ctx.backend.disposeData(out.dataId);
    throw e;
  }
  return out;
}

export function makeConv2DBackpropFilter(tf: TF): KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: Shape4 };
    if (attrs.dataFormat === 'NCHW') {
      throw new Error('Conv2DBackpropFilter on wasm supports only NHWC (as does the wasm Conv2D forward).');
    }
    const info = convInfo(tf, attrs, x.shape as Shape4, attrs.filterShape, false);
    const { batchSize: bs, outChannels: co, outHeight: oh, outWidth: ow } = info;
    if (!sameShape(dy.shape, [bs, oh, ow, co])) {
      throw new Error(`Conv2DBackpropFilter: dy shape ${dy.shape} does not match conv output ${[bs, oh, ow, co]}`);
    }
    const ctx = new Ctx(tf, args.backend as WasmBackendLike);
    try {
      const ci = info.inChannels;
      if (ci > ALL_TAPS_MAX_IN_CHANNELS) return filterGradGemm(ctx, x, dy, info);
      // Few input channels: the whole batch in one GEMM (per-chunk overhead dominates a GEMM that small).
      const perImage = info.outHeight * info.outWidth;
      const imgs = ci <= SMALL_IN_CHANNELS ? bs : Math.max(1, Math.round(ALL_TAPS_CHUNK_ROWS / perImage));
      return filterGradAllTaps(ctx, x, dy, info, Math.min(bs, imgs));
    } finally {
      ctx.dispose();
    }
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Conv2DBackpropInput

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

export function makeConv2DBackpropInput(tf: TF, stock: KernelConfig): KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: Shape4 };
    if (attrs.dataFormat === 'NCHW' || dy.dtype !== 'float32' || filter.dtype !== 'float32') {
      return stock.kernelFunc(args);
    }
    const info = convInfo(tf, attrs, attrs.inputShape, filter.shape as Shape4, false);
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
        return ctx.zeros([bs, h, w, ci], true);
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

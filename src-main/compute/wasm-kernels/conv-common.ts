/**
 * What the convolution gradients (conv.ts, depthwise.ts) share: their attributes, NHWC geometry, explicit pads
 * and zero-dilation. All NHWC, dilation 1 (as tfjs-core's gradient functions themselves require).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Ctx, TensorInfo, TF } from './shared';

type ExplicitPadding = tfjs.backend_util.ExplicitPadding;
type Pad = 'valid' | 'same' | number | ExplicitPadding;
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
export type Shape4 = [number, number, number, number];
export type Conv2DInfo = tfjs.backend_util.Conv2DInfo;

export interface ConvAttrs {
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: Rounding;
  dilations?: number | [number, number];
}

export function isOne(d: number | [number, number] | undefined): boolean {
  return d == null || (typeof d === 'number' ? d === 1 : d[0] === 1 && d[1] === 1);
}

/** Channels-last conv geometry at dilation 1 for a conv (or depthwise conv) of `inShape` with `filterShape`. */
export function convInfo(
  tf: TF,
  attrs: ConvAttrs,
  inShape: Shape4,
  filterShape: Shape4,
  depthwise: boolean,
): Conv2DInfo {
  return tf.backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    'channelsLast',
  );
}

export function explicitPads(top: number, bottom: number, left: number, right: number): ExplicitPadding {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/**
 * Zero-dilates an NHWC tensor into a new [b, outH, outW, c] tensor: d[b, i*sh, j*sw, :] = t[b, i, j, :] where that
 * lies inside, zeros elsewhere. Plain block copies (wasm PadV2/StridedSlice of rank 5 are element loops).
 */
export function zeroDilate(ctx: Ctx, t: TensorInfo, sh: number, sw: number, outH: number, outW: number): TensorInfo {
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


/**
 * Depthwise conv gradients (missing in stock wasm), NHWC and dilation 1 only:
 *  - DepthwiseConv2dNativeBackpropInput: depthwise conv of the zero-dilated dy with the flipped filter, the C*M
 *    channels treated as multiplier-1 channels, then the M copies summed.
 *  - DepthwiseConv2dNativeBackpropFilter: depthwise conv with the batch folded into channels (x as
 *    [1, h, w, b*c], dy as the [oh, ow, b*c, m] filter, dilation = stride), summed over the batch.
 */
import { convInfo, explicitPads, isOne, zeroDilate } from './conv-common';
import type { Conv2DInfo, ConvAttrs, Shape4 } from './conv-common';
import { Ctx, view } from './shared';
import type { KernelFunc, TensorInfo, TF, WasmBackendLike } from './shared';

/** Geometry of a depthwise gradient; throws for what is not supported (dilation > 1, NCHW). */
function depthwiseInfo(tf: TF, kernel: string, attrs: ConvAttrs, inShape: Shape4, filterShape: Shape4): Conv2DInfo {
  if (!isOne(attrs.dilations)) {
    throw new Error(`${kernel} on wasm: dilations > 1 are not supported.`);
  }
  if (attrs.dataFormat === 'NCHW') {
    throw new Error(`${kernel} on wasm supports only NHWC.`);
  }
  return convInfo(tf, attrs, inShape, filterShape, true);
}

/**
 * Core of the depthwise filter gradient: crops x to the rows/cols that reach the filter, and returns the explicit
 * pads that make a stride-1, dilation-s correlation of x with dy produce exactly KH x KW outputs.
 */
function filterGradGeometry(ctx: Ctx, x: TensorInfo, info: Conv2DInfo) {
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

export function makeDepthwiseBackpropInput(tf: TF): KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { inputShape: Shape4 };
    const kernel = 'DepthwiseConv2dNativeBackpropInput';
    const info = depthwiseInfo(tf, kernel, attrs, attrs.inputShape, filter.shape as Shape4);
    const { batchSize: bs, inHeight: h, inWidth: w, inChannels: c, outChannels: cm } = info;
    const { outHeight: oh, outWidth: ow, filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const mult = cm / c;
    const { top, left } = info.padInfo;
    const pt = kh - 1 - top;
    const pl = kw - 1 - left;
    if (pt < 0 || pl < 0 || h + kh - 1 - pt < (oh - 1) * sh + 1 || w + kw - 1 - pl < (ow - 1) * sw + 1) {
      throw new Error(`${kernel} on wasm: padding larger than the filter is not supported.`);
    }
    const ctx = new Ctx(tf, args.backend as WasmBackendLike);
    try {
      // Each of the C*M output channels is its own multiplier-1 channel; flip the filter spatially.
      const flipped = ctx.run('Reverse', { x: filter }, { dims: [0, 1] });
      const dh = (oh - 1) * sh + 1;
      const dw = (ow - 1) * sw + 1;
      const d = sh === 1 && sw === 1 ? null : zeroDilate(ctx, dy, sh, sw, dh, dw);
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

export function makeDepthwiseBackpropFilter(tf: TF): KernelFunc {
  return (args) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const attrs = args.attrs as unknown as ConvAttrs & { filterShape: Shape4 };
    const kernel = 'DepthwiseConv2dNativeBackpropFilter';
    const info = depthwiseInfo(tf, kernel, attrs, x.shape as Shape4, attrs.filterShape);
    const { batchSize: bs, inChannels: c, outChannels: cm, outHeight: oh, outWidth: ow } = info;
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const mult = cm / c;
    const ctx = new Ctx(tf, args.backend as WasmBackendLike);
    try {
      const geo = filterGradGeometry(ctx, x, info);
      if (geo == null) return ctx.zeros([kh, kw, c, mult], true);
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

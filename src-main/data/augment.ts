/**
 * Training-time augmentation on NHWC Float32 batches (the deep-network setting, spec section 7): per sample,
 * a random crop with zero padding (pad 4 for 32x32, 2 for 28x28), then a random horizontal flip, like
 * torchvision's RandomCrop(size, padding) + RandomHorizontalFlip(). Plus uint8 -> float conversion.
 *
 * Randomness comes from the caller's Rng (use the run's 'augment' stream); per sample it draws, in order,
 * the x offset, the y offset (each uniform in 0..2*pad) and the flip (probability 1/2).
 */
import type { Rng } from '../science/rng';
import { DataError } from './errors';

export interface BatchShape {
  n: number;
  height: number;
  width: number;
  channels: number;
}

/** The crop padding of the paper's setting: 4 for 32x32 (CIFAR), 2 for 28x28 (MNIST); else height / 8. */
export function defaultCropPad(height: number): number {
  if (height === 32) return 4;
  if (height === 28) return 2;
  return Math.max(1, Math.floor(height / 8));
}

export interface AugmentOptions {
  /** Zero padding on each side before cropping back to height x width (0 = no crop). */
  pad: number;
  /** Random horizontal flip (default true). */
  flip?: boolean;
  /** Value of the padding, one for all channels or one per channel (default 0). On normalised inputs pass
   * (0 - mean) / std per channel to pad with black as torchvision does before Normalize. */
  fill?: number | readonly number[];
}

/** What one sample got: crop offsets into the padded image (0..2*pad) and whether it was flipped. */
export interface SampleTransform {
  dx: number;
  dy: number;
  flip: boolean;
}

function checkShape(data: Float32Array, s: BatchShape): void {
  const size = s.n * s.height * s.width * s.channels;
  if (data.length !== size) {
    throw new DataError(`augment: batch has ${data.length} values, shape ${s.n}x${s.height}x${s.width}x${s.channels} needs ${size}`);
  }
}

/**
 * Applies one sample's crop + flip: out(y, x) = padded(y + dy, x' + dx) with x' = flip ? w-1-x : x, where
 * padded(u, v) = src(u - pad, v - pad) inside the image and `fill` outside. Writes sample i of `dst`.
 */
export function transformSample(
  src: Float32Array,
  dst: Float32Array,
  i: number,
  s: BatchShape,
  pad: number,
  t: SampleTransform,
  fill: readonly number[],
): void {
  const { height: h, width: w, channels: c } = s;
  const base = i * h * w * c;
  for (let y = 0; y < h; y++) {
    const sy = y + t.dy - pad;
    for (let x = 0; x < w; x++) {
      const sx = (t.flip ? w - 1 - x : x) + t.dx - pad;
      const o = base + (y * w + x) * c;
      if (sy < 0 || sy >= h || sx < 0 || sx >= w) {
        for (let ch = 0; ch < c; ch++) dst[o + ch] = fill[ch];
      } else {
        const from = base + (sy * w + sx) * c;
        for (let ch = 0; ch < c; ch++) dst[o + ch] = src[from + ch];
      }
    }
  }
}

/** A new batch with every sample randomly cropped and flipped; returns the transforms too (for tests, logs). */
export function augmentBatch(
  batch: Float32Array,
  shape: BatchShape,
  opts: AugmentOptions,
  rng: Rng,
): { data: Float32Array; transforms: SampleTransform[] } {
  checkShape(batch, shape);
  const pad = opts.pad;
  if (!Number.isInteger(pad) || pad < 0) throw new DataError(`augment: pad must be a whole number >= 0, got ${pad}`);
  const flip = opts.flip ?? true;
  const fill =
    typeof opts.fill === 'object' ? opts.fill.slice() : Array.from({ length: shape.channels }, () => (opts.fill as number | undefined) ?? 0);
  if (fill.length !== shape.channels) throw new DataError(`augment: ${fill.length} fill values for ${shape.channels} channels`);
  const data = new Float32Array(batch.length);
  const transforms: SampleTransform[] = [];
  for (let i = 0; i < shape.n; i++) {
    const dx = pad > 0 ? rng.int(2 * pad + 1) : 0;
    const dy = pad > 0 ? rng.int(2 * pad + 1) : 0;
    const t = { dx, dy, flip: flip && rng.next() < 0.5 };
    transformSample(batch, data, i, shape, pad, t, fill);
    transforms.push(t);
  }
  return { data, transforms };
}

export interface ToFloatOptions {
  /** Channels of the NHWC data (needed with mean/std; default 1). */
  channels?: number;
  /** Per-channel mean and std of the [0, 1]-scaled data: x -> (x - mean[ch]) / std[ch]. */
  mean?: readonly number[];
  std?: readonly number[];
}

/** uint8 pixels -> Float32 in [0, 1] (x / 255), optionally normalised per channel. */
export function toFloat(images: Uint8Array, opts: ToFloatOptions = {}): Float32Array {
  const out = new Float32Array(images.length);
  const c = opts.channels ?? 1;
  const { mean, std } = opts;
  if (mean || std) {
    if (!mean || !std || mean.length !== c || std.length !== c) {
      throw new DataError(`toFloat: mean and std need one value per channel (${c})`);
    }
    if (std.some((s) => !(s > 0))) throw new DataError('toFloat: std values must be > 0');
    if (images.length % c !== 0) throw new DataError(`toFloat: ${images.length} values is not a multiple of ${c} channels`);
    for (let i = 0; i < images.length; i++) {
      const ch = i % c;
      out[i] = (images[i] / 255 - mean[ch]) / std[ch];
    }
    return out;
  }
  for (let i = 0; i < images.length; i++) out[i] = images[i] / 255;
  return out;
}

/** Per-channel mean and std of uint8 NHWC images scaled to [0, 1] (population std), for toFloat. */
export function channelStats(images: Uint8Array, channels: number): { mean: number[]; std: number[] } {
  const sum = new Array<number>(channels).fill(0);
  const sq = new Array<number>(channels).fill(0);
  for (let i = 0; i < images.length; i++) {
    const v = images[i] / 255;
    sum[i % channels] += v;
    sq[i % channels] += v * v;
  }
  const m = images.length / channels;
  const mean = sum.map((s) => s / m);
  const std = sq.map((s, ch) => Math.sqrt(Math.max(0, s / m - mean[ch] * mean[ch])));
  return { mean, std };
}

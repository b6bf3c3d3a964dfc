import { describe, expect, it } from 'vitest';
import { augmentBatch, channelStats, defaultCropPad, toFloat, transformSample } from '../../src-main/data/augment';
import { makeRng } from '../../src-main/science/rng';

/** A 3x3 one-channel image 1..9, row-major:  1 2 3 / 4 5 6 / 7 8 9. */
const IMG = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
const S = { n: 1, height: 3, width: 3, channels: 1 };

function apply(dx: number, dy: number, flip: boolean, pad = 1): number[] {
  const out = new Float32Array(9);
  transformSample(IMG, out, 0, S, pad, { dx, dy, flip }, [0]);
  return Array.from(out);
}

describe('crop and flip of a known image', () => {
  it('centre crop without flip is the identity', () => {
    expect(apply(1, 1, false)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('offset (0, 0) shifts the image down-right with zero padding', () => {
    expect(apply(0, 0, false)).toEqual([0, 0, 0, 0, 1, 2, 0, 4, 5]);
  });

  it('offset (2, 1) shifts left', () => {
    expect(apply(2, 1, false)).toEqual([2, 3, 0, 5, 6, 0, 8, 9, 0]);
  });

  it('flip mirrors each row; flip after a crop', () => {
    expect(apply(1, 1, true)).toEqual([3, 2, 1, 6, 5, 4, 9, 8, 7]);
    expect(apply(0, 2, true)).toEqual([5, 4, 0, 8, 7, 0, 0, 0, 0]);
  });

  it('multi-channel pixels move together; fill per channel', () => {
    // 1x2 image, 2 channels: (a0, a1) (b0, b1).
    const src = Float32Array.from([1, 10, 2, 20]);
    const out = new Float32Array(4);
    const s = { n: 1, height: 1, width: 2, channels: 2 };
    transformSample(src, out, 0, s, 0, { dx: 0, dy: 0, flip: true }, [0, 0]);
    expect(Array.from(out)).toEqual([2, 20, 1, 10]);
    transformSample(src, out, 0, s, 1, { dx: 0, dy: 1, flip: false }, [-1, -2]);
    expect(Array.from(out)).toEqual([-1, -2, 1, 10]);
  });
});

describe('augmentBatch', () => {
  const n = 64;
  const shape = { n, height: 3, width: 3, channels: 1 };
  const batch = new Float32Array(n * 9);
  for (let i = 0; i < n; i++) batch.set(IMG, i * 9);

  it('each sample gets the transform it reports, offsets in 0..2*pad, both flips occur', () => {
    const { data, transforms } = augmentBatch(batch, shape, { pad: 1 }, makeRng(1, 'augment'));
    expect(transforms.length).toBe(n);
    transforms.forEach((t, i) => {
      expect(t.dx).toBeGreaterThanOrEqual(0);
      expect(t.dx).toBeLessThanOrEqual(2);
      expect(Array.from(data.subarray(i * 9, (i + 1) * 9))).toEqual(apply(t.dx, t.dy, t.flip));
    });
    expect(new Set(transforms.map((t) => t.flip)).size).toBe(2);
    expect(new Set(transforms.map((t) => `${t.dx},${t.dy}`)).size).toBe(9);
  });

  it('is reproducible from the seed and differs across seeds; the input is untouched', () => {
    const a = augmentBatch(batch, shape, { pad: 1 }, makeRng(5, 'augment')).data;
    expect(augmentBatch(batch, shape, { pad: 1 }, makeRng(5, 'augment')).data).toEqual(a);
    expect(augmentBatch(batch, shape, { pad: 1 }, makeRng(6, 'augment')).data).not.toEqual(a);
    expect(Array.from(batch.subarray(0, 9))).toEqual(Array.from(IMG));
  });

  it('default pads: 4 for 32x32, 2 for 28x28', () => {
    expect([defaultCropPad(32), defaultCropPad(28)]).toEqual([4, 2]);
  });

  it('pad 0 and flip off is the identity', () => {
    expect(augmentBatch(batch, shape, { pad: 0, flip: false }, makeRng(1)).data).toEqual(batch);
  });

  it('rejects a batch of the wrong size', () => {
    expect(() => augmentBatch(batch.subarray(1), shape, { pad: 1 }, makeRng(1))).toThrow(/batch has 575 values/);
  });
});

describe('toFloat', () => {
  it('scales to [0, 1]', () => {
    expect(Array.from(toFloat(Uint8Array.from([0, 51, 255])))).toEqual([0, Math.fround(0.2), 1]);
  });

  it('normalises per channel (NHWC)', () => {
    const out = toFloat(Uint8Array.from([0, 255, 255, 0]), { channels: 2, mean: [0.5, 0.25], std: [0.5, 0.25] });
    expect(Array.from(out)).toEqual([-1, 3, 1, -1]);
    expect(() => toFloat(Uint8Array.from([0]), { channels: 2, mean: [0.5] })).toThrow(/one value per channel/);
  });

  it('channelStats gives the mean and std toFloat needs', () => {
    const s = channelStats(Uint8Array.from([0, 255, 255, 255]), 2);
    expect(s.mean).toEqual([0.5, 1]);
    expect(s.std).toEqual([0.5, 0]);
  });
});

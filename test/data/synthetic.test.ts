import { describe, expect, it } from 'vitest';
import { makeSynthetic } from '../../src-main/data/synthetic';
import { DataError } from '../../src-main/data/errors';

describe('synthetic Gaussian mixture', () => {
  const spec = { k: 3, counts: [4, 2, 3], shape: { kind: 'vector' as const, dim: 5 }, radius: 10, seed: 7 };

  it('has the requested shape, labels laid out class by class, centres on the sphere', () => {
    const s = makeSynthetic(spec);
    expect({ n: s.n, k: s.k, dim: s.dim, sampleShape: s.sampleShape }).toEqual({ n: 9, k: 3, dim: 5, sampleShape: [5] });
    expect(s.features).toBeInstanceOf(Float32Array);
    expect(s.features.length).toBe(45);
    expect(Array.from(s.labels)).toEqual([0, 0, 0, 0, 1, 1, 2, 2, 2]);
    for (let c = 0; c < 3; c++) {
      const mu = s.centres.subarray(c * 5, (c + 1) * 5);
      expect(Math.hypot(...mu)).toBeCloseTo(10, 10);
    }
  });

  it('is deterministic from the seed and differs across seeds', () => {
    expect(makeSynthetic(spec).features).toEqual(makeSynthetic(spec).features);
    expect(makeSynthetic({ ...spec, seed: 8 }).features).not.toEqual(makeSynthetic(spec).features);
    // Centres do not depend on the counts; class 0's samples do not depend on other classes' counts.
    const other = makeSynthetic({ ...spec, counts: [4, 5, 1] });
    expect(other.centres).toEqual(makeSynthetic(spec).centres);
    expect(other.features.subarray(0, 20)).toEqual(makeSynthetic(spec).features.subarray(0, 20));
  });

  it('noise is unit by default: sample std around its centre is about 1', () => {
    const s = makeSynthetic({ k: 2, counts: 2000, shape: { kind: 'vector', dim: 4 }, radius: 5, seed: 1 });
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < s.n; i++)
      for (let j = 0; j < s.dim; j++) {
        const z = s.features[i * s.dim + j] - s.centres[s.labels[i] * s.dim + j];
        sum += z;
        sq += z * z;
      }
    const m = s.n * s.dim;
    expect(Math.abs(sum / m)).toBeLessThan(0.05);
    expect(Math.sqrt(sq / m)).toBeGreaterThan(0.95);
    expect(Math.sqrt(sq / m)).toBeLessThan(1.05);
    const quiet = makeSynthetic({ k: 2, counts: 3, shape: { kind: 'vector', dim: 4 }, radius: 5, seed: 1, noise: 0 });
    expect(Array.from(quiet.features.subarray(0, 4))).toEqual(Array.from(quiet.centres.subarray(0, 4), Math.fround));
  });

  it('images: NHWC features with sampleShape [h, w, c]', () => {
    const s = makeSynthetic({ k: 2, counts: 3, shape: { kind: 'image', height: 4, width: 3, channels: 2 }, radius: 1, seed: 3 });
    expect(s.sampleShape).toEqual([4, 3, 2]);
    expect(s.dim).toBe(24);
    expect(s.features.length).toBe(6 * 24);
  });

  it('bad specs are DataErrors', () => {
    expect(() => makeSynthetic({ ...spec, counts: [1, 2] })).toThrow(DataError);
    expect(() => makeSynthetic({ ...spec, counts: [1, -1, 2] })).toThrow(/count of class 1/);
    expect(() => makeSynthetic({ ...spec, shape: { kind: 'vector', dim: 0 } })).toThrow(/dim must be a positive integer/);
    expect(() => makeSynthetic({ ...spec, radius: NaN })).toThrow(/radius/);
  });
});

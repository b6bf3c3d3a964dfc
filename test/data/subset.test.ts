import { describe, expect, it } from 'vitest';
import { balancedTestSubset, imbalancedSubset, indicesByClass, selectImages } from '../../src-main/data/subset';
import { classCounts, labelsFromCounts } from '../../src-main/science/imbalance';
import { dataError } from './helpers';

/** 10 classes of 100, interleaved (label = i mod 10). */
const labels = Int32Array.from({ length: 1000 }, (_, i) => i % 10);

function countsOf(idx: Int32Array, k: number): number[] {
  const c = new Array(k).fill(0);
  for (const i of idx) c[labels[i]]++;
  return c;
}

describe('imbalanced subsets', () => {
  const counts = classCounts({ profile: 'long-tail', nMax: 100, ratio: 10 }, 10);

  it('has exactly the requested counts, distinct ascending indices', () => {
    const idx = imbalancedSubset(labels, 10, counts, 1);
    expect(countsOf(idx, 10)).toEqual(counts);
    expect(new Set(idx).size).toBe(idx.length);
    for (let i = 1; i < idx.length; i++) expect(idx[i]).toBeGreaterThan(idx[i - 1]);
  });

  it('is reproducible from the seed and differs across seeds', () => {
    const step = classCounts({ profile: 'step', nMax: 50, ratio: 10 }, 10);
    const a = imbalancedSubset(labels, 10, step, 42);
    expect(imbalancedSubset(labels, 10, step, 42)).toEqual(a);
    const b = imbalancedSubset(labels, 10, step, 43);
    expect(countsOf(b, 10)).toEqual(step);
    expect(b).not.toEqual(a);
  });

  it('a smaller count picks a subset of a larger one (same seed); a class picks independently of the others', () => {
    const r10 = imbalancedSubset(labels, 10, classCounts({ profile: 'step', nMax: 100, ratio: 10 }, 10), 5);
    const r100 = imbalancedSubset(labels, 10, classCounts({ profile: 'step', nMax: 100, ratio: 100 }, 10), 5);
    const big = new Set(r10);
    for (const i of r100) expect(big.has(i)).toBe(true);
    const c0 = (idx: Int32Array) => Array.from(idx).filter((i) => labels[i] === 0);
    expect(c0(imbalancedSubset(labels, 10, [30, ...Array(9).fill(1)], 9))).toEqual(c0(imbalancedSubset(labels, 10, [30, ...Array(9).fill(90)], 9)));
  });

  it('draws uniformly: each example of a class is picked about equally often', () => {
    const hits = new Array(100).fill(0);
    const y = labelsFromCounts([100]);
    for (let s = 0; s < 2000; s++) for (const i of imbalancedSubset(y, 1, [10], s)) hits[i]++;
    // Expected 200 per example; binomial sd ~ 13.4.
    expect(Math.min(...hits)).toBeGreaterThan(140);
    expect(Math.max(...hits)).toBeLessThan(260);
  });

  it('a class with fewer examples than asked names the class and both numbers', () => {
    const err = dataError(() => imbalancedSubset(labels, 10, [100, 100, 100, 101, 0, 0, 0, 0, 0, 0], 1));
    expect(err.message).toBe('imbalanced subset: class 3 has 100 examples, 101 were asked for');
    expect(() => imbalancedSubset(labels, 10, [1, 2], 1)).toThrow(/2 class counts given for k = 10/);
    expect(() => imbalancedSubset(labels, 5, Array(5).fill(1), 1)).toThrow(/label 5 at index 5 is outside 0..4/);
  });
});

describe('balanced test subsets', () => {
  it('default keeps every example', () => {
    expect(balancedTestSubset(labels, 10, undefined, 0)).toEqual(Int32Array.from({ length: 1000 }, (_, i) => i));
  });

  it('perClass of each class, seeded', () => {
    const idx = balancedTestSubset(labels, 10, 7, 3);
    expect(countsOf(idx, 10)).toEqual(Array(10).fill(7));
    expect(balancedTestSubset(labels, 10, 7, 3)).toEqual(idx);
    expect(balancedTestSubset(labels, 10, 7, 4)).not.toEqual(idx);
    expect(dataError(() => balancedTestSubset(labelsFromCounts([5, 3]), 2, 4, 0)).message).toBe(
      'balanced test subset: class 1 has 3 examples, 4 were asked for',
    );
  });
});

describe('helpers', () => {
  it('indicesByClass and selectImages', () => {
    const y = Int32Array.from([1, 0, 1, 2]);
    expect(indicesByClass(y, 3).map((a) => Array.from(a))).toEqual([[1], [0, 2], [3]]);
    const set = { images: Uint8Array.from([10, 11, 20, 21, 30, 31, 40, 41]), labels: y, n: 4, height: 1, width: 2, channels: 1, k: 3 };
    const sub = selectImages(set, Int32Array.from([3, 0]));
    expect(Array.from(sub.images)).toEqual([40, 41, 10, 11]);
    expect(Array.from(sub.labels)).toEqual([2, 1]);
    expect(sub.n).toBe(2);
  });
});

/**
 * Subsets of a labelled set (spec section 4): an imbalance profile applied to a training set, a balanced
 * subset of a test set. Each class draws its examples uniformly without replacement from its own seeded
 * stream (a partial Fisher-Yates shuffle), so
 *   - the same seed gives the same subset, and class c's picks do not depend on the other classes' counts;
 *   - for one seed, a smaller count picks a prefix of a larger one's picks (the R = 100 subset of a class is
 *     inside its R = 10 subset).
 * Subsets are returned as ascending indices into the original set.
 */
import { makeRng } from '../science/rng';
import { DataError } from './errors';
import type { ImageSet } from './types';

/** The indices of each class, in order. DataError for a label outside 0..k-1. */
export function indicesByClass(labels: Int32Array, k: number): Int32Array[] {
  const sizes = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!(y >= 0 && y < k)) throw new DataError(`label ${y} at index ${i} is outside 0..${k - 1}`);
    sizes[y]++;
  }
  const out = sizes.map((s) => new Int32Array(s));
  const fill = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) out[labels[i]][fill[labels[i]]++] = i;
  return out;
}

/** `m` of `pool` uniformly without replacement (the first m of a seeded Fisher-Yates shuffle). */
function draw(pool: Int32Array, m: number, seed: number, stream: string): Int32Array {
  const a = pool.slice();
  const rng = makeRng(seed, stream);
  for (let i = 0; i < m; i++) {
    const j = i + rng.int(a.length - i);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a.subarray(0, m);
}

function sortedUnion(parts: Int32Array[]): Int32Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Int32Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out.sort();
}

/**
 * Picks counts[c] examples of every class c (counts from `classCounts` in science/imbalance). DataError when
 * a class has fewer examples than asked, naming the class and both numbers.
 */
export function imbalancedSubset(labels: Int32Array, k: number, counts: readonly number[], seed: number): Int32Array {
  if (counts.length !== k) throw new DataError(`imbalanced subset: ${counts.length} class counts given for k = ${k} classes`);
  const byClass = indicesByClass(labels, k);
  const picks = byClass.map((pool, c) => {
    const m = counts[c];
    if (!Number.isInteger(m) || m < 0) throw new DataError(`imbalanced subset: count for class ${c} must be a whole number >= 0, got ${m}`);
    if (m > pool.length) throw new DataError(`imbalanced subset: class ${c} has ${pool.length} examples, ${m} were asked for`);
    return draw(pool, m, seed, `subset/${c}`);
  });
  return sortedUnion(picks);
}

/**
 * A test subset that stays balanced: perClass examples of every class (seeded), or, without perClass, every
 * example (the standard test sets are balanced already). DataError when a class has fewer than perClass.
 */
export function balancedTestSubset(labels: Int32Array, k: number, perClass: number | undefined, seed: number): Int32Array {
  if (perClass === undefined) {
    indicesByClass(labels, k); // validates the labels
    return Int32Array.from({ length: labels.length }, (_, i) => i);
  }
  if (!Number.isInteger(perClass) || perClass < 0) {
    throw new DataError(`balanced test subset: perClass must be a whole number >= 0, got ${perClass}`);
  }
  const byClass = indicesByClass(labels, k);
  const picks = byClass.map((pool, c) => {
    if (perClass > pool.length) throw new DataError(`balanced test subset: class ${c} has ${pool.length} examples, ${perClass} were asked for`);
    return draw(pool, perClass, seed, `test-subset/${c}`);
  });
  return sortedUnion(picks);
}

/** The examples of `set` at `indices`, in that order, as a new ImageSet. */
export function selectImages(set: ImageSet, indices: Int32Array): ImageSet {
  const size = set.height * set.width * set.channels;
  const images = new Uint8Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  indices.forEach((src, i) => {
    if (!(src >= 0 && src < set.n)) throw new DataError(`index ${src} is outside the set of ${set.n} examples`);
    images.set(set.images.subarray(src * size, (src + 1) * size), i * size);
    labels[i] = set.labels[src];
  });
  return { ...set, images, labels, n: indices.length };
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyseBatches, type PairRule } from '../../src-main/science/analyser';
import { Batcher } from '../../src-main/science/batching';
import { labelsFromCounts } from '../../src-main/science/imbalance';

// spec section 6's counterexample: labels [0,0,1,1,2,2]
const y6 = Int32Array.from([0, 0, 1, 1, 2, 2]);
const counterexample = [
  [0, 1, 2, 3],
  [2, 3, 4, 5],
  [0, 4],
];

describe('batch-condition analyser: which pairs a batch constrains (spec section 6)', () => {
  it("the spec's counterexample: {0,4} constrains nothing, classes 0 and 2 never interact, ofUnique is false", () => {
    const r = analyseBatches(y6, 3, [counterexample]);
    expect(r.rule).toBe('positive-in-batch');
    expect(r.withinClassConnected).toBe(true);
    expect(r.allPairsCovered).toBe(false);
    expect(r.ofUnique).toBe(false);
    expect(r.uncoveredPairs).toEqual([[0, 2]]);
    expect(r.uncovered).toEqual([{ classes: [0, 2], reason: 'singletons-only', sharedBatches: 1 }]);
    expect(r.emptyBatches).toBe(1);
    expect(r.findings).toContain('classes 0 and 2 never interact: they share 1 batch only as singletons (one example of each, no positive, no loss term)');
    expect(r.findings.some((f) => /1 batch constrain nothing/.test(f))).toBe(true);
  });

  it('adding the batch {0,1,4} (class 0 twice) covers the pair: ofUnique is true', () => {
    const r = analyseBatches(y6, 3, [[...counterexample, [0, 1, 4]]]);
    expect(r.ofUnique).toBe(true);
    expect(r.uncovered).toEqual([]);
    expect(r.findings).toEqual(['every class is connected and every class pair is constrained by some batch: the OF is the unique UFM+ minimiser']);
  });

  it('names a pair that never shares a batch, and a class split into parts with its unseen examples', () => {
    const y = Int32Array.from([0, 0, 0, 1, 1, 1, 2, 2]);
    // class 0: {0,1} and {2} never meet -> 2 parts; class 2: 6 and 7 in no batch -> 2 parts, 2 unseen
    const r = analyseBatches(y, 3, [[[0, 1, 3, 4], [2, 5, 3]]]);
    expect(r.classes[0]).toEqual({ class: 0, size: 3, components: 2, unseen: 0 });
    expect(r.classes[1].components).toBe(1);
    expect(r.classes[2]).toEqual({ class: 2, size: 2, components: 2, unseen: 2 });
    expect(r.disconnectedClasses).toEqual([0, 2]);
    expect(r.uncovered).toEqual([
      { classes: [0, 2], reason: 'never-share-a-batch', sharedBatches: 0 },
      { classes: [1, 2], reason: 'never-share-a-batch', sharedBatches: 0 },
    ]);
    expect(r.findings).toContain('class 0 is split into 2 parts: its 3 examples are not connected through shared batches');
    expect(r.findings).toContain('class 2 is split into 2 parts: its 2 examples are not connected through shared batches (2 examples in no batch)');
    expect(r.findings).toContain('classes 0 and 2 never interact: they never share a batch');
  });

  it('one epoch fails, the union of two epochs holds', () => {
    const second = [[0, 4, 5]]; // class 2 twice: constrains (0, 2)
    expect(analyseBatches(y6, 3, [counterexample]).ofUnique).toBe(false);
    const u = analyseBatches(y6, 3, [counterexample, second]);
    expect(u.epochs).toBe(2);
    expect(u.batches).toBe(4);
    expect(u.ofUnique).toBe(true);
  });

  it('two views: every pair of a batch is constrained, and the report says so', () => {
    const r = analyseBatches(y6, 3, [counterexample], 'two-view');
    expect(r.rule).toBe('two-view');
    expect(r.ofUnique).toBe(true);
    expect(r.emptyBatches).toBe(0);
    expect(r.findings[0]).toMatch(/two views: every example has its augmented copy as a positive/);
  });
});

/** The definition, by brute force over pairs of examples. */
function bruteForce(labels: Int32Array, k: number, batches: number[][], rule: PairRule) {
  const n = labels.length;
  const edge = Array.from({ length: n }, () => new Uint8Array(n));
  const covered = new Set<string>();
  for (const B of batches) {
    const cnt = new Array(k).fill(0);
    for (const i of B) cnt[labels[i]]++;
    for (const i of B)
      for (const l of B) {
        if (i === l) continue;
        const constrained = rule === 'two-view' || labels[i] === labels[l] || cnt[labels[i]] >= 2 || cnt[labels[l]] >= 2;
        if (!constrained) continue;
        edge[i][l] = 1;
        if (labels[i] !== labels[l]) covered.add(`${Math.min(labels[i], labels[l])},${Math.max(labels[i], labels[l])}`);
      }
  }
  const components = Array.from({ length: k }, (_, c) => {
    const members = [...labels.keys()].filter((i) => labels[i] === c);
    const seen = new Set<number>();
    let parts = 0;
    for (const s of members) {
      if (seen.has(s)) continue;
      parts++;
      const stack = [s];
      seen.add(s);
      while (stack.length) {
        const v = stack.pop()!;
        for (const w of members) if (edge[v][w] && !seen.has(w)) (seen.add(w), stack.push(w));
      }
    }
    return parts;
  });
  const uncovered: [number, number][] = [];
  for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) if (!covered.has(`${a},${b}`)) uncovered.push([a, b]);
  return { components, uncovered };
}

/** Random class counts (each >= 2) and a random list of batches (distinct indices within a batch). */
const batchingArb = fc
  .array(fc.integer({ min: 2, max: 5 }), { minLength: 2, maxLength: 5 })
  .chain((counts) => {
    const n = counts.reduce((a, b) => a + b, 0);
    const batch = fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: Math.min(n, 6) });
    return fc.record({ counts: fc.constant(counts), batches: fc.array(batch, { minLength: 1, maxLength: 8 }), rule: fc.constantFrom<PairRule>('positive-in-batch', 'two-view') });
  });

describe('batch-condition analyser agrees with the definition (property-based)', () => {
  it('components per class and uncovered pairs equal a brute force over example pairs', () => {
    fc.assert(
      fc.property(batchingArb, ({ counts, batches, rule }) => {
        const labels = labelsFromCounts(counts);
        const r = analyseBatches(labels, counts.length, [batches], rule);
        const b = bruteForce(labels, counts.length, batches, rule);
        expect(r.classes.map((c) => c.components)).toEqual(b.components);
        expect(r.uncoveredPairs).toEqual(b.uncovered);
        expect(r.ofUnique).toBe(b.uncovered.length === 0 && b.components.every((p) => p === 1));
      }),
      { numRuns: 300, seed: 10 },
    );
  });

  it('batch-binding makes both conditions hold for any fixed partition, every batch size, every seed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 2, max: 6 }), { minLength: 2, maxLength: 5 }),
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 1000 }),
        (counts, bs, seed) => {
          const labels = labelsFromCounts(counts);
          const batchSize = Math.min(bs, labels.length);
          const b = new Batcher(labels, counts.length, { strategy: 'fixed', batchSize, binding: true, dropLast: false }, seed);
          const r = analyseBatches(labels, counts.length, [b.epoch(0)]);
          expect(r.ofUnique).toBe(true);
        },
      ),
      { numRuns: 200, seed: 11 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { analyseBatches } from '../../src-main/science/analyser';
import { Batcher } from '../../src-main/science/batching';
import { labelsFromCounts } from '../../src-main/science/imbalance';

const labels = labelsFromCounts([20, 20, 2, 2]);
const k = 4;

describe('batching strategies', () => {
  it('reshuffle: every epoch a permutation cut into equal batches, different per epoch, same for the same seed', () => {
    const b = new Batcher(labels, k, { strategy: 'reshuffle', batchSize: 8, binding: false }, 3);
    const e0 = b.epoch(0), e1 = b.epoch(1);
    expect(e0.length).toBe(5); // 44 / 8, last incomplete batch dropped
    expect(e0.every((x) => x.length === 8)).toBe(true);
    expect(new Set(e0.flat()).size).toBe(40);
    expect(e0).not.toEqual(e1);
    expect(new Batcher(labels, k, { strategy: 'reshuffle', batchSize: 8, binding: false }, 3).epoch(1)).toEqual(e1);
  });

  it('fixed: the same batches every epoch', () => {
    const b = new Batcher(labels, k, { strategy: 'fixed', batchSize: 4, binding: false }, 0);
    expect(b.epoch(5)).toEqual(b.epoch(0));
  });

  it('batch-binding appends the same k examples, one per class, to every batch', () => {
    const b = new Batcher(labels, k, { strategy: 'reshuffle', batchSize: 8, binding: true }, 1);
    const bind = b.bindingIndices!;
    expect(bind.map((i) => labels[i])).toEqual([0, 1, 2, 3]);
    for (const e of [0, 1, 7])
      for (const batch of b.epoch(e)) {
        for (const i of bind) expect(batch).toContain(i);
        expect(new Set(batch).size).toBe(batch.length);
        expect(new Set(batch.map((i) => labels[i])).size).toBe(k);
      }
  });

  it('class-balanced sampling draws classes uniformly', () => {
    const y = labelsFromCounts([200, 200, 20, 20]);
    const b = new Batcher(y, 4, { strategy: 'class-balanced', batchSize: 20, binding: false }, 2);
    const counts = [0, 0, 0, 0];
    for (let e = 0; e < 10; e++) for (const batch of b.epoch(e)) for (const i of batch) counts[y[i]]++;
    const total = counts.reduce((a, c) => a + c, 0);
    for (const c of counts) expect(Math.abs(c / total - 0.25)).toBeLessThan(0.03);
  });

  it('full: one batch of everything', () => {
    expect(new Batcher(labels, k, { strategy: 'full', binding: false }, 0).epoch(0)).toEqual([Array.from({ length: 44 }, (_, i) => i)]);
  });

  it('batch size larger than n is refused', () => {
    expect(() => new Batcher(labels, k, { strategy: 'fixed', batchSize: 45, binding: false }, 0)).toThrow(/batchSize \(45\).*44/);
  });
});

describe('batch-condition analyser (spec section 6)', () => {
  it('flags a fixed partition without binding and clears it with binding', () => {
    const without = new Batcher(labels, k, { strategy: 'fixed', batchSize: 4, binding: false }, 0);
    const r = analyseBatches(labels, k, [without.epoch(0), without.epoch(1)]);
    expect(r.withinClassConnected).toBe(false);
    expect(r.ofUnique).toBe(false);
    expect(r.disconnectedClasses).toContain(0);

    const withB = new Batcher(labels, k, { strategy: 'fixed', batchSize: 4, binding: true }, 0);
    const r2 = analyseBatches(labels, k, [withB.epoch(0)]);
    expect(r2.ofUnique).toBe(true);
    expect(r2.uncoveredPairs).toEqual([]);
    expect(r2.classes.every((c) => c.components === 1)).toBe(true);
  });

  it('reports uncovered class pairs and never-seen examples exactly', () => {
    const y = Int32Array.from([0, 0, 1, 1, 2, 2]);
    // batches {0,1,2,3} and {2,3,4}: class 2 has example 5 in no batch, pair (0,2) never meets
    const r = analyseBatches(y, 3, [[[0, 1, 2, 3], [2, 3, 4]]]);
    expect(r.uncoveredPairs).toEqual([[0, 2]]);
    expect(r.classes[2]).toEqual({ class: 2, size: 2, components: 2, unseen: 1 });
    expect(r.classes[0].components).toBe(1);
  });

  it('reshuffling satisfies the conditions over the union of epochs', () => {
    const b = new Batcher(labels, k, { strategy: 'reshuffle', batchSize: 4, binding: false }, 0);
    const one = analyseBatches(labels, k, [b.epoch(0)]);
    const many = analyseBatches(labels, k, Array.from({ length: 30 }, (_, e) => b.epoch(e)));
    expect(one.ofUnique).toBe(false);
    expect(many.ofUnique).toBe(true);
  });
});

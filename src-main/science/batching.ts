/**
 * Batching strategies (spec section 5). A Batcher turns an epoch number into that epoch's list of batches
 * (arrays of example indices). Every epoch's order is derived from (seed, epoch) alone, so a resumed run
 * sees exactly the batches it would have seen.
 *
 *   reshuffle       a new random permutation each epoch, cut into batches
 *   fixed           one random permutation, cut once, reused every epoch
 *   full            one batch of everything
 *   class-balanced  each batch draws its classes uniformly (beyond the paper; a common remedy for imbalance)
 *   explicit        the batches the researcher wrote down, reused every epoch; indices count the examples in
 *                   class order (class 0's first), so the same list means the same classes for any data order
 *   + binding       k examples, one per class, chosen ONCE from the seed, appended to EVERY batch
 */
import { makeRng, shuffle, type Rng } from './rng';

export type Strategy = 'reshuffle' | 'fixed' | 'full' | 'class-balanced' | 'explicit';

export interface BatchingOptions {
  strategy: Strategy;
  batchSize?: number;
  /** Strategy "explicit": the batches, as indices into the examples listed class by class. */
  batches?: readonly (readonly number[])[];
  binding: boolean;
  dropLast?: boolean;
}

export class Batcher {
  readonly n: number;
  readonly k: number;
  /** The binding examples (index of one example per class), or null without binding. */
  readonly bindingIndices: number[] | null;
  private readonly fixedBatches: number[][] | null = null;
  private readonly byClass: number[][];

  constructor(
    readonly labels: Int32Array,
    k: number,
    readonly opts: BatchingOptions,
    readonly seed: number,
  ) {
    this.n = labels.length;
    this.k = k;
    this.byClass = Array.from({ length: k }, () => [] as number[]);
    labels.forEach((y, i) => this.byClass[y].push(i));
    if (opts.strategy === 'explicit') {
      this.fixedBatches = this.explicitBatches(opts.batches);
    } else if (opts.strategy !== 'full') {
      const b = opts.batchSize;
      if (!b || b < 1) throw new Error(`batching.batchSize is required for strategy "${opts.strategy}"`);
      if (b > this.n) throw new Error(`batching.batchSize (${b}) is larger than the number of examples (${this.n})`);
    }
    if (opts.binding) {
      const rng = makeRng(seed, 'binding');
      this.bindingIndices = this.byClass.map((members, c) => {
        if (members.length === 0) throw new Error(`class ${c} has no examples: batch-binding needs one per class`);
        return members[rng.int(members.length)];
      });
    } else {
      this.bindingIndices = null;
    }
    if (opts.strategy === 'fixed') this.fixedBatches = this.cut(this.permutation(makeRng(seed, 'order:fixed')));
  }

  /** The base batch size plus the binding examples (an upper bound on a batch's length). */
  get maxBatchLength(): number {
    const s = this.opts.strategy;
    const base = s === 'full' ? this.n : s === 'explicit' ? this.fixedBatches!.reduce((m, b) => Math.max(m, b.length), 0) : this.opts.batchSize!;
    return base + (this.bindingIndices ? this.k : 0);
  }

  /** The batches of epoch e (0-based). */
  epoch(e: number): number[][] {
    let base: number[][];
    switch (this.opts.strategy) {
      case 'full':
        base = [Array.from({ length: this.n }, (_, i) => i)];
        break;
      case 'fixed':
      case 'explicit':
        base = this.fixedBatches!;
        break;
      case 'reshuffle':
        base = this.cut(this.permutation(makeRng(this.seed, `order:${e}`)));
        break;
      case 'class-balanced':
        base = this.classBalanced(makeRng(this.seed, `order:${e}`));
        break;
    }
    return this.bindingIndices ? base.map((b) => this.bind(b)) : base.map((b) => b.slice());
  }

  /**
   * Explicit batches, checked (the config schema names the field of any problem first): index j is the j-th
   * example in class order, mapped to this batcher's example order (the identity when labels are class-sorted).
   */
  private explicitBatches(batches: BatchingOptions['batches']): number[][] {
    if (!batches || batches.length === 0) throw new Error('batching.batches is required for strategy "explicit"');
    const classOrder = this.byClass.flat();
    return batches.map((b, j) => {
      if (b.length === 0) throw new Error(`batching.batches.${j} is an empty batch`);
      const out = b.map((i) => {
        if (!Number.isInteger(i) || i < 0 || i >= this.n) throw new Error(`batching.batches.${j}: index ${i} is out of range (0..${this.n - 1})`);
        return classOrder[i];
      });
      if (new Set(out).size !== out.length) throw new Error(`batching.batches.${j} holds an index twice`);
      return out;
    });
  }

  /** Append the binding examples that the batch does not already hold (an index appears once per batch). */
  private bind(batch: number[]): number[] {
    const have = new Set(batch);
    const out = batch.slice();
    for (const i of this.bindingIndices!) if (!have.has(i)) out.push(i);
    return out;
  }

  private permutation(rng: Rng): number[] {
    return shuffle(Array.from({ length: this.n }, (_, i) => i), rng) as number[];
  }

  private cut(perm: number[]): number[][] {
    const b = this.opts.batchSize!;
    const out: number[][] = [];
    for (let s = 0; s < perm.length; s += b) {
      const batch = perm.slice(s, s + b);
      if (batch.length < b && (this.opts.dropLast ?? true) && out.length > 0) break;
      out.push(batch);
    }
    return out;
  }

  /** floor(n / B) batches; each slot draws a class uniformly, then the next example of that class's shuffled cycle. */
  private classBalanced(rng: Rng): number[][] {
    const b = this.opts.batchSize!;
    const nb = Math.max(1, Math.floor(this.n / b));
    const pools = this.byClass.map((m) => shuffle(m.slice(), rng) as number[]);
    const cursor = new Array(this.k).fill(0);
    const out: number[][] = [];
    for (let t = 0; t < nb; t++) {
      const taken = new Array(this.k).fill(0);
      const batch: number[] = [];
      while (batch.length < b) {
        const c = rng.int(this.k);
        const pool = pools[c];
        if (taken[c] >= pool.length) continue; // a class cannot give more distinct examples than it has
        if (cursor[c] >= pool.length) {
          shuffle(pool, rng);
          cursor[c] = 0;
        }
        batch.push(pool[cursor[c]++]);
        taken[c]++;
      }
      // a cycle wrap inside one batch could repeat an example; keep indices unique within the batch
      out.push([...new Set(batch)]);
    }
    return out;
  }
}

/**
 * The batch-condition analyser (spec section 6). Which pairs does a batch constrain? In batch B, an anchor with
 * a positive (n_{B,y} >= 2) has a term whose UFM+ minimum fixes its dot products with every other member of B;
 * an anchor without a positive has no term. So a pair of B is CONSTRAINED iff one of the two has a positive in B:
 *   same class:       always (each is the other's positive)
 *   different classes: iff n_{B,c} >= 2 or n_{B,c'} >= 2
 * With two views (deep SCL) every anchor's augmented copy is its positive: every pair of a batch is constrained.
 *
 * Graph on the n examples, an edge wherever some batch constrains the pair. The OF (+ neural collapse) is the
 * unique UFM+ minimiser iff
 *   (a) within-class connectivity: every class's examples form one connected component (same-class edges), and
 *   (b) class-pair coverage: for every pair of classes, some batch constrains a pair of their examples.
 */
export interface ClassConnectivity {
  class: number;
  size: number;
  /** Connected components of the class's examples (1 = connected): the parts the class is split into. */
  components: number;
  /** Examples of this class that appear in no batch at all. */
  unseen: number;
}

/** Why a class pair is not covered. */
export type UncoveredReason = 'never-share-a-batch' | 'singletons-only';

export interface UncoveredPair {
  classes: [number, number];
  reason: UncoveredReason;
  /** Batches that hold both classes (each of them exactly once: such a batch constrains nothing between them). */
  sharedBatches: number;
}

/** Which pairs of a batch the analysis counts as constrained. */
export type PairRule = 'positive-in-batch' | 'two-view';

export interface ConditionReport {
  /** Number of epochs whose batches were united. */
  epochs: number;
  batches: number;
  /** "positive-in-batch": the UFM / one-view rule above; "two-view": every pair of a batch is constrained. */
  rule: PairRule;
  /** Batches that constrain no pair at all (every class at most once; zero loss and gradient for every H). */
  emptyBatches: number;
  withinClassConnected: boolean;
  allPairsCovered: boolean;
  /** Both conditions hold: the OF is the unique minimiser of UFM+. */
  ofUnique: boolean;
  classes: ClassConnectivity[];
  disconnectedClasses: number[];
  uncoveredPairs: [number, number][];
  /** Every uncovered pair with the reason, in the order of uncoveredPairs. */
  uncovered: UncoveredPair[];
  /** What fails (or that nothing does), in the researcher's words. */
  findings: string[];
}

class UnionFind {
  private parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]];
      i = this.parent[i];
    }
    return i;
  }
  union(a: number, b: number): void {
    const ra = this.find(a), rb = this.find(b);
    if (ra !== rb) this.parent[ra] = rb;
  }
}

/** Accumulates batches (of any number of epochs) and reports the two conditions. */
export class ConditionAnalyser {
  private uf: UnionFind;
  private seen: Uint8Array;
  /** covered[a*k+b]: some batch constrains a pair of classes a, b (symmetric). */
  private covered: Uint8Array;
  /** shared[a*k+b]: batches holding both classes without constraining them (both singletons). */
  private shared: Uint32Array;
  private uncoveredLeft: number;
  private nBatches = 0;
  private nEpochs = 0;
  private nEmpty = 0;
  private readonly count: Int32Array;

  constructor(
    private readonly labels: Int32Array,
    private readonly k: number,
    readonly rule: PairRule = 'positive-in-batch',
  ) {
    this.uf = new UnionFind(labels.length);
    this.seen = new Uint8Array(labels.length);
    this.covered = new Uint8Array(k * k);
    this.shared = new Uint32Array(k * k);
    this.uncoveredLeft = (k * (k - 1)) / 2;
    this.count = new Int32Array(k);
  }

  addEpoch(batches: readonly (readonly number[])[]): this {
    this.nEpochs++;
    for (const b of batches) this.addBatch(b);
    return this;
  }

  addBatch(batch: readonly number[]): void {
    this.nBatches++;
    const k = this.k;
    const firstOfClass = new Map<number, number>();
    for (const i of batch) {
      if (!Number.isInteger(i) || i < 0 || i >= this.labels.length) throw new Error(`batch index ${i} is not an example (0..${this.labels.length - 1})`);
      this.seen[i] = 1;
      const y = this.labels[i];
      this.count[y]++;
      const f = firstOfClass.get(y);
      if (f === undefined) firstOfClass.set(y, i);
      else this.uf.union(f, i); // same class: each is the other's positive
    }
    const present = [...firstOfClass.keys()];
    const twoView = this.rule === 'two-view';
    if (!twoView && present.every((c) => this.count[c] < 2)) this.nEmpty++;
    if (this.uncoveredLeft > 0) {
      for (let x = 0; x < present.length; x++)
        for (let z = x + 1; z < present.length; z++) {
          const a = present[x], b = present[z];
          const idx = a * k + b;
          if (this.covered[idx]) continue;
          if (twoView || this.count[a] >= 2 || this.count[b] >= 2) {
            this.covered[idx] = this.covered[b * k + a] = 1;
            this.uncoveredLeft--;
          } else {
            this.shared[idx]++;
            this.shared[b * k + a]++;
          }
        }
    }
    for (const c of present) this.count[c] = 0;
  }

  report(): ConditionReport {
    const k = this.k;
    const roots = Array.from({ length: k }, () => new Set<number>());
    const size = new Array(k).fill(0);
    const unseen = new Array(k).fill(0);
    this.labels.forEach((y, i) => {
      size[y]++;
      roots[y].add(this.uf.find(i));
      if (!this.seen[i]) unseen[y]++;
    });
    const classes = roots.map((r, c) => ({ class: c, size: size[c], components: r.size, unseen: unseen[c] }));
    const disconnectedClasses = classes.filter((c) => c.components > 1).map((c) => c.class);
    const uncoveredPairs: [number, number][] = [];
    const uncovered: UncoveredPair[] = [];
    for (let a = 0; a < k; a++)
      for (let b = a + 1; b < k; b++)
        if (!this.covered[a * k + b]) {
          uncoveredPairs.push([a, b]);
          const sharedBatches = this.shared[a * k + b];
          uncovered.push({ classes: [a, b], reason: sharedBatches > 0 ? 'singletons-only' : 'never-share-a-batch', sharedBatches });
        }
    const base = {
      epochs: this.nEpochs,
      batches: this.nBatches,
      rule: this.rule,
      emptyBatches: this.nEmpty,
      withinClassConnected: disconnectedClasses.length === 0,
      allPairsCovered: uncoveredPairs.length === 0,
      ofUnique: disconnectedClasses.length === 0 && uncoveredPairs.length === 0,
      classes,
      disconnectedClasses,
      uncoveredPairs,
      uncovered,
    };
    return { ...base, findings: findings(base) };
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The report's verdict as sentences (the CLI prints them, the New run page lists them). */
export function findings(r: Omit<ConditionReport, 'findings'>, maxPairs = 12): string[] {
  const out: string[] = [];
  if (r.rule === 'two-view')
    out.push('two views: every example has its augmented copy as a positive, so every pair that shares a batch is constrained');
  if (r.ofUnique) {
    out.push(`every class is connected and every class pair is constrained by some batch: the OF is the unique UFM+ minimiser`);
    return out;
  }
  for (const c of r.classes)
    if (c.components > 1) {
      const unseen = c.unseen ? ` (${plural(c.unseen, 'example')} in no batch)` : '';
      out.push(`class ${c.class} is split into ${c.components} parts: its ${c.size} examples are not connected through shared batches${unseen}`);
    }
  for (const p of r.uncovered.slice(0, maxPairs)) {
    const [a, b] = p.classes;
    out.push(
      p.reason === 'singletons-only'
        ? `classes ${a} and ${b} never interact: they share ${plural(p.sharedBatches, 'batch', 'batches')} only as singletons (one example of each, no positive, no loss term)`
        : `classes ${a} and ${b} never interact: they never share a batch`,
    );
  }
  if (r.uncovered.length > maxPairs) out.push(`... and ${r.uncovered.length - maxPairs} more class pairs that never interact`);
  if (r.emptyBatches > 0)
    out.push(`${plural(r.emptyBatches, 'batch', 'batches')} constrain nothing (every class at most once: zero loss and zero gradient for every H)`);
  return out;
}

/** Analyse one concrete list of epochs' batches. */
export function analyseBatches(
  labels: Int32Array,
  k: number,
  epochs: readonly (readonly (readonly number[])[])[],
  rule: PairRule = 'positive-in-batch',
): ConditionReport {
  const a = new ConditionAnalyser(labels, k, rule);
  for (const e of epochs) a.addEpoch(e);
  return a.report();
}

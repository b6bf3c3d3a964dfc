/**
 * The batch-condition analyser (spec section 6). Graph on the n examples with an edge (i, j) whenever some
 * batch holds both. For UFM+ the minimiser is the unique OF + neural collapse iff
 *   (a) within-class connectivity: every class's examples form one connected component, and
 *   (b) class-pair coverage: every pair of classes shares some batch.
 */
export interface ClassConnectivity {
  class: number;
  size: number;
  /** Connected components of the class's examples (1 = connected). */
  components: number;
  /** Examples of this class that appear in no batch at all. */
  unseen: number;
}

export interface ConditionReport {
  /** Number of epochs whose batches were united. */
  epochs: number;
  batches: number;
  withinClassConnected: boolean;
  allPairsCovered: boolean;
  /** Both conditions hold: the OF is the unique minimiser of UFM+. */
  ofUnique: boolean;
  classes: ClassConnectivity[];
  disconnectedClasses: number[];
  uncoveredPairs: [number, number][];
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
  private covered: Uint8Array;
  private nBatches = 0;
  private nEpochs = 0;

  constructor(private readonly labels: Int32Array, private readonly k: number) {
    this.uf = new UnionFind(labels.length);
    this.seen = new Uint8Array(labels.length);
    this.covered = new Uint8Array(k * k);
  }

  addEpoch(batches: number[][]): this {
    this.nEpochs++;
    for (const b of batches) this.addBatch(b);
    return this;
  }

  addBatch(batch: readonly number[]): void {
    this.nBatches++;
    const firstOfClass = new Map<number, number>();
    for (const i of batch) {
      this.seen[i] = 1;
      const y = this.labels[i];
      const f = firstOfClass.get(y);
      if (f === undefined) firstOfClass.set(y, i);
      else this.uf.union(f, i);
    }
    const present = [...firstOfClass.keys()];
    for (const a of present) for (const b of present) this.covered[a * this.k + b] = 1;
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
    for (let a = 0; a < k; a++) for (let b = a + 1; b < k; b++) if (!this.covered[a * k + b]) uncoveredPairs.push([a, b]);
    return {
      epochs: this.nEpochs,
      batches: this.nBatches,
      withinClassConnected: disconnectedClasses.length === 0,
      allPairsCovered: uncoveredPairs.length === 0,
      ofUnique: disconnectedClasses.length === 0 && uncoveredPairs.length === 0,
      classes,
      disconnectedClasses,
      uncoveredPairs,
    };
  }
}

/** Analyse one concrete list of epochs' batches. */
export function analyseBatches(labels: Int32Array, k: number, epochs: number[][][]): ConditionReport {
  const a = new ConditionAnalyser(labels, k);
  for (const e of epochs) a.addEpoch(e);
  return a.report();
}

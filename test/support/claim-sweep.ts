/** The small UFM sweeps the claim-pivot tests run (API, CLI, e2e): k = 4, step imbalance of 20 per majority class. */
export function claimSweepSpec(o: {
  name: string;
  grid: Record<string, unknown[]>;
  seeds: number[];
  batching: { strategy: 'fixed'; batchSize: number; binding: boolean };
  epochs: number;
  evalEvery: number;
}) {
  return {
    name: o.name,
    base: {
      kind: 'ufm',
      classes: 4,
      dim: 8,
      imbalance: { profile: 'step', nMax: 20, ratio: 1 },
      relu: true,
      temperature: 1,
      batching: o.batching,
      optimizer: { name: 'gd', lr: 0.5 },
      epochs: o.epochs,
      evalEvery: o.evalEvery,
    },
    grid: o.grid,
    seeds: o.seeds,
  };
}

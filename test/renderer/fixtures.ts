/** Contract-shaped rows and outputs for component tests. */
import type { MethodOutput } from '../../src-renderer/lib/client';
import type { RunRow } from '../../src-renderer/lib/run-fields';

const summary = (last: number, step = 100) => ({ lastStep: step, last, min: last, minStep: step, max: last, maxStep: step, n: 10, nNonFinite: 0 });

export function makeRun(id: number, over: Partial<RunRow> = {}): RunRow {
  const relu = id % 2 === 0;
  return {
    id,
    uuid: `uuid-${id}`,
    name: `run ${String(id).padStart(5, '0')}`,
    kind: 'ufm',
    status: id % 7 === 0 ? 'failed' : 'finished',
    statusDetail: null,
    config: {
      kind: 'ufm',
      classes: 4,
      dim: 8,
      imbalance: { profile: 'custom', counts: [20, 20, 2, 2] },
      relu,
      temperature: 1,
      batching: { strategy: 'fixed', batchSize: 4, binding: true },
      optimizer: { name: 'gd', lr: 0.05 },
      epochs: 100,
      seed: id % 3,
    },
    configHash: `hash-${relu ? 'relu' : 'plain'}-${Math.floor(id / 3)}`,
    seed: id % 3,
    backend: 'wasm',
    createdAt: 1_700_000_000_000 + id * 1000,
    startedAt: null,
    finishedAt: null,
    lastStep: 100,
    error: null,
    notes: null,
    sweepId: null,
    resumedFrom: null,
    orphaned: false,
    ownerPid: null,
    cancelRequested: false,
    deletedAt: null,
    tags: [],
    summaries: {
      'geom/deltaOF': summary(relu ? 0.001 * id : 0.5 + 0.0001 * id),
      'geom/deltaETF': summary(0.1),
      'geom/nc1': summary(0.01),
      'acc/nccTrain': summary(1),
      'train/loss': summary(80 + id / 100),
    },
    ...over,
  };
}

export const okAnalysis: NonNullable<MethodOutput<'runs.validate'>['analysis']> = {
  oneEpoch: {
    epochs: 1,
    batches: 11,
    withinClassConnected: true,
    allPairsCovered: true,
    ofUnique: true,
    classes: [0, 1, 2, 3].map((c) => ({ class: c, size: c < 2 ? 20 : 2, components: 1, unseen: 0 })),
    disconnectedClasses: [],
    uncoveredPairs: [],
  },
  union: {
    epochs: 5,
    batches: 55,
    withinClassConnected: true,
    allPairsCovered: true,
    ofUnique: true,
    classes: [0, 1, 2, 3].map((c) => ({ class: c, size: c < 2 ? 20 : 2, components: 1, unseen: 0 })),
    disconnectedClasses: [],
    uncoveredPairs: [],
  },
  binding: [12, 21, 40, 42],
};

export const badAnalysis: NonNullable<MethodOutput<'runs.validate'>['analysis']> = {
  ...okAnalysis,
  oneEpoch: {
    ...okAnalysis.oneEpoch,
    withinClassConnected: false,
    allPairsCovered: false,
    ofUnique: false,
    classes: [0, 1, 2, 3].map((c) => ({ class: c, size: c < 2 ? 20 : 2, components: c < 2 ? 5 : 1, unseen: 0 })),
    disconnectedClasses: [0, 1],
    uncoveredPairs: [
      [0, 2],
      [2, 3],
    ],
  },
  binding: null,
};

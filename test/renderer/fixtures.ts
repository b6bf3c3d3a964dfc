/** Contract-shaped rows and outputs for component tests. */
import type { MethodOutput } from '../../src-renderer/lib/client';
import type { RunRow } from '../../src-renderer/lib/run-fields';
import { findings } from '../../src-main/science/analyser';

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

type Report = NonNullable<MethodOutput<'runs.validate'>['analysis']>['oneEpoch'];
/** A report with its findings written by the science core's own sentences. */
const withFindings = (r: Omit<Report, 'findings'>): Report => ({ ...r, findings: findings(r) });

const okReport = (epochs: number, batches: number) =>
  withFindings({
    epochs,
    batches,
    rule: 'positive-in-batch',
    emptyBatches: 0,
    withinClassConnected: true,
    allPairsCovered: true,
    ofUnique: true,
    classes: [0, 1, 2, 3].map((c) => ({ class: c, size: c < 2 ? 20 : 2, components: 1, unseen: 0 })),
    disconnectedClasses: [],
    uncoveredPairs: [],
    uncovered: [],
  });

export const okAnalysis: NonNullable<MethodOutput<'runs.validate'>['analysis']> = {
  oneEpoch: okReport(1, 11),
  union: okReport(5, 55),
  binding: [12, 21, 40, 42],
};

export const badAnalysis: NonNullable<MethodOutput<'runs.validate'>['analysis']> = {
  ...okAnalysis,
  oneEpoch: withFindings({
    ...okAnalysis.oneEpoch,
    withinClassConnected: false,
    allPairsCovered: false,
    ofUnique: false,
    emptyBatches: 1,
    classes: [0, 1, 2, 3].map((c) => ({ class: c, size: c < 2 ? 20 : 2, components: c < 2 ? 5 : 1, unseen: 0 })),
    disconnectedClasses: [0, 1],
    uncoveredPairs: [
      [0, 2],
      [2, 3],
    ],
    uncovered: [
      { classes: [0, 2], reason: 'never-share-a-batch', sharedBatches: 0 },
      { classes: [2, 3], reason: 'singletons-only', sharedBatches: 1 },
    ],
  }),
  binding: null,
};

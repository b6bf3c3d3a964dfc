/**
 * What every job shares (run-job.ts picks the job). A job executes one validated run config in the current
 * thread (a worker in the app, the CLI process in tests):
 * builds the trainer, streams events through `sink`, and returns the result object of the contract.
 * Knows nothing of SQLite or of threads.
 */
import type { UfmConfig } from '../api/schema/config';
import { evalLossKey, type RunKindName } from '../api/schema/metric-keys';
import type { EvalRecordOut, FinalMetrics, RunResult } from '../api/schema/result';
import type { Geometry } from '../science/geometry';
import { classCounts } from '../science/imbalance';
import type { EvalRecord, UfmSpec } from '../science/ufm';
import type { CheckpointPayload } from './checkpoint-codec';

/** A matrix or vector of one evaluation point, row-major Float64. */
export interface SnapshotEvent {
  key: 'gram' | 'cosine' | 'classNorms' | 'classCounts';
  step: number;
  rows: number;
  cols: number;
  data: Float64Array;
}


export interface JobSink {
  /** epoch = completed epochs; batch/batches within the current epoch for deep runs. */
  progress?(p: { epoch: number; epochs: number; loss: number; batch?: number; batches?: number }): void;
  /** Scalars of one step: { 'train/loss': .., 'geom/deltaOF': .. } (keys: api/schema/metric-keys.ts) */
  metrics?(step: number, values: Record<string, number | null>): void;
  snapshot?(s: SnapshotEvent): void;
  /** Every evaluation point, for the result history and live views. */
  eval?(record: EvalRecordOut): void;
  checkpoint?(c: CheckpointPayload): void;
  log?(line: string): void;
  shouldStop?(): boolean;
}

export function ufmSpecFromConfig(c: UfmConfig): UfmSpec {
  return {
    k: c.classes,
    d: c.dim,
    counts: classCounts(c.imbalance, c.classes),
    relu: c.relu,
    tau: c.temperature,
    lossForm: c.lossForm,
    batching: {
      strategy: c.batching.strategy,
      batchSize: c.batching.batchSize,
      batches: c.batching.batches,
      binding: c.batching.binding,
      dropLast: c.batching.dropLast,
      stepPer: c.batching.stepPer,
    },
    optimizer: c.optimizer,
    stop: c.stop,
    epochs: c.epochs,
    seed: c.seed,
    evalEvery: c.evalEvery,
  };
}

/** Metric keys as stored and charted; the loss key says how the run kind combines batches (metric-keys.ts). */
export function evalScalars(r: EvalRecord | EvalRecordOut, kind: RunKindName): Record<string, number | null> {
  return {
    [evalLossKey(kind)]: r.loss,
    'train/optimalLoss': r.optimalLoss,
    'train/gap': r.gap,
    'geom/deltaOF': r.deltaOF,
    'geom/deltaETF': r.deltaETF,
    'geom/nc1': r.nc1,
    'geom/cosMean': r.cosMean,
    'geom/cosMin': r.cosMin,
    'geom/cosMax': r.cosMax,
    'geom/normRatio': r.normRatio,
    'acc/nccTrain': r.nccAccTrain,
  };
}

export function finalMetrics(rec: EvalRecord, geom: Geometry, counts: number[]): FinalMetrics {
  return {
    ...rec,
    cosGroups: geom.cosGroups,
    classNorms: geom.classNorms,
    classCounts: counts,
  };
}

export function emitSnapshots(sink: JobSink, step: number, geom: Geometry, counts: number[]): void {
  if (!sink.snapshot) return;
  const k = counts.length;
  sink.snapshot({ key: 'gram', step, rows: k, cols: k, data: geom.gram });
  sink.snapshot({ key: 'cosine', step, rows: k, cols: k, data: geom.cosine });
  sink.snapshot({ key: 'classNorms', step, rows: 1, cols: k, data: Float64Array.from(geom.classNorms) });
  sink.snapshot({ key: 'classCounts', step, rows: 1, cols: k, data: Float64Array.from(counts) });
}

export interface JobOptions {
  backend: string;
  restore?: CheckpointPayload;
  /** History of the run before a resume, so the result covers the whole run. */
  priorHistory?: EvalRecordOut[];
  /** Seconds already spent before a resume. */
  priorSeconds?: number;
}

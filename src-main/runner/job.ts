/**
 * Executes one validated run config in the current thread (a worker in the app, the CLI process in tests):
 * builds the trainer, streams events through `sink`, and returns the result object of the contract.
 * Knows nothing of SQLite or of threads.
 */
import type { RunConfig, UfmConfig } from '../api/schema/config';
import type { EvalRecordOut, FinalMetrics, RunResult } from '../api/schema/result';
import type { Geometry } from '../science/geometry';
import { classCounts } from '../science/imbalance';
import type { OptimizerState } from '../science/optim';
import { UfmTrainer, type EvalRecord, type UfmSpec, type UfmState } from '../science/ufm';

/** A matrix or vector of one evaluation point, row-major Float64. */
export interface SnapshotEvent {
  key: 'gram' | 'cosine' | 'classNorms' | 'classCounts';
  step: number;
  rows: number;
  cols: number;
  data: Float64Array;
}

export interface CheckpointPayload {
  kind: 'ufm';
  epoch: number;
  H: Float32Array;
  opt: OptimizerState;
}

export interface JobSink {
  progress?(p: { epoch: number; epochs: number; loss: number }): void;
  /** Scalars of one step: { 'train/loss': .., 'geom/deltaOF': .. } */
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
      binding: c.batching.binding,
      dropLast: c.batching.dropLast,
      stepPer: c.batching.stepPer,
    },
    optimizer: c.optimizer,
    epochs: c.epochs,
    seed: c.seed,
    evalEvery: c.evalEvery,
  };
}

/** Metric keys as stored and charted. */
export function evalScalars(r: EvalRecord | EvalRecordOut): Record<string, number | null> {
  return {
    'train/loss': r.loss,
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

function emitSnapshots(sink: JobSink, step: number, geom: Geometry, counts: number[]): void {
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
  /** Checkpoint every this many epochs (and at every eval); 0 = only at evals. */
  checkpointEvery?: number;
  /** History of the run before a resume, so the result covers the whole run. */
  priorHistory?: EvalRecordOut[];
  /** Seconds already spent before a resume. */
  priorSeconds?: number;
}

export function runJob(config: RunConfig, sink: JobSink, opts: JobOptions): RunResult {
  const t0 = performance.now();
  const spec = ufmSpecFromConfig(config);
  const restore: UfmState | undefined = opts.restore
    ? { epoch: opts.restore.epoch, H: opts.restore.H, opt: opts.restore.opt }
    : undefined;
  const trainer = new UfmTrainer(spec, restore);
  const history: EvalRecordOut[] = (opts.priorHistory ?? []).filter((h) => h.epoch < trainer.state.epoch);
  const ckptEvery = opts.checkpointEvery ?? 0;
  const checkpoint = () =>
    sink.checkpoint?.({ kind: 'ufm', epoch: trainer.state.epoch, H: trainer.state.H.slice(), opt: cloneOpt(trainer.state.opt) });
  try {
    const out = trainer.run({
      onEpoch(epoch, loss) {
        sink.progress?.({ epoch, epochs: spec.epochs, loss });
        sink.metrics?.(epoch, { 'train/epochLoss': loss });
        if (ckptEvery > 0 && epoch % ckptEvery === 0 && !trainer.isEvalEpoch(epoch)) checkpoint();
      },
      onEval(rec, geom) {
        history.push(rec);
        sink.eval?.(rec);
        sink.metrics?.(rec.epoch, evalScalars(rec));
        emitSnapshots(sink, rec.epoch, geom, spec.counts);
        checkpoint();
      },
      shouldStop: sink.shouldStop,
    });
    return {
      status: out.status === 'cancelled' ? 'cancelled' : 'finished',
      backend: opts.backend,
      config,
      final: finalMetrics(out.last.rec, out.last.geom, spec.counts),
      history,
      seconds: (opts.priorSeconds ?? 0) + (performance.now() - t0) / 1000,
    };
  } finally {
    trainer.dispose();
  }
}

function cloneOpt(o: OptimizerState): OptimizerState {
  return { t: o.t, m: o.m?.slice(), v: o.v?.slice() };
}

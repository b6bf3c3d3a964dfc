/** A deep-network run (spec section 7). */
import type { DeepConfig } from '../api/schema/config';
import type { EvalRecordOut, RunResult } from '../api/schema/result';
import { DeepTrainer, type DeepSpec } from '../science/deep';
import { loadDeepData } from './deep-data';
import { emitSnapshots, evalScalars, finalMetrics, type JobOptions, type JobSink } from './job';

export function deepSpecFromConfig(c: DeepConfig): DeepSpec {
  return {
    model: c.model.name === 'mlp' ? { name: 'mlp', hidden: c.model.hidden } : c.model.name === 'cnn' ? { name: 'cnn' } : { name: 'resnet18', width: c.model.width },
    dim: c.dim,
    relu: c.relu,
    loss: c.loss,
    tau: c.temperature,
    lossForm: c.lossForm,
    views: c.loss === 'ce' ? 1 : c.views,
    batching: { strategy: c.batching.strategy, batchSize: c.batching.batchSize, batches: c.batching.batches, binding: c.batching.binding, dropLast: c.batching.dropLast },
    optimizer: c.optimizer,
    schedule: c.schedule,
    epochs: c.epochs,
    evalEvery: c.evalEvery,
    seed: c.seed,
  };
}

export async function runDeepJob(config: DeepConfig, sink: JobSink, opts: JobOptions): Promise<RunResult> {
  const t0 = performance.now();
  const loaded = loadDeepData(config);
  sink.log?.(`data: ${loaded.source}`);
  const trainer = new DeepTrainer(deepSpecFromConfig(config), loaded.data, loaded.augment);
  sink.log?.(`model: ${config.model.name}, ${trainer.params.toLocaleString('en')} parameters`);
  try {
    if (opts.restore) {
      if (opts.restore.kind !== 'deep') throw new Error(`cannot resume a deep run from a ${opts.restore.kind} checkpoint`);
      await trainer.restore(opts.restore.state);
      sink.log?.(`resumed at epoch ${trainer.epoch}`);
    }
    const history: EvalRecordOut[] = (opts.priorHistory ?? []).filter((h) => h.epoch < trainer.epoch);
    const counts = loaded.data.counts;
    const out = await trainer.run(
      {
        onBatch: (p) => sink.progress?.({ epoch: p.epoch, epochs: config.epochs, loss: p.loss, batch: p.batch, batches: p.batches }),
        onEpoch(epoch, loss, lr) {
          sink.progress?.({ epoch, epochs: config.epochs, loss });
          sink.metrics?.(epoch, { 'train/epochLossMean': loss, 'train/lr': lr }); // mean over the epoch's batches
        },
        onEval(rec, geom) {
          history.push(rec);
          sink.eval?.(rec);
          const ce: Record<string, number | null> = rec.ceAccTrain === undefined ? {} : { 'acc/ceTrain': rec.ceAccTrain, 'acc/ceTest': rec.ceAccTest ?? null };
          sink.metrics?.(rec.epoch, { ...evalScalars(rec, 'deep'), 'acc/nccTest': rec.nccAccTest, ...ce });
          emitSnapshots(sink, rec.epoch, geom, counts);
        },
        shouldStop: sink.shouldStop,
      },
      (c) => sink.checkpoint?.({ kind: 'deep', epoch: c.epoch, state: c }),
    );
    return {
      status: out.status,
      backend: opts.backend,
      config,
      final: {
        ...finalMetrics(out.last.rec, out.last.geom, counts),
        nccAccTest: out.last.rec.nccAccTest,
        ...(out.last.rec.ceAccTrain === undefined ? {} : { ceAccTrain: out.last.rec.ceAccTrain, ceAccTest: out.last.rec.ceAccTest ?? null }),
      },
      history,
      seconds: (opts.priorSeconds ?? 0) + (performance.now() - t0) / 1000,
    };
  } finally {
    trainer.dispose();
  }
}

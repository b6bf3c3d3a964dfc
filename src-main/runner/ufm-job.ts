/** A UFM / UFM+ run (spec section 2): projected gradient descent on the features themselves. */
import type { UfmConfig } from '../api/schema/config';
import type { EvalRecordOut, RunResult } from '../api/schema/result';
import type { OptimizerState } from '../science/optim';
import { UfmTrainer, type UfmState } from '../science/ufm';
import { emitSnapshots, evalScalars, finalMetrics, ufmSpecFromConfig, type JobOptions, type JobSink } from './job';

function cloneOpt(o: OptimizerState): OptimizerState {
  return { t: o.t, m: o.m?.slice(), v: o.v?.slice() };
}

export function runUfmJob(config: UfmConfig, sink: JobSink, opts: JobOptions): RunResult {
  const t0 = performance.now();
  const spec = ufmSpecFromConfig(config);
  if (opts.restore && opts.restore.kind !== 'ufm') throw new Error(`cannot resume a UFM run from a ${opts.restore.kind} checkpoint`);
  const restore: UfmState | undefined = opts.restore ? { epoch: opts.restore.epoch, H: opts.restore.H, opt: opts.restore.opt } : undefined;
  const trainer = new UfmTrainer(spec, restore);
  const history: EvalRecordOut[] = (opts.priorHistory ?? []).filter((h) => h.epoch < trainer.state.epoch);
  try {
    const out = trainer.run({
      onEpoch(epoch, loss) {
        sink.progress?.({ epoch, epochs: spec.epochs, loss });
        sink.metrics?.(epoch, { 'train/epochLoss': loss });
      },
      onEval(rec, geom) {
        history.push(rec);
        sink.eval?.(rec);
        sink.metrics?.(rec.epoch, evalScalars(rec));
        emitSnapshots(sink, rec.epoch, geom, spec.counts);
        sink.checkpoint?.({ kind: 'ufm', epoch: trainer.state.epoch, H: trainer.state.H.slice(), opt: cloneOpt(trainer.state.opt) });
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

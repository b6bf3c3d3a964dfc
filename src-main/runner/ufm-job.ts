/** A UFM / UFM+ run (spec section 2): projected gradient descent on the features themselves. */
import type { UfmConfig } from '../api/schema/config';
import type { EvalRecordOut, RunResult } from '../api/schema/result';
import type { LbfgsState } from '../science/lbfgs';
import type { OptimizerState } from '../science/optim';
import { UfmTrainer, type UfmState } from '../science/ufm';
import { emitSnapshots, evalScalars, finalMetrics, ufmSpecFromConfig, type JobOptions, type JobSink } from './job';

function cloneOpt(o: OptimizerState): OptimizerState {
  return { t: o.t, m: o.m?.slice(), v: o.v?.slice() };
}

function cloneLbfgs(s: LbfgsState | undefined): LbfgsState | undefined {
  return s && { ...s, x: s.x.slice(), g: s.g.slice(), S: s.S.map((v) => v.slice()), Y: s.Y.map((v) => v.slice()) };
}

export function runUfmJob(config: UfmConfig, sink: JobSink, opts: JobOptions): RunResult {
  const t0 = performance.now();
  const spec = ufmSpecFromConfig(config);
  if (opts.restore && opts.restore.kind !== 'ufm') throw new Error(`cannot resume a UFM run from a ${opts.restore.kind} checkpoint`);
  const r = opts.restore;
  if (r && (config.optimizer.name === 'lbfgs') !== !!r.lbfgs)
    throw new Error(`the checkpoint of epoch ${r.epoch} was written by another optimiser than ${config.optimizer.name}: cannot resume it`);
  const restore: UfmState | undefined = r ? { epoch: r.epoch, H: r.H, opt: r.opt, lbfgs: r.lbfgs } : undefined;
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
        sink.metrics?.(rec.epoch, { ...evalScalars(rec, 'ufm'), 'train/evals': trainer.evaluations });
        emitSnapshots(sink, rec.epoch, geom, spec.counts);
        const s = trainer.state;
        sink.checkpoint?.({ kind: 'ufm', epoch: s.epoch, H: s.H.slice(), opt: cloneOpt(s.opt), lbfgs: cloneLbfgs(s.lbfgs) });
      },
      shouldStop: sink.shouldStop,
      elapsedSeconds: () => (opts.priorSeconds ?? 0) + (performance.now() - t0) / 1000,
    });
    return {
      status: out.status === 'cancelled' ? 'cancelled' : 'finished',
      backend: opts.backend,
      config,
      final: { ...finalMetrics(out.last.rec, out.last.geom, spec.counts), evals: trainer.evaluations, ...(trainer.repairs !== null ? { repairs: trainer.repairs } : {}) },
      ...(out.stopReason ? { stopReason: out.stopReason } : {}),
      history,
      seconds: (opts.priorSeconds ?? 0) + (performance.now() - t0) / 1000,
    };
  } finally {
    trainer.dispose();
  }
}

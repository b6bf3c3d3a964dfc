/** The contract's `slurm.*` methods over the cluster launcher (src-main/cluster). */
import { collectSweep, sweepStatus } from '../cluster/collect';
import { ClusterError } from '../cluster/script';
import type { Store } from '../store';
import { ApiError } from './errors';

function clusterErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ClusterError) throw new ApiError('STATE', e.message);
    throw e;
  }
}

/** Every sweep on Slurm, newest first; sweeps whose runs were all collected ask neither Slurm nor the shards. */
export function slurmSweeps(store: Store) {
  return clusterErrors(() => ({
    sweeps: store.listClusterSweeps().map((cs) => {
      const s = sweepStatus(store, cs.sweepId, { skipCollected: true });
      return {
        sweepId: s.sweepId,
        name: s.name,
        jobId: s.jobId,
        folder: s.folder,
        schedulerError: s.schedulerError,
        tasks: s.tasks.map((t) => ({
          index: t.index,
          runId: t.runId,
          name: t.name,
          status: t.status,
          slurmState: t.slurmState,
          reason: t.reason,
          shard: t.shard && { status: t.shard.status, epoch: t.shard.epoch, epochs: t.shard.epochs, loss: t.shard.loss, deltaOF: t.shard.deltaOF, error: t.shard.error },
        })),
      };
    }),
  }));
}

export function slurmCollect(store: Store, sweepId: number, partial: boolean) {
  return clusterErrors(() => {
    let r;
    try {
      r = collectSweep(store, sweepId, { partial });
    } catch (e) {
      // no Slurm on this machine: the shards alone decide
      if (!(e instanceof ClusterError)) throw e;
      r = collectSweep(store, sweepId, { partial, offline: true });
    }
    return {
      collected: r.collected.filter((c) => c.action !== 'unchanged').length,
      unchanged: r.collected.filter((c) => c.action === 'unchanged').length,
      waiting: r.waiting.length,
    };
  });
}

/**
 * One Slurm array task: exactly one run, into its own shard (rollback journal: the folder may be on NFS),
 * with the run's uuid from the main database. A requeued / preempted / resubmitted task finds its shard and
 * continues from the last checkpoint; a finished one does nothing. SIGTERM (scancel, preemption, requeue,
 * time limit) stops the run at its next epoch and keeps the checkpoint.
 */
import { hostname } from 'node:os';
import { Runner } from '../runner/runner';
import { openStore } from '../store';
import { readJsonFile, readManifest, shardPath, taskConfigPath } from './folder';
import { ClusterError } from './script';
import { epochLossKey } from '../api/schema/metric-keys';

export interface TaskOutcome {
  code: number;
  status: string;
}

export async function runArrayTask(folder: string, index: number, log: (line: string) => void, backend?: string): Promise<TaskOutcome> {
  const manifest = readManifest(folder);
  const task = manifest.tasks.find((t) => t.index === index);
  if (!task) throw new ClusterError(`task ${index} is not in ${folder}/sweep.json (it has tasks 0-${manifest.tasks.length - 1})`);
  const bundle = readJsonFile(taskConfigPath(folder, index), `the config of task ${index}`);
  const restart = process.env.SLURM_RESTART_COUNT ?? '0';
  log(`scl-lab task ${index} of sweep "${manifest.sweepName}" on ${hostname()} (Slurm job ${process.env.SLURM_ARRAY_JOB_ID ?? '?'}, restart ${restart})`);

  const store = openStore(shardPath(folder, index), { journalMode: 'delete' });
  let runner: Runner | null = null;
  try {
    let run = store.getRunByUuid(task.runUuid);
    if (run === null) {
      store.importRuns(bundle, { onDuplicate: 'error' });
      run = store.getRunByUuid(task.runUuid);
      if (run === null) throw new ClusterError(`${taskConfigPath(folder, index)} does not hold run ${task.runUuid}`);
    }
    const id = run.id;
    if (run.status === 'finished') {
      log(`run ${task.runUuid} already finished in its shard; nothing to do`);
      return { code: 0, status: 'finished' };
    }
    // the previous attempt was killed (requeue, preemption, node failure): its pid means nothing here
    if (run.status === 'running') store.reconcile(Date.now(), { isAlive: () => false, staleMs: 0 });
    if (store.getRun(id).status !== 'queued') store.requeue(id);
    const ckpt = store.latestCheckpoint(id);
    const epochs = (run.config as { epochs?: number }).epochs;
    log(ckpt ? `resuming run ${task.runUuid} from its checkpoint at epoch ${ckpt.step} of ${epochs}` : `starting run ${task.runUuid} (${epochs} epochs)`);

    runner = new Runner(store, { concurrency: 1, backend, cancelGraceMs: 5000 });
    const r = runner;
    const onSignal = (sig: NodeJS.Signals) => {
      log(`${sig}: stopping the run at its next epoch; its checkpoint stays in the shard`);
      r.cancel(id);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
      runner.enqueue(id);
      await runner.onIdle();
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
    const end = store.getRun(id);
    const res = { status: end.status, error: end.error };
    const last = end.summaries['geom/deltaOF']?.last;
    log(`run ${task.runUuid} ${res!.status}${res!.error ? `: ${res!.error}` : ''} at epoch ${end.summaries[epochLossKey(end.kind)]?.lastStep ?? 0}${last !== undefined ? `, deltaOF ${last}` : ''}`);
    return { code: res!.status === 'finished' ? 0 : res!.status === 'cancelled' ? 143 : 1, status: res!.status };
  } finally {
    if (runner) await runner.shutdown();
    store.close();
  }
}

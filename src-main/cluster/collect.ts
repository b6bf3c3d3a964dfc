/**
 * Watching and collecting a sweep on Slurm: the scheduler's view (squeue / sacct) joined with each shard's
 * progress, and the shards merged into the main database by run uuid (idempotent: run it as often as you like).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { openStore, type ClusterSweep, type RunStatus, type Store } from '../store';
import { readManifest, shardPath, type Manifest } from './folder';
import { ClusterError } from './script';
import { ACTIVE_STATES, scancel, taskStates, type TaskState } from './slurm';
import { epochLossKey } from '../api/schema/metric-keys';

export interface ShardProgress {
  status: string;
  epoch: number;
  epochs: number | null;
  loss: number | null;
  deltaOF: number | null;
  error: string | null;
  statusDetail: string | null;
}

export interface TaskStatus {
  index: number;
  runId: number | null;
  runUuid: string;
  name: string | null;
  /** The run's status in the main database (queued until collected). */
  status: RunStatus | null;
  /** Slurm's state; NOT SUBMITTED (dry run), UNKNOWN (gone from squeue, no accounting, or no Slurm here), COLLECTED. */
  slurmState: string;
  reason: string | null;
  shard: ShardProgress | null;
}

export interface SweepStatus {
  sweepId: number;
  name: string;
  jobId: string | null;
  folder: string;
  /** Why Slurm could not be asked (e.g. no squeue on this machine), or null. */
  schedulerError: string | null;
  tasks: TaskStatus[];
}

const finite = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);

/** A shard's run, read-only (the task may be writing it); null when the task has not created it yet. */
export function shardProgress(folder: string, index: number, uuid: string): ShardProgress | null {
  const file = shardPath(folder, index);
  if (!existsSync(file)) return null;
  let shard: Store;
  try {
    shard = openStore(file, { readonly: true });
  } catch {
    return null; // being created (not migrated yet)
  }
  try {
    const r = shard.getRunByUuid(uuid);
    if (r === null) return null;
    const loss = r.summaries[epochLossKey(r.kind)];
    return {
      status: r.status,
      epoch: loss?.lastStep ?? 0,
      epochs: typeof r.config['epochs'] === 'number' ? (r.config['epochs'] as number) : null,
      loss: finite(loss?.last),
      deltaOF: finite(r.summaries['geom/deltaOF']?.last),
      error: r.error,
      statusDetail: r.statusDetail,
    };
  } finally {
    shard.close();
  }
}

function states(jobId: string | null): Map<number, TaskState> | null {
  return jobId === null ? null : taskStates(jobId);
}

const ENDED = ['finished', 'failed', 'cancelled'];

/**
 * Each task: Slurm's view joined with its shard's progress. With `skipCollected`, a sweep whose runs all ended
 * here already asks neither Slurm nor the shards (the app polls every sweep).
 */
export function sweepStatus(store: Store, sweepId: number, opts: { skipCollected?: boolean } = {}): SweepStatus {
  const cs = store.getClusterSweep(sweepId);
  const local = new Map(cs.tasks.map((t) => [t.index, store.getRun(t.runId)]));
  const collected = opts.skipCollected === true && [...local.values()].every((r) => ENDED.includes(r.status));
  let slurm: Map<number, TaskState> | null = null;
  let schedulerError: string | null = null;
  if (!collected) {
    try {
      slurm = states(cs.jobId);
    } catch (e) {
      if (!(e instanceof ClusterError)) throw e;
      schedulerError = e.message;
    }
  }
  return {
    sweepId,
    name: store.getSweep(sweepId).name,
    jobId: cs.jobId,
    folder: cs.folder,
    schedulerError,
    tasks: cs.tasks.map((t) => {
      const s = slurm?.get(t.index);
      const run = local.get(t.index)!;
      const state = collected ? 'COLLECTED' : schedulerError ? 'UNKNOWN' : cs.jobId === null ? 'NOT SUBMITTED' : (s?.state ?? 'UNKNOWN');
      return {
        index: t.index,
        runId: t.runId,
        runUuid: t.runUuid,
        name: run.name,
        status: run.status,
        slurmState: state,
        reason: s?.reason ?? (state === 'UNKNOWN' && !schedulerError ? 'not in squeue any more (and no sacct accounting)' : null),
        shard: collected ? null : shardProgress(cs.folder, t.index, t.runUuid),
      };
    }),
  };
}

export interface CollectReport {
  folder: string;
  collected: { index: number; runId: number; uuid: string; action: 'inserted' | 'replaced' | 'unchanged'; status: string }[];
  waiting: { index: number; uuid: string; why: string }[];
}

/**
 * Merges the folder's shards: ended runs (finished, failed, cancelled) whose task Slurm no longer runs, and with
 * `partial` every shard as it is. `slurm` (when known) keeps a requeued task's stopped shard from counting as ended.
 */
export function collectFolder(store: Store, folder: string, opts: { partial?: boolean; slurm?: Map<number, TaskState> | null } = {}): CollectReport {
  const dir = resolve(folder);
  const manifest: Manifest = readManifest(dir);
  const report: CollectReport = { folder: dir, collected: [], waiting: [] };
  for (const t of manifest.tasks) {
    const file = shardPath(dir, t.index);
    if (!existsSync(file)) {
      report.waiting.push({ index: t.index, uuid: t.runUuid, why: 'no shard yet (the task has not started)' });
      continue;
    }
    const shard = openStore(file, { readonly: true });
    try {
      const r = shard.getRunByUuid(t.runUuid);
      if (r === null) {
        report.waiting.push({ index: t.index, uuid: t.runUuid, why: 'the shard does not hold the run yet' });
        continue;
      }
      const slurmState = opts.slurm?.get(t.index)?.state;
      const onSlurm = slurmState !== undefined && ACTIVE_STATES.includes(slurmState);
      const ended = ENDED.includes(r.status) && !(onSlurm && r.status !== 'finished');
      if (!ended && !opts.partial) {
        report.waiting.push({ index: t.index, uuid: t.runUuid, why: `${r.status} in its shard${slurmState ? `, ${slurmState} on Slurm` : ''}` });
        continue;
      }
      const bundle = shard.exportRuns([r.id]);
      const partialDetail = `partial: collected at epoch ${r.summaries[epochLossKey(r.kind)]?.lastStep ?? 0} while the run was ${r.status}${slurmState ? ` (${slurmState} on Slurm)` : ''}`;
      if (!ended) bundle.runs[0] = { ...bundle.runs[0]!, status: 'running' }; // arrives as interrupted + partialDetail
      const [m] = store.mergeShardRuns(bundle, { partialDetail });
      report.collected.push({ index: t.index, runId: m!.runId, uuid: m!.uuid, action: m!.action, status: m!.status });
    } finally {
      shard.close();
    }
  }
  return report;
}

/** `offline`: do not ask Slurm (none here); the shards alone say which runs ended. */
export function collectSweep(store: Store, sweepId: number, opts: { partial?: boolean; offline?: boolean } = {}): CollectReport {
  const cs: ClusterSweep = store.getClusterSweep(sweepId);
  return collectFolder(store, cs.folder, { partial: opts.partial, slurm: opts.offline ? null : states(cs.jobId) });
}

/**
 * scancel, then (unless `waitMs` is 0) wait until Slurm runs none of the tasks, mark the runs that never started
 * as cancelled and collect the rest (their shards say where they stopped).
 */
export async function cancelSweep(store: Store, sweepId: number, waitMs = 60_000): Promise<{ jobId: string; stopped: boolean; report: CollectReport | null }> {
  const cs = store.getClusterSweep(sweepId);
  if (cs.jobId === null) throw new ClusterError(`sweep ${sweepId} was never submitted (--dry-run); there is nothing to cancel`);
  scancel(cs.jobId);
  if (waitMs === 0) return { jobId: cs.jobId, stopped: false, report: null };
  const t0 = Date.now();
  let live = taskStates(cs.jobId);
  while ([...live.values()].some((s) => ACTIVE_STATES.includes(s.state)) && Date.now() - t0 < waitMs) {
    await new Promise((r) => setTimeout(r, 500));
    live = taskStates(cs.jobId);
  }
  const stopped = ![...live.values()].some((s) => ACTIVE_STATES.includes(s.state));
  for (const t of cs.tasks) {
    if (!existsSync(shardPath(cs.folder, t.index)) && store.getRun(t.runId).status === 'queued') {
      store.finishRun(t.runId, 'cancelled', { detail: `cancelled on Slurm (job ${cs.jobId}) before it started` });
    }
  }
  return { jobId: cs.jobId, stopped, report: collectFolder(store, cs.folder, { slurm: live }) };
}

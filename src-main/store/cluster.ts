import { applyBatch } from './batch';
import { canonicalJson, configHash } from './canonical';
import type { StoreContext } from './context';
import { StoreError } from './errors';
import { importRuns, parseBundle, pendingScalars, pendingSnapshots } from './import';
import { normaliseTag } from './runs';

/**
 * Sweeps scheduled on a cluster (cluster_sweeps / cluster_tasks, migration 5) and merging a task's shard (its own
 * SQLite file, same run uuid) back into this database: the shard's copy replaces the placeholder, keeping its id.
 */

export interface ClusterTask {
  readonly index: number;
  readonly runId: number;
  readonly runUuid: string;
}

export interface ClusterSweep {
  readonly sweepId: number;
  readonly scheduler: 'slurm';
  readonly folder: string;
  readonly jobId: string | null;
  readonly submittedAt: number | null;
  readonly options: unknown;
  readonly createdAt: number;
  readonly tasks: readonly ClusterTask[];
}

export interface MergeResult {
  readonly uuid: string;
  readonly runId: number;
  /** inserted: new here; replaced: the shard's copy replaced this database's; unchanged: already the same. */
  readonly action: 'inserted' | 'replaced' | 'unchanged';
  readonly status: string;
}

interface SweepRow {
  sweep_id: number;
  scheduler: 'slurm';
  folder: string;
  job_id: string | null;
  submitted_at: number | null;
  options_json: string;
  created_at: number;
}

export function recordClusterSweep(
  ctx: StoreContext,
  sweepId: number,
  info: { scheduler: 'slurm'; folder: string; options: unknown; runIds: readonly number[] },
  now = Date.now(),
): void {
  ctx.assertWritable('record a cluster sweep');
  ctx.db.transaction(() => {
    if (ctx.stmt('SELECT 1 FROM sweeps WHERE id = ?').get(sweepId) === undefined) {
      throw new StoreError('NOT_FOUND', `sweep ${sweepId} does not exist in ${ctx.file}`);
    }
    ctx
      .stmt('INSERT INTO cluster_sweeps(sweep_id, scheduler, folder, options_json, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(sweepId, info.scheduler, info.folder, canonicalJson(info.options ?? {}, 'cluster options'), now);
    info.runIds.forEach((runId, index) => {
      ctx.assertRun(runId);
      ctx.stmt('INSERT INTO cluster_tasks(run_id, sweep_id, task_index) VALUES (?, ?, ?)').run(runId, sweepId, index);
    });
  })();
}

export function setClusterJob(ctx: StoreContext, sweepId: number, jobId: string, now = Date.now()): void {
  ctx.assertWritable('record a cluster job id');
  const changed = ctx.stmt('UPDATE cluster_sweeps SET job_id = ?, submitted_at = ? WHERE sweep_id = ?').run(jobId, now, sweepId).changes;
  if (changed === 0) throw new StoreError('NOT_FOUND', `sweep ${sweepId} was not scheduled on a cluster (in ${ctx.file})`);
}

function toSweep(ctx: StoreContext, r: SweepRow): ClusterSweep {
  const tasks = ctx
    .stmt(
      `SELECT t.task_index AS "index", t.run_id AS runId, r.uuid AS runUuid FROM cluster_tasks t JOIN runs r ON r.id = t.run_id
       WHERE t.sweep_id = ? ORDER BY t.task_index`,
    )
    .all(r.sweep_id) as ClusterTask[];
  return {
    sweepId: r.sweep_id,
    scheduler: r.scheduler,
    folder: r.folder,
    jobId: r.job_id,
    submittedAt: r.submitted_at,
    options: JSON.parse(r.options_json),
    createdAt: r.created_at,
    tasks,
  };
}

const SWEEP_COLUMNS = 'sweep_id, scheduler, folder, job_id, submitted_at, options_json, created_at';

export function getClusterSweep(ctx: StoreContext, sweepId: number): ClusterSweep {
  ctx.assertOpen();
  return ctx.read(() => {
    const row = ctx.stmt(`SELECT ${SWEEP_COLUMNS} FROM cluster_sweeps WHERE sweep_id = ?`).get(sweepId) as SweepRow | undefined;
    if (row === undefined) {
      const exists = ctx.stmt('SELECT 1 FROM sweeps WHERE id = ?').get(sweepId) !== undefined;
      throw new StoreError('NOT_FOUND', exists ? `sweep ${sweepId} was not scheduled on Slurm (it ran locally)` : `sweep ${sweepId} does not exist in ${ctx.file}`);
    }
    return toSweep(ctx, row);
  });
}

export function listClusterSweeps(ctx: StoreContext): ClusterSweep[] {
  ctx.assertOpen();
  return ctx.read(() =>
    (ctx.stmt(`SELECT ${SWEEP_COLUMNS} FROM cluster_sweeps ORDER BY created_at DESC, sweep_id DESC`).all() as SweepRow[]).map((r) => toSweep(ctx, r)),
  );
}

/** Whether a run waits on (or ran on) a cluster: local runners must not take it. */
export function isClusterTask(ctx: StoreContext, runId: number): boolean {
  ctx.assertOpen();
  return ctx.stmt('SELECT 1 FROM cluster_tasks WHERE run_id = ?').get(runId) !== undefined;
}

const DELETE_SERIES = ['scalars', 'run_summary', 'scalar_blocks', 'snapshots', 'checkpoints'].map((t) => `DELETE FROM ${t} WHERE run_id = ?`);

/**
 * Merges an export bundle read from a shard: runs new here are imported; a run already here (same uuid) is
 * replaced by the shard's copy (status, times, result, every series) unless it is the same already. A shard's
 * run that is still queued or running arrives as `interrupted` with `partialDetail`, so no process here claims
 * it; its next merge replaces it again. The run keeps its id, notes and tags here (the shard's tags are added).
 */
export function mergeShardRuns(ctx: StoreContext, input: unknown, opts: { partialDetail?: string } = {}): MergeResult[] {
  ctx.assertWritable('merge shard runs');
  const bundle = parseBundle(input);
  const pendingKeys = new Map<string, number>();
  const results = ctx.db
    .transaction((): MergeResult[] => {
      const out: MergeResult[] = [];
      for (const r of bundle.runs) {
        const active = r.status === 'queued' || r.status === 'running';
        const status = active ? 'interrupted' : r.status;
        const detail = active ? (opts.partialDetail ?? `partial: the run was ${r.status} in its shard`) : r.statusDetail;
        const here = ctx.stmt('SELECT id, status, status_detail, finished_at, heartbeat_at FROM runs WHERE uuid = ?').get(r.uuid) as
          | { id: number; status: string; status_detail: string | null; finished_at: number | null; heartbeat_at: number | null }
          | undefined;
        if (here === undefined) {
          const rep = importRuns(ctx, { ...bundle, runs: [r] });
          const id = rep.imported[0]?.id ?? rep.skipped[0]!.id;
          out.push({ uuid: r.uuid, runId: id, action: 'inserted', status: r.status === 'running' ? 'interrupted' : r.status });
          continue;
        }
        if (here.status === status && here.finished_at === (active ? null : r.finishedAt) && here.heartbeat_at === r.heartbeatAt && here.status_detail === detail) {
          out.push({ uuid: r.uuid, runId: here.id, action: 'unchanged', status });
          continue;
        }
        for (const sql of DELETE_SERIES) ctx.stmt(sql).run(here.id);
        const json = (v: unknown, field: string): string | null =>
          v === undefined || v === null ? null : canonicalJson(v, `run ${r.uuid} ${field}`);
        ctx
          .stmt(
            `UPDATE runs SET name = ?, status = ?, status_detail = ?, config_json = ?, config_hash = ?, seed = ?, backend = ?,
               app_version = ?, env_json = ?, started_at = ?, finished_at = ?, heartbeat_at = ?, last_step = ?, error = ?,
               result_json = ?, owner_pid = NULL, cancel_requested_at = NULL
             WHERE id = ?`,
          )
          .run(r.name, status, detail, canonicalJson(r.config, `run ${r.uuid} config`), configHash(r.config), r.seed, r.backend,
            r.appVersion, json(r.env, 'env'), r.startedAt, active ? null : r.finishedAt, r.heartbeatAt, r.lastStep, r.error,
            json(r.result, 'result'), here.id);
        for (const t of r.tags) {
          const name = normaliseTag(t);
          ctx.stmt('INSERT OR IGNORE INTO tags(name) VALUES (?)').run(name);
          ctx.stmt('INSERT OR IGNORE INTO run_tags(run_id, tag_id) SELECT ?, id FROM tags WHERE name = ?').run(here.id, name);
        }
        applyBatch(ctx, pendingScalars(here.id, r), pendingSnapshots(here.id, r), pendingKeys, 0, false);
        out.push({ uuid: r.uuid, runId: here.id, action: 'replaced', status });
      }
      return out;
    })
    .immediate();
  ctx.commitKeyIds(pendingKeys);
  return results;
}

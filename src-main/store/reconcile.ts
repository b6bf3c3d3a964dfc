import type { StoreContext } from './context';
import { judge, THIS_HOST, type LivenessOptions } from './liveness';

/**
 * Writers persist the liveness rule (liveness.ts): runs left `running` by a dead or silent owner become
 * `interrupted`; queued runs of a dead owner can be adopted by a process that runs the queue.
 */

export { STALE_HEARTBEAT_MS, processAlive } from './liveness';
export type ReconcileOptions = LivenessOptions;

interface ActiveRow {
  id: number;
  status: string;
  owner_pid: number | null;
  owner_host: string | null;
  heartbeat_at: number | null;
  started_at: number | null;
  created_at: number;
  scheduled: number;
}

// scheduled: a task of a sweep on a cluster scheduler (its placeholder waits queued; no local process owns it)
const ACTIVE_SELECT = `SELECT id, status, owner_pid, owner_host, heartbeat_at, started_at, created_at,
  EXISTS(SELECT 1 FROM cluster_tasks c WHERE c.run_id = runs.id) AS scheduled FROM runs WHERE status = ?`;

const owner = (r: ActiveRow) => ({
  status: r.status,
  ownerPid: r.owner_pid,
  ownerHost: r.owner_host,
  heartbeatAt: r.heartbeat_at,
  startedAt: r.started_at,
  createdAt: r.created_at,
  scheduled: r.scheduled === 1,
});

/** Returns the ids it marked interrupted; status_detail says why. */
export function reconcile(ctx: StoreContext, now = Date.now(), opts: ReconcileOptions = {}): number[] {
  ctx.assertWritable('reconcile runs');
  return ctx.db
    .transaction(() => {
      const rows = ctx.stmt(ACTIVE_SELECT).all('running') as ActiveRow[];
      const mark = ctx.stmt(
        `UPDATE runs SET status = 'interrupted', status_detail = ?, finished_at = ? WHERE id = ? AND status = 'running'`,
      );
      const ids: number[] = [];
      for (const r of rows) {
        const v = judge(owner(r), now, opts);
        if (v.kind !== 'interrupted') continue;
        mark.run(v.detail, v.since, r.id);
        ids.push(r.id);
      }
      return ids;
    })
    .immediate();
}

/**
 * Takes over the queued runs whose owner is gone (or that nobody queued): they become this process's
 * (`pid`), oldest first, and their ids are returned for its runner to enqueue. `only` limits it to some runs.
 */
export function adoptOrphans(ctx: StoreContext, pid: number, now = Date.now(), opts: ReconcileOptions & { only?: readonly number[] } = {}): number[] {
  ctx.assertWritable('adopt queued runs');
  return ctx.db
    .transaction(() => {
      const rows = (ctx.stmt(`${ACTIVE_SELECT} ORDER BY created_at, id`).all('queued') as ActiveRow[]).filter(
        (r) => opts.only === undefined || opts.only.includes(r.id),
      );
      const take = ctx.stmt(
        `UPDATE runs SET owner_pid = ?, owner_host = ?, status_detail = ? WHERE id = ? AND status = 'queued' AND owner_pid IS ?`,
      );
      const ids: number[] = [];
      for (const r of rows) {
        if (r.owner_pid === pid) continue;
        const v = judge(owner(r), now, opts);
        if (v.kind !== 'orphaned') continue;
        const why = r.owner_pid === null ? 'adopted by process' : `adopted from dead process ${r.owner_pid} by process`;
        if (take.run(pid, opts.host ?? THIS_HOST, `${why} ${pid}`, r.id, r.owner_pid).changes > 0) ids.push(r.id);
      }
      return ids;
    })
    .immediate();
}

/** Marks a queued run as queued by `pid` (its runner holds it); false if it is not queued any more. */
export function claimQueued(ctx: StoreContext, id: number, pid: number, host = THIS_HOST): boolean {
  ctx.assertWritable('claim a queued run');
  return ctx.stmt(`UPDATE runs SET owner_pid = ?, owner_host = ? WHERE id = ? AND status = 'queued'`).run(pid, host, id).changes > 0;
}

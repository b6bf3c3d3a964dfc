import type { StoreContext } from './context';

/** Start-up reconciliation: runs left `running` by a dead or silent owner become `interrupted`. */

export const STALE_HEARTBEAT_MS = 30_000;

export interface ReconcileOptions {
  readonly staleMs?: number;
  /** Liveness probe; default: process.kill(pid, 0), dead only on ESRCH. */
  readonly isAlive?: (pid: number) => boolean;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

interface RunningRow {
  id: number;
  owner_pid: number | null;
  heartbeat_at: number | null;
  started_at: number | null;
  created_at: number;
}

/** Returns the ids it marked interrupted; status_detail says why. */
export function reconcile(ctx: StoreContext, now = Date.now(), opts: ReconcileOptions = {}): number[] {
  ctx.assertWritable('reconcile runs');
  const staleMs = opts.staleMs ?? STALE_HEARTBEAT_MS;
  const isAlive = opts.isAlive ?? processAlive;
  return ctx.db
    .transaction(() => {
      const rows = ctx
        .stmt(`SELECT id, owner_pid, heartbeat_at, started_at, created_at FROM runs WHERE status = 'running'`)
        .all() as RunningRow[];
      const mark = ctx.stmt(
        `UPDATE runs SET status = 'interrupted', status_detail = ?, finished_at = ? WHERE id = ? AND status = 'running'`,
      );
      const ids: number[] = [];
      for (const r of rows) {
        const lastSign = r.heartbeat_at ?? r.started_at ?? r.created_at;
        let why: string | null = null;
        if (r.owner_pid !== null && !isAlive(r.owner_pid)) {
          why = `owner process ${r.owner_pid} is no longer running`;
        } else if (now - lastSign > staleMs) {
          why = `no heartbeat for ${Math.round((now - lastSign) / 1000)} s (limit ${Math.round(staleMs / 1000)} s)`;
        }
        if (why === null) continue;
        mark.run(`interrupted: ${why}`, Math.min(now, lastSign), r.id);
        ids.push(r.id);
      }
      return ids;
    })
    .immediate();
}

import { hostname } from 'node:os';

/**
 * THE liveness rule, applied by every reader and by the writers' reconciliation alike: a run's shown status is
 * its stored status plus its owner's liveness. A `running` run whose owner process is gone (pid not alive on
 * this host) or silent (no heartbeat for `staleMs`) is `interrupted`; a `queued` run whose owner is gone is
 * `orphaned` (still queued: the next process that runs the queue adopts it, or the user requeues it).
 * Readers only derive; writers persist (reconcile()).
 */

export const STALE_HEARTBEAT_MS = 30_000;

export interface LivenessOptions {
  readonly staleMs?: number;
  /** Liveness probe; default: process.kill(pid, 0), dead only on ESRCH. */
  readonly isAlive?: (pid: number) => boolean;
  /** This machine's name (owners on other hosts are judged by their heartbeat only). */
  readonly host?: string;
}

export const THIS_HOST = hostname();

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** The columns of a runs row the rule looks at. */
export interface OwnerState {
  readonly status: string;
  readonly ownerPid: number | null;
  readonly ownerHost: string | null;
  readonly heartbeatAt: number | null;
  readonly startedAt: number | null;
  readonly createdAt: number;
  /** A task of a sweep on a cluster scheduler: the scheduler, not a local process, runs it (never orphaned here). */
  readonly scheduled?: boolean;
}

export type Verdict =
  | { readonly kind: 'ok' }
  /** A running run whose owner is dead or silent: show (and persist) as interrupted. */
  | { readonly kind: 'interrupted'; readonly detail: string; readonly since: number }
  /** A queued run nobody will run: its owner is gone. */
  | { readonly kind: 'orphaned'; readonly detail: string };

const OK: Verdict = { kind: 'ok' };

function ownerGone(r: OwnerState, opts: LivenessOptions): boolean {
  if (r.ownerPid === null) return false;
  if (r.ownerHost !== null && r.ownerHost !== (opts.host ?? THIS_HOST)) return false; // cannot probe another host
  return !(opts.isAlive ?? processAlive)(r.ownerPid);
}

export function judge(r: OwnerState, now: number, opts: LivenessOptions = {}): Verdict {
  const staleMs = opts.staleMs ?? STALE_HEARTBEAT_MS;
  if (r.scheduled) return OK;
  if (r.status === 'running') {
    const lastSign = r.heartbeatAt ?? r.startedAt ?? r.createdAt;
    if (ownerGone(r, opts)) {
      return { kind: 'interrupted', detail: `interrupted: owner process ${r.ownerPid} is no longer running`, since: Math.min(now, lastSign) };
    }
    if (now - lastSign > staleMs) {
      const detail = `interrupted: no heartbeat for ${Math.round((now - lastSign) / 1000)} s (limit ${Math.round(staleMs / 1000)} s)`;
      return { kind: 'interrupted', detail, since: Math.min(now, lastSign) };
    }
    return OK;
  }
  if (r.status === 'queued') {
    if (ownerGone(r, opts)) {
      return { kind: 'orphaned', detail: `orphaned: queued by process ${r.ownerPid}, which is no longer running (requeue it, or start scl-lab run / the app)` };
    }
    // queued before owners were recorded, and nobody took it since
    if (r.ownerPid === null && now - r.createdAt > staleMs) {
      return { kind: 'orphaned', detail: 'orphaned: no process has this run in its queue (requeue it, or start scl-lab run / the app)' };
    }
  }
  return OK;
}

import { randomUUID } from 'node:crypto';
import { canonicalJson, configHash } from './canonical';
import { THIS_HOST } from './liveness';
import type { StoreContext } from './context';
import { StoreError } from './errors';
import {
  RUN_KINDS,
  RUN_STATUSES,
  type CreateRunInput,
  type EndStatus,
  type FinishInfo,
  type HeartbeatInfo,
  type RunStatus,
  type StartInfo,
} from './types';

/** Run lifecycle and annotations: everything that writes a `runs` row or its tags. */

const END_STATUSES: readonly EndStatus[] = ['finished', 'failed', 'cancelled', 'interrupted'];
const MAX_TAG_LENGTH = 64;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalJson(value: unknown, field: string): string | null {
  return value === undefined || value === null ? null : canonicalJson(value, field);
}

function currentStatus(ctx: StoreContext, id: number): RunStatus {
  const row = ctx.stmt('SELECT status FROM runs WHERE id = ?').get(id) as { status: RunStatus } | undefined;
  if (row === undefined) throw new StoreError('NOT_FOUND', `run ${id} does not exist in ${ctx.file}`);
  return row.status;
}

export function createRun(ctx: StoreContext, input: CreateRunInput, now = Date.now()): number {
  ctx.assertWritable('create a run');
  if (!RUN_KINDS.includes(input.kind)) {
    throw new StoreError('INVALID', `kind: expected one of ${RUN_KINDS.join(', ')}, got ${String(input.kind)}`);
  }
  if (!isPlainObject(input.config)) throw new StoreError('INVALID', 'config: expected an object');
  if (!Number.isSafeInteger(input.seed)) throw new StoreError('INVALID', `seed: expected an integer, got ${input.seed}`);
  if (input.config['seed'] !== undefined && input.config['seed'] !== input.seed) {
    throw new StoreError('INVALID', `seed: ${input.seed} differs from config.seed ${String(input.config['seed'])}`);
  }
  if (typeof input.appVersion !== 'string' || input.appVersion === '') {
    throw new StoreError('INVALID', 'appVersion: expected a non-empty string');
  }
  const status = input.status ?? 'queued';
  if (status !== 'queued' && status !== 'running') {
    throw new StoreError('INVALID', `status: a new run is queued or running, not ${String(status)}`);
  }
  if (input.resumedFrom != null) ctx.assertRun(input.resumedFrom);
  if (input.sweepId != null && ctx.stmt('SELECT 1 FROM sweeps WHERE id = ?').get(input.sweepId) === undefined) {
    throw new StoreError('NOT_FOUND', `sweepId: sweep ${input.sweepId} does not exist in ${ctx.file}`);
  }
  const configName = input.config['name'];
  const name = input.name ?? (typeof configName === 'string' ? configName : null);
  const info = ctx
    .stmt(
      `INSERT INTO runs(uuid, name, kind, status, config_json, config_hash, seed, app_version, created_at,
                        started_at, heartbeat_at, resumed_from, sweep_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(
      randomUUID(),
      name,
      input.kind,
      status,
      canonicalJson(input.config),
      configHash(input.config),
      input.seed,
      input.appVersion,
      now,
      status === 'running' ? now : null,
      status === 'running' ? now : null,
      input.resumedFrom ?? null,
      input.sweepId ?? null,
    );
  return Number(info.lastInsertRowid);
}

export function markStarted(ctx: StoreContext, id: number, info: StartInfo, now = Date.now()): void {
  ctx.assertWritable('start a run');
  if (!Number.isSafeInteger(info.ownerPid) || info.ownerPid <= 0) {
    throw new StoreError('INVALID', `ownerPid: expected a process id, got ${info.ownerPid}`);
  }
  const changed = ctx
    .stmt(
      `UPDATE runs SET status = 'running', started_at = COALESCE(started_at, ?), heartbeat_at = ?,
              backend = ?, owner_pid = ?, owner_host = ?, env_json = ?
       WHERE id = ? AND status IN ('queued', 'running')`,
    )
    .run(now, now, info.backend, info.ownerPid, THIS_HOST, optionalJson(info.env, 'env'), id).changes;
  if (changed === 0) {
    const status = currentStatus(ctx, id);
    throw new StoreError('STATE', `run ${id} is ${status}; only a queued run can start`);
  }
}

/** Records that the owner is alive; tells it whether another process asked it to cancel the run. */
export function heartbeat(ctx: StoreContext, id: number, lastStep: number | null, now = Date.now()): HeartbeatInfo {
  ctx.assertWritable('record a heartbeat');
  const row = ctx
    .stmt(
      `UPDATE runs SET heartbeat_at = ?, last_step = COALESCE(?, last_step) WHERE id = ?
       RETURNING cancel_requested_at`,
    )
    .get(now, lastStep, id) as { cancel_requested_at: number | null } | undefined;
  if (row === undefined) throw new StoreError('NOT_FOUND', `run ${id} does not exist in ${ctx.file}`);
  return { cancelRequested: row.cancel_requested_at !== null };
}

/**
 * THE cancel request, whoever asks: a queued run is cancelled at once (whichever process queued it drops it when
 * it comes to start it); a running run gets `cancel_requested_at`, which its owner sees within a second and stops
 * the worker. Returns what happened.
 */
export function requestCancel(ctx: StoreContext, id: number, now = Date.now()): 'cancelled' | 'requested' {
  ctx.assertWritable('request a cancel');
  return ctx.db
    .transaction((): 'cancelled' | 'requested' => {
      const queued = ctx
        .stmt(
          `UPDATE runs SET status = 'cancelled', finished_at = ?, status_detail = 'cancelled while queued',
                  cancel_requested_at = COALESCE(cancel_requested_at, ?)
           WHERE id = ? AND status = 'queued'`,
        )
        .run(now, now, id).changes;
      if (queued > 0) return 'cancelled';
      const running = ctx
        .stmt(`UPDATE runs SET cancel_requested_at = COALESCE(cancel_requested_at, ?) WHERE id = ? AND status = 'running'`)
        .run(now, id).changes;
      if (running > 0) return 'requested';
      const status = currentStatus(ctx, id);
      throw new StoreError('STATE', `run ${id} is ${status}; only a queued or running run can be cancelled`);
    })
    .immediate();
}

export function cancelRequested(ctx: StoreContext, id: number): boolean {
  ctx.assertOpen();
  const row = ctx.stmt('SELECT cancel_requested_at FROM runs WHERE id = ?').get(id) as
    | { cancel_requested_at: number | null }
    | undefined;
  if (row === undefined) throw new StoreError('NOT_FOUND', `run ${id} does not exist in ${ctx.file}`);
  return row.cancel_requested_at !== null;
}

/**
 * Puts an interrupted, cancelled or failed run back in the queue to continue in place (from its latest
 * checkpoint; re-logged steps overwrite). Clears the end time, error, owner and any cancel request.
 */
export function requeue(ctx: StoreContext, id: number): void {
  ctx.assertWritable('requeue a run');
  const status = currentStatus(ctx, id);
  if (status !== 'interrupted' && status !== 'cancelled' && status !== 'failed') {
    throw new StoreError('STATE', `run ${id} is ${status}; only an interrupted, cancelled or failed run can be requeued`);
  }
  ctx
    .stmt(
      `UPDATE runs SET status = 'queued', status_detail = ?, finished_at = NULL, error = NULL, owner_pid = NULL,
              owner_host = NULL, cancel_requested_at = NULL
       WHERE id = ?`,
    )
    .run(`requeued after it was ${status}`, id);
}

export function finishRun(ctx: StoreContext, id: number, status: EndStatus, info: FinishInfo = {}, now = Date.now()): void {
  ctx.assertWritable('finish a run');
  if (!END_STATUSES.includes(status)) {
    throw new StoreError('INVALID', `status: a run ends as ${END_STATUSES.join(', ')}, not ${String(status)}`);
  }
  const changed = ctx
    .stmt(
      `UPDATE runs SET status = ?, finished_at = ?, error = ?, result_json = COALESCE(?, result_json),
              status_detail = COALESCE(?, status_detail)
       WHERE id = ? AND status IN ('queued', 'running', 'interrupted')`,
    )
    .run(status, now, info.error ?? null, optionalJson(info.result, 'result'), info.detail ?? null, id).changes;
  if (changed === 0) {
    const current = currentStatus(ctx, id);
    throw new StoreError('STATE', `run ${id} already ended as ${current}; cannot mark it ${status}`);
  }
}

export function setNotes(ctx: StoreContext, id: number, notes: string | null): void {
  ctx.assertWritable('set notes');
  if (notes !== null && typeof notes !== 'string') throw new StoreError('INVALID', 'notes: expected a string or null');
  const changed = ctx.stmt('UPDATE runs SET notes = ? WHERE id = ?').run(notes === '' ? null : notes, id).changes;
  if (changed === 0) throw new StoreError('NOT_FOUND', `run ${id} does not exist in ${ctx.file}`);
}

export const MAX_RUN_NAME_LENGTH = 200;

/** Give a run a name (null or "" clears it: the app then names it from its distinguishing config). */
export function renameRun(ctx: StoreContext, id: number, name: string | null): void {
  ctx.assertWritable('rename a run');
  if (name !== null && typeof name !== 'string') throw new StoreError('INVALID', 'name: expected a string or null');
  const n = name === null ? null : name.trim();
  if (n !== null && n.length > MAX_RUN_NAME_LENGTH) {
    throw new StoreError('INVALID', `name: at most ${MAX_RUN_NAME_LENGTH} characters, got ${n.length}`);
  }
  if (n !== null && /[\u0000-\u001f\u007f]/.test(n)) throw new StoreError('INVALID', 'name: must not contain control characters (newlines, tabs)');
  const changed = ctx.stmt('UPDATE runs SET name = ? WHERE id = ?').run(n === '' ? null : n, id).changes;
  if (changed === 0) throw new StoreError('NOT_FOUND', `run ${id} does not exist in ${ctx.file}`);
}

export function normaliseTag(tag: string): string {
  const t = typeof tag === 'string' ? tag.trim() : '';
  if (t === '' || t.length > MAX_TAG_LENGTH) {
    throw new StoreError('INVALID', `tag: expected 1 to ${MAX_TAG_LENGTH} characters, got ${JSON.stringify(tag)}`);
  }
  return t;
}

export function addTag(ctx: StoreContext, id: number, tag: string): void {
  ctx.assertWritable('add a tag');
  const name = normaliseTag(tag);
  ctx.assertRun(id);
  ctx.db.transaction(() => {
    ctx.stmt('INSERT OR IGNORE INTO tags(name) VALUES (?)').run(name);
    ctx
      .stmt('INSERT OR IGNORE INTO run_tags(run_id, tag_id) SELECT ?, id FROM tags WHERE name = ?')
      .run(id, name);
  })();
}

export function removeTag(ctx: StoreContext, id: number, tag: string): boolean {
  ctx.assertWritable('remove a tag');
  const name = normaliseTag(tag);
  ctx.assertRun(id);
  const changed = ctx
    .stmt('DELETE FROM run_tags WHERE run_id = ? AND tag_id = (SELECT id FROM tags WHERE name = ?)')
    .run(id, name).changes;
  return changed > 0;
}

/** Soft delete (sets deleted_at); listRuns hides the run unless includeDeleted. */
export function deleteRun(ctx: StoreContext, id: number, now = Date.now()): void {
  ctx.assertWritable('delete a run');
  ctx.assertRun(id);
  ctx.stmt('UPDATE runs SET deleted_at = COALESCE(deleted_at, ?) WHERE id = ?').run(now, id);
}

export function restoreRun(ctx: StoreContext, id: number): void {
  ctx.assertWritable('restore a run');
  ctx.assertRun(id);
  ctx.stmt('UPDATE runs SET deleted_at = NULL WHERE id = ?').run(id);
}

export function assertStatus(status: string, field = 'status'): asserts status is RunStatus {
  if (!(RUN_STATUSES as readonly string[]).includes(status)) {
    throw new StoreError('INVALID', `${field}: expected one of ${RUN_STATUSES.join(', ')}, got ${status}`);
  }
}

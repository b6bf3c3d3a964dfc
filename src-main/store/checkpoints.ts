import { canonicalJson } from './canonical';
import type { StoreContext } from './context';
import { StoreError } from './errors';
import type { Checkpoint } from './types';

/** Resume checkpoints: opaque bytes + JSON meta per (run, step); only the latest `keep` per run are kept. */

export const DEFAULT_KEEP_CHECKPOINTS = 2;

export function saveCheckpoint(
  ctx: StoreContext,
  runId: number,
  step: number,
  data: Uint8Array,
  meta: unknown,
  keep = DEFAULT_KEEP_CHECKPOINTS,
  now = Date.now(),
): void {
  ctx.assertWritable('save a checkpoint');
  ctx.assertRun(runId);
  if (!Number.isSafeInteger(step) || step < 0) throw new StoreError('INVALID', `checkpoint step: expected an integer >= 0, got ${step}`);
  if (!(data instanceof Uint8Array)) throw new StoreError('INVALID', 'checkpoint data: expected a Buffer or Uint8Array');
  if (!Number.isSafeInteger(keep) || keep < 1) throw new StoreError('INVALID', `keep: expected an integer >= 1, got ${keep}`);
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const metaJson = meta === undefined ? null : canonicalJson(meta, 'checkpoint meta');
  ctx.db
    .transaction(() => {
      ctx
        .stmt(
          `INSERT INTO checkpoints(run_id, step, created_at, data, meta_json) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(run_id, step) DO UPDATE SET created_at = excluded.created_at, data = excluded.data,
           meta_json = excluded.meta_json`,
        )
        .run(runId, step, now, bytes, metaJson);
      ctx
        .stmt(
          `DELETE FROM checkpoints WHERE run_id = ? AND step NOT IN
             (SELECT step FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT ?)`,
        )
        .run(runId, runId, keep);
    })
    .immediate();
}

export function latestCheckpoint(ctx: StoreContext, runId: number): Checkpoint | null {
  ctx.assertOpen();
  const row = ctx
    .stmt('SELECT step, created_at, data, meta_json FROM checkpoints WHERE run_id = ? ORDER BY step DESC LIMIT 1')
    .get(runId) as { step: number; created_at: number; data: Buffer; meta_json: string | null } | undefined;
  if (row === undefined) return null;
  return {
    runId,
    step: row.step,
    createdAt: row.created_at,
    data: row.data,
    meta: row.meta_json === null ? null : JSON.parse(row.meta_json),
  };
}

export function checkpointSteps(ctx: StoreContext, runId: number): number[] {
  ctx.assertOpen();
  return ctx.stmt('SELECT step FROM checkpoints WHERE run_id = ? ORDER BY step').pluck(true).all(runId) as number[];
}

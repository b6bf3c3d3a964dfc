import type { StoreContext } from './context';

/**
 * What another process needs to follow this database cheaply: PRAGMA data_version (changes whenever any
 * other connection committed) and the run_changes log the triggers keep (migration 4).
 */

export function dataVersion(ctx: StoreContext): number {
  ctx.assertOpen();
  return ctx.db.pragma('data_version', { simple: true }) as number;
}

export function lastChangeSeq(ctx: StoreContext): number {
  ctx.assertOpen();
  return (ctx.stmt('SELECT COALESCE(MAX(seq), 0) AS s FROM run_changes').get() as { s: number }).s;
}

/** Runs changed after `seq` (each once, with its latest seq), in seq order. */
export function changesSince(ctx: StoreContext, seq: number, limit = 10_000): { runId: number; seq: number }[] {
  ctx.assertOpen();
  return (ctx.stmt('SELECT run_id, seq FROM run_changes WHERE seq > ? ORDER BY seq LIMIT ?').raw(true).all(seq, limit) as [number, number][]).map(
    ([runId, s]) => ({ runId, seq: s }),
  );
}

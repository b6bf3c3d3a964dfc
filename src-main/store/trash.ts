import * as fs from 'node:fs';
import type { StoreContext } from './context';
import { StoreError, wrapError } from './errors';

/** The trash: soft-deleted runs keep everything until purged; purging deletes every row of them and VACUUMs. */

export interface PurgeReport {
  readonly purged: readonly number[];
  /** Database file (+ WAL) size before and after the purge and VACUUM, bytes. */
  readonly bytesBefore: number;
  readonly bytesAfter: number;
}

function fileBytes(file: string): number {
  let n = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      n += fs.statSync(f).size;
    } catch {
      // no WAL right now
    }
  }
  return n;
}

/** Purges the given deleted runs (all deleted runs without `ids`); a run not in the trash is refused. */
export function purgeDeleted(ctx: StoreContext, ids?: readonly number[]): PurgeReport {
  ctx.assertWritable('empty the trash');
  const bytesBefore = fileBytes(ctx.file);
  const purged = ctx.db
    .transaction(() => {
      const trashed = ctx
        .stmt('SELECT id, status FROM runs WHERE deleted_at IS NOT NULL ORDER BY id')
        .all() as { id: number; status: string }[];
      const inTrash = new Map(trashed.map((r) => [r.id, r.status]));
      const chosen = ids === undefined ? trashed.map((r) => r.id) : [...new Set(ids)];
      for (const id of chosen) {
        if (!inTrash.has(id)) {
          const exists = ctx.stmt('SELECT 1 FROM runs WHERE id = ?').get(id) !== undefined;
          throw new StoreError(exists ? 'STATE' : 'NOT_FOUND', exists ? `run ${id} is not in the trash; delete it first` : `run ${id} does not exist in ${ctx.file}`);
        }
        const status = inTrash.get(id);
        if (status === 'queued' || status === 'running') {
          throw new StoreError('STATE', `run ${id} is ${status}; cancel it before emptying the trash`);
        }
      }
      // scalars, summaries and blocks have no FOREIGN KEY clauses (migrations.ts): delete them by hand
      for (const sql of [
        'DELETE FROM scalars WHERE run_id = ?',
        'DELETE FROM scalar_blocks WHERE run_id = ?',
        'DELETE FROM run_summary WHERE run_id = ?',
        'DELETE FROM snapshots WHERE run_id = ?',
        'DELETE FROM checkpoints WHERE run_id = ?',
        'DELETE FROM run_tags WHERE run_id = ?',
        'UPDATE runs SET resumed_from = NULL WHERE resumed_from = ?',
        'DELETE FROM runs WHERE id = ?',
      ]) {
        const st = ctx.stmt(sql);
        for (const id of chosen) st.run(id);
      }
      return chosen;
    })
    .immediate();
  if (purged.length > 0) {
    try {
      ctx.db.exec('VACUUM');
      ctx.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (err) {
      throw wrapError(err, `the runs were purged, but VACUUM of ${ctx.file} failed (try again when no other process reads it)`);
    }
  }
  return { purged, bytesBefore, bytesAfter: fileBytes(ctx.file) };
}

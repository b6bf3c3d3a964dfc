import { bytesToBase64 } from './blob';
import type { StoreContext } from './context';
import { EXPORT_FORMAT, EXPORT_VERSION, type ExportBundle, type ExportedRun, type ExportedSweep } from './export-format';
import { getRun } from './run-queries';
import { getSweep } from './sweeps';
import { flagToNumber, toJsonNumber } from './values';

/** Runs -> the portable JSON bundle (config, tags, notes, result, every scalar and snapshot). */

/** Ids of the runs to export: the given ones (must exist) or every run not in the trash. */
export function resolveRunIds(ctx: StoreContext, ids?: readonly number[]): number[] {
  if (ids === undefined) {
    return ctx.stmt('SELECT id FROM runs WHERE deleted_at IS NULL ORDER BY id').pluck(true).all() as number[];
  }
  const unique = [...new Set(ids)];
  for (const id of unique) ctx.assertRun(id);
  return unique;
}

function exportScalars(ctx: StoreContext, runId: number): ExportedRun['scalars'] {
  const rows = ctx
    .stmt(
      `SELECT k.name, s.step, s.value, s.flag, s.wall_ms FROM scalars s JOIN metric_keys k ON k.id = s.key_id
       WHERE s.run_id = ? ORDER BY s.key_id, s.step`,
    )
    .raw(true)
    .all(runId) as [string, number, number | null, number, number][];
  const out: ExportedRun['scalars'] = {};
  let current: ExportedRun['scalars'][string] | undefined;
  let currentKey = '';
  for (const [key, step, value, flag, wallMs] of rows) {
    if (current === undefined || key !== currentKey) {
      current = { steps: [], values: [], wallMs: [] };
      currentKey = key;
      out[key] = current;
    }
    current.steps.push(step);
    current.values.push(toJsonNumber(flagToNumber(value, flag)));
    current.wallMs.push(wallMs);
  }
  return out;
}

function exportSnapshots(ctx: StoreContext, runId: number): ExportedRun['snapshots'] {
  const rows = ctx
    .stmt(
      `SELECT k.name AS key, s.step, s.rows, s.cols, s.wall_ms, s.data FROM snapshots s
       JOIN metric_keys k ON k.id = s.key_id WHERE s.run_id = ? ORDER BY k.name, s.step`,
    )
    .all(runId) as { key: string; step: number; rows: number; cols: number; wall_ms: number; data: Buffer }[];
  return rows.map((r) => ({ key: r.key, step: r.step, rows: r.rows, cols: r.cols, wallMs: r.wall_ms, data: bytesToBase64(r.data) }));
}

function uuidOf(ctx: StoreContext, id: number | null): string | null {
  if (id === null) return null;
  return (ctx.stmt('SELECT uuid FROM runs WHERE id = ?').pluck(true).get(id) as string | undefined) ?? null;
}

export function exportRuns(ctx: StoreContext, ids?: readonly number[], now = Date.now()): ExportBundle {
  ctx.assertOpen();
  // one read transaction: a consistent picture even while a writer keeps logging
  return ctx.db.transaction(() => {
    const runIds = resolveRunIds(ctx, ids);
    const sweeps = new Map<number, ExportedSweep>();
    const runs: ExportedRun[] = runIds.map((id) => {
      const r = getRun(ctx, id);
      let sweepUuid: string | null = null;
      if (r.sweepId !== null) {
        const s = getSweep(ctx, r.sweepId);
        sweeps.set(s.id, { uuid: s.uuid, name: s.name, spec: s.spec, createdAt: s.createdAt });
        sweepUuid = s.uuid;
      }
      return {
        uuid: r.uuid,
        name: r.name,
        kind: r.kind,
        status: r.status,
        statusDetail: r.statusDetail,
        config: r.config,
        configHash: r.configHash,
        seed: r.seed,
        backend: r.backend,
        appVersion: r.appVersion,
        env: r.env,
        createdAt: r.createdAt,
        startedAt: r.startedAt,
        finishedAt: r.finishedAt,
        heartbeatAt: r.heartbeatAt,
        lastStep: r.lastStep,
        error: r.error,
        notes: r.notes,
        resumedFromUuid: uuidOf(ctx, r.resumedFrom),
        sweepUuid,
        result: r.result,
        deletedAt: r.deletedAt,
        tags: [...r.tags],
        scalars: exportScalars(ctx, id),
        snapshots: exportSnapshots(ctx, id),
      };
    });
    return { format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: now, sweeps: [...sweeps.values()], runs };
  })();
}


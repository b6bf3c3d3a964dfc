import { applyBatch, ScalarColumns, type PendingSnapshot } from './batch';
import { canonicalJson, configHash } from './canonical';
import type { StoreContext } from './context';
import { StoreError } from './errors';
import { exportBundleSchema, formatPath, type ExportBundle, type ExportedRun } from './export-format';
import { checkDepth, parseImportedConfig } from './import-config';
import { normaliseTag } from './runs';
import { readStoredConfigVersion, readStoredResult, renamedMetricKeys } from './stored-config';
import { createSweep } from './sweeps';
import { fromJsonNumber } from './values';

/** The JSON bundle -> this database, matching runs and sweeps by uuid, all in one transaction. */

export interface ImportOptions {
  /** What to do with a run whose uuid is already here: skip it (default) or refuse the whole import. */
  readonly onDuplicate?: 'skip' | 'error';
}

export interface ImportReport {
  readonly imported: readonly { uuid: string; id: number }[];
  readonly skipped: readonly { uuid: string; id: number; reason: string }[];
  readonly warnings: readonly string[];
}

/** Validates with zod; the error names the first offending fields, e.g. `runs[0].scalars["loss"].values[3]`. */
export function parseBundle(input: unknown): ExportBundle {
  checkDepth(input);
  const parsed = exportBundleSchema.safeParse(input);
  // runs of older releases arrive in their config schema: migrate them like the store's own rows, then validate
  if (parsed.success) return validateConfigs({ ...parsed.data, runs: parsed.data.runs.map(migrateExportedRun) });
  const issues = parsed.error.issues.slice(0, 5).map((i) => `${formatPath(i.path)}: ${i.message}`);
  const more = parsed.error.issues.length > 5 ? ` (and ${parsed.error.issues.length - 5} more)` : '';
  throw new StoreError('INVALID', `invalid import file: ${issues.join('; ')}${more}`);
}

/** `runs[2] (uuid 1b2…, "baseline")`: how messages name a run of the bundle. */
function runLabel(i: number, r: ExportedRun): string {
  return `runs[${i}] (uuid ${r.uuid}${r.name ? `, ${JSON.stringify(r.name)}` : ''})`;
}

/** Every run's config through parseImportedConfig; its kind must be the run's kind. */
function validateConfigs(bundle: ExportBundle): ExportBundle {
  const runs = bundle.runs.map((r, i) => {
    const config = parseImportedConfig(r.config, runLabel(i, r));
    if (config.kind !== r.kind) {
      throw new StoreError('INVALID', `invalid import file: ${runLabel(i, r)}: kind is "${r.kind}" but config.kind is "${config.kind}"`);
    }
    return r; // validated; stored as exported, so an export -> import round trip is exact
  });
  return { ...bundle, runs };
}

export function pendingScalars(runId: number, run: ExportedRun): ScalarColumns {
  const out = new ScalarColumns();
  for (const [key, s] of Object.entries(run.scalars)) {
    for (let i = 0; i < s.steps.length; i++) out.push(runId, key, s.steps[i]!, fromJsonNumber(s.values[i]!), s.wallMs[i]!);
  }
  return out;
}

export function pendingSnapshots(runId: number, run: ExportedRun): PendingSnapshot[] {
  return run.snapshots.map((s) => ({
    runId,
    key: s.key,
    step: s.step,
    rows: s.rows,
    cols: s.cols,
    bytes: Buffer.from(s.data, 'base64'),
    wallMs: s.wallMs,
  }));
}

/** A run of any release in the current config schema (and metric keys), like the store's own rows. */
function migrateExportedRun(exported: ExportedRun): ExportedRun {
  const { config, fromVersion } = readStoredConfigVersion(exported.config);
  const renames = fromVersion === null ? new Map<string, string>() : renamedMetricKeys(exported.kind, fromVersion);
  const scalars = Object.fromEntries(Object.entries(exported.scalars).map(([k, v]) => [renames.get(k) ?? k, v]));
  return { ...exported, config, result: readStoredResult(exported.result), scalars };
}

export function insertRun(ctx: StoreContext, r: ExportedRun, sweepId: number | null, warnings: string[]): number {
  const hash = configHash(r.config);
  if (hash !== r.configHash) warnings.push(`run ${r.uuid}: config hash recomputed (${hash.slice(0, 12)}…)`);
  let status = r.status;
  let detail = r.statusDetail;
  if (status === 'running' || status === 'queued') {
    // no process here owns it: an active run arrives interrupted (resume continues it from its checkpoint)
    detail = `interrupted: imported while ${status} elsewhere`;
    status = 'interrupted';
  }
  const json = (v: unknown, field: string): string | null =>
    v === undefined || v === null ? null : canonicalJson(v, `run ${r.uuid} ${field}`);
  const info = ctx
    .stmt(
      `INSERT INTO runs(uuid, name, kind, status, status_detail, config_json, config_hash, seed, backend, app_version,
         env_json, created_at, started_at, finished_at, heartbeat_at, last_step, error, notes, sweep_id, result_json,
         deleted_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(r.uuid, r.name, r.kind, status, detail, canonicalJson(r.config, `run ${r.uuid} config`), hash, r.seed,
      r.backend, r.appVersion, json(r.env, 'env'), r.createdAt, r.startedAt, r.finishedAt, r.heartbeatAt, r.lastStep,
      r.error, r.notes, sweepId, json(r.result, 'result'), r.deletedAt);
  return Number(info.lastInsertRowid);
}

export function importRuns(ctx: StoreContext, input: unknown, opts: ImportOptions = {}): ImportReport {
  ctx.assertWritable('import runs');
  const bundle = parseBundle(input);
  const seen = new Set<string>();
  for (const [i, r] of bundle.runs.entries()) {
    if (seen.has(r.uuid)) throw new StoreError('INVALID', `invalid import file: runs[${i}].uuid: ${r.uuid} appears twice`);
    seen.add(r.uuid);
    r.tags.forEach((t, j) => {
      try {
        normaliseTag(t);
      } catch (err) {
        throw new StoreError('INVALID', `invalid import file: runs[${i}].tags[${j}]: ${(err as Error).message}`);
      }
    });
  }

  const pendingKeys = new Map<string, number>();
  const report = ctx.db
    .transaction((): ImportReport => {
      const imported: { uuid: string; id: number }[] = [];
      const skipped: { uuid: string; id: number; reason: string }[] = [];
      const warnings: string[] = [];
      const uuidToId = ctx.stmt('SELECT id FROM runs WHERE uuid = ?').pluck(true);

      const sweepIds = new Map<string, number>();
      for (const s of bundle.sweeps) {
        const existing = ctx.stmt('SELECT id FROM sweeps WHERE uuid = ?').pluck(true).get(s.uuid) as number | undefined;
        sweepIds.set(s.uuid, existing ?? createSweep(ctx, s.name, s.spec ?? null, s.createdAt, s.uuid));
      }

      const fresh: { run: ExportedRun; id: number }[] = [];
      for (const r of bundle.runs) {
        const existing = uuidToId.get(r.uuid) as number | undefined;
        if (existing !== undefined) {
          if (opts.onDuplicate === 'error') {
            throw new StoreError('INVALID', `run ${r.uuid} already exists in ${ctx.file} (as run ${existing})`);
          }
          skipped.push({ uuid: r.uuid, id: existing, reason: 'a run with this uuid already exists' });
          continue;
        }
        let sweepId: number | null = null;
        if (r.sweepUuid !== null) {
          sweepId = sweepIds.get(r.sweepUuid) ?? null;
          if (sweepId === null) warnings.push(`run ${r.uuid}: sweep ${r.sweepUuid} is not in the file; left out`);
        }
        const id = insertRun(ctx, r, sweepId, warnings);
        for (const t of r.tags) {
          const name = normaliseTag(t);
          ctx.stmt('INSERT OR IGNORE INTO tags(name) VALUES (?)').run(name);
          ctx.stmt('INSERT OR IGNORE INTO run_tags(run_id, tag_id) SELECT ?, id FROM tags WHERE name = ?').run(id, name);
        }
        applyBatch(ctx, pendingScalars(id, r), pendingSnapshots(id, r), pendingKeys, 0, false);
        fresh.push({ run: r, id });
        imported.push({ uuid: r.uuid, id });
      }

      // lineage last, so a parent later in the file (or already here) resolves
      for (const { run, id } of fresh) {
        if (run.resumedFromUuid === null) continue;
        const parent = uuidToId.get(run.resumedFromUuid) as number | undefined;
        if (parent === undefined) warnings.push(`run ${run.uuid}: parent run ${run.resumedFromUuid} not found; lineage dropped`);
        else ctx.stmt('UPDATE runs SET resumed_from = ? WHERE id = ?').run(parent, id);
      }
      return { imported, skipped, warnings };
    })
    .immediate();
  ctx.commitKeyIds(pendingKeys);
  return report;
}

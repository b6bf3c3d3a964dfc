import type BetterSqlite3 from 'better-sqlite3';
import { CONFIG_SCHEMA_VERSION, migrateConfig } from '../api/schema/config';
import { canonicalJson, configHash } from './canonical';

/**
 * Stored configs in the current config schema. Every config the store hands out (run records, exports) and
 * takes in (imports) goes through the contract's `migrateConfig`; a writer also rewrites older rows once on
 * open (config_json, config_hash and the config inside result_json, and metric keys whose meaning changed),
 * so seed groups, searches and charts see the migrated runs too.
 */

type Obj = Record<string, unknown>;

/**
 * Metric keys whose meaning a config version changed, renamed for the runs stored before it (one meaning per
 * key, api/schema/metric-keys.ts): up to config schema 1, deep runs logged the MEAN of the epoch's batch losses
 * as train/epochLoss, which for UFM runs is the SUM (the theory's objective); up to schema 2 they logged their
 * evaluation loss (also a mean) as train/loss, the UFM objective's key. Deep runs now log train/epochLossMean
 * and train/lossMean.
 */
export function renamedMetricKeys(kind: unknown, fromVersion: number): ReadonlyMap<string, string> {
  const renames = new Map<string, string>();
  if (kind !== 'deep') return renames;
  if (fromVersion < 2) renames.set('train/epochLoss', 'train/epochLossMean');
  if (fromVersion < 3) renames.set('train/loss', 'train/lossMean');
  return renames;
}
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The config in the current schema; one that cannot be migrated (not a run config at all) is returned as is. */
export function readStoredConfig(raw: Obj): Obj {
  return readStoredConfigVersion(raw).config;
}

/** readStoredConfig, and the version the config was stored with (null: not a run config, left as is). */
export function readStoredConfigVersion(raw: Obj): { config: Obj; fromVersion: number | null } {
  if (raw['schemaVersion'] === CONFIG_SCHEMA_VERSION) return { config: raw, fromVersion: CONFIG_SCHEMA_VERSION };
  try {
    const m = migrateConfig(raw);
    return { config: m.config as unknown as Obj, fromVersion: m.fromVersion };
  } catch {
    return { config: raw, fromVersion: null };
  }
}

function renameRunMetrics(db: BetterSqlite3.Database, runId: number, renames: ReadonlyMap<string, string>): void {
  for (const [from, to] of renames) {
    const oldId = db.prepare('SELECT id FROM metric_keys WHERE name = ?').pluck(true).get(from) as number | undefined;
    if (oldId === undefined) continue;
    db.prepare('INSERT OR IGNORE INTO metric_keys(name) VALUES (?)').run(to);
    const newId = db.prepare('SELECT id FROM metric_keys WHERE name = ?').pluck(true).get(to) as number;
    for (const table of ['scalars', 'run_summary', 'scalar_blocks']) {
      db.prepare(`UPDATE ${table} SET key_id = ? WHERE run_id = ? AND key_id = ?`).run(newId, runId, oldId);
    }
  }
}

/** A stored run result with its embedded config migrated like the run's. */
export function readStoredResult(result: unknown): unknown {
  if (!isObj(result) || !isObj(result['config']) || result['config']['schemaVersion'] === CONFIG_SCHEMA_VERSION) return result;
  return { ...result, config: readStoredConfig(result['config']) };
}

/**
 * Rewrites every run whose config is older than the current schema (writers only, one transaction; a config
 * that cannot be migrated is left alone). Returns how many runs were rewritten.
 */
export function upgradeStoredConfigs(db: BetterSqlite3.Database): number {
  const hasRuns = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'").get() !== undefined;
  if (!hasRuns) return 0;
  const select = db.prepare(
    `SELECT id, kind, config_json, result_json FROM runs
     WHERE json_valid(config_json) AND coalesce(json_extract(config_json, '$.schemaVersion'), 1) <> ?`,
  );
  const update = db.prepare('UPDATE runs SET config_json = ?, config_hash = ?, result_json = ? WHERE id = ?');
  return db
    .transaction(() => {
      let n = 0;
      for (const row of select.all(CONFIG_SCHEMA_VERSION) as { id: number; kind: string; config_json: string; result_json: string | null }[]) {
        const raw = JSON.parse(row.config_json) as unknown;
        if (!isObj(raw)) continue;
        const { config, fromVersion } = readStoredConfigVersion(raw);
        if (config === raw || fromVersion === null) continue;
        renameRunMetrics(db, row.id, renamedMetricKeys(row.kind, fromVersion));
        const result = row.result_json === null ? null : canonicalJson(readStoredResult(JSON.parse(row.result_json)), `run ${row.id} result`);
        update.run(canonicalJson(config), configHash(config), result, row.id);
        n++;
      }
      return n;
    })
    .immediate();
}

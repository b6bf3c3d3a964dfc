import type BetterSqlite3 from 'better-sqlite3';
import { CONFIG_SCHEMA_VERSION, migrateConfig } from '../api/schema/config';
import { canonicalJson, configHash } from './canonical';

/**
 * Stored configs in the current config schema. Every config the store hands out (run records, exports) and
 * takes in (imports) goes through the contract's `migrateConfig`; a writer also rewrites older rows once on
 * open (config_json, config_hash and the config inside result_json), so seed groups and searches see the
 * migrated configs too.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The config in the current schema; one that cannot be migrated (not a run config at all) is returned as is. */
export function readStoredConfig(raw: Obj): Obj {
  if (raw['schemaVersion'] === CONFIG_SCHEMA_VERSION) return raw;
  try {
    return migrateConfig(raw).config as unknown as Obj;
  } catch {
    return raw;
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
    `SELECT id, config_json, result_json FROM runs
     WHERE json_valid(config_json) AND coalesce(json_extract(config_json, '$.schemaVersion'), 1) <> ?`,
  );
  const update = db.prepare('UPDATE runs SET config_json = ?, config_hash = ?, result_json = ? WHERE id = ?');
  return db
    .transaction(() => {
      let n = 0;
      for (const row of select.all(CONFIG_SCHEMA_VERSION) as { id: number; config_json: string; result_json: string | null }[]) {
        const raw = JSON.parse(row.config_json) as unknown;
        if (!isObj(raw)) continue;
        const config = readStoredConfig(raw);
        if (config === raw) continue;
        const result = row.result_json === null ? null : canonicalJson(readStoredResult(JSON.parse(row.result_json)), `run ${row.id} result`);
        update.run(canonicalJson(config), configHash(config), result, row.id);
        n++;
      }
      return n;
    })
    .immediate();
}

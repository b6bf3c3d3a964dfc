/** The run store: the only code in the app that touches SQLite. See shared/spec/storage-and-views.md §3.4-3.5. */
export { openStore, Store, type OpenStoreOptions } from './store';
export { defaultDbPath, APP_DIR_NAME, DB_FILE_NAME } from './paths';
export { StoreError, type StoreErrorCode } from './errors';
export { MetricWriter, type MetricWriterOptions, type FlushUpdate } from './writer';
export { canonicalJson, configHash, HASH_EXCLUDED_KEYS } from './canonical';
export { LATEST_VERSION, MIGRATIONS, type Migration } from './migrations';
export { STALE_HEARTBEAT_MS, processAlive, type ReconcileOptions } from './reconcile';
export { DEFAULT_BUCKETS } from './series';
export { DEFAULT_KEEP_CHECKPOINTS } from './checkpoints';
export {
  EXPORT_FORMAT,
  EXPORT_VERSION,
  exportBundleSchema,
  type ExportBundle,
  type ExportedRun,
  type ExportedSweep,
} from './export-format';
export type { ImportOptions, ImportReport } from './import';
export * from './types';

/**
 * The run store: the only code in the app that touches SQLite (shared/spec/storage-and-views.md §3.4-3.5).
 *
 * One writer connection per process (openStore(file)) owns migrations, run lifecycle writes and one
 * MetricWriter; readers (openStore(file, { readonly: true })) only query. Where this differs from the spec sketch:
 * - scalars / run_summary have no FOREIGN KEY clauses and scalars.flag no CHECK (they doubled insert cost);
 *   the writer validates instead and check() reports orphans. Runs are only soft-deleted.
 * - chart decimation: buckets narrower than 8 steps use SQL (aggregate + primary-key lookup of each bucket's
 *   last point, ~2.5x faster than the ROW_NUMBER() window); wider ones are built from level-of-detail blocks
 *   (scalar_blocks, kept in the same transaction as the scalars), so a point may span up to 2 pixels.
 * - runs.cancel_requested_at (requestCancel / heartbeat) and requeue() serve cross-process cancel and resume-in-place.
 * - every read judges liveness (liveness.ts): a dead owner's `running` run reads as `interrupted`, its queued
 *   runs as orphaned; writers persist that (reconcile, adoptOrphans). run_changes (triggers) + PRAGMA
 *   data_version let other processes follow changes. Trash: soft delete, restore, purgeDeleted (+ VACUUM).
 */
export { openStore, Store, type OpenStoreOptions } from './store';
export { defaultDbPath, APP_DIR_NAME, DB_FILE_NAME } from './paths';
export { StoreError, isBusyError, type StoreErrorCode } from './errors';
export { MetricWriter, type MetricWriterOptions, type FlushUpdate } from './writer';
export { canonicalJson, configHash, HASH_EXCLUDED_KEYS } from './canonical';
export { LATEST_VERSION, MIGRATIONS, type Migration } from './migrations';
export { STALE_HEARTBEAT_MS, processAlive, type ReconcileOptions } from './reconcile';
export { judge, THIS_HOST, type LivenessOptions, type Verdict } from './liveness';
export { setReadLiveness } from './run-queries';
export type { PurgeReport } from './trash';
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
export type { ClusterSweep, ClusterTask, MergeResult } from './cluster';
export * from './types';

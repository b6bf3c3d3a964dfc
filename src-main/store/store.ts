import * as path from 'node:path';
import {
  getClusterSweep, isClusterTask, listClusterSweeps, mergeShardRuns, recordClusterSweep, setClusterJob, type ClusterSweep, type MergeResult,
} from './cluster';
import { DEFAULT_KEEP_CHECKPOINTS, checkpointSteps, latestCheckpoint, saveCheckpoint } from './checkpoints';
import { openConnection, withBusyTimeout } from './connection';
import { StoreContext } from './context';
import { metricsCsv, runsCsv, writeCsvFiles } from './csv';
import { StoreError, wrapError } from './errors';
import { exportRuns } from './export';
import { isCorruptionError } from './health';
import type { ExportBundle } from './export-format';
import { importRuns, type ImportOptions, type ImportReport } from './import';
import { userVersion } from './migrations';
import { upgradeStoredConfigs } from './stored-config';
import { defaultDbPath } from './paths';
import { changesSince, dataVersion, lastChangeSeq } from './changes';
import { adoptOrphans, claimQueued, reconcile, type ReconcileOptions } from './reconcile';
import { purgeDeleted, type PurgeReport } from './trash';
import { countRuns, getRun, getRunByUuid, listRuns, seedGroups } from './run-queries';
import * as runs from './runs';
import { firstStepAtOrBelow, getSeries, getSeriesMany, getSnapshot, getSnapshots, metricKeys, snapshotSteps } from './series';
import { createSweep, getSweep, listSweeps } from './sweeps';
import { deleteView, listViews, saveView, type SavedView } from './views';
import type {
  CheckReport, Checkpoint, CreateRunInput, EndStatus, FinishInfo, HeartbeatInfo, ListRunsQuery, RunRecord, SeedGroup, Series,
  SeriesQuery, Snapshot, StartInfo, Sweep, WalCheckpointResult,
} from './types';
import { MetricWriter, type MetricWriterOptions } from './writer';

export interface OpenStoreOptions {
  /** A reader: opens the file read-only with query_only=1; the file must exist at the current schema. */
  readonly readonly?: boolean;
  /** Checkpoints kept per run (default 2). */
  readonly keepCheckpoints?: number;
  /** Writers: 'delete' (rollback journal) for a file on a shared file system, e.g. a Slurm shard; default 'wal'. */
  readonly journalMode?: 'wal' | 'delete';
}

/** Opens (creating and migrating if needed) the run database; default file: defaultDbPath(). */
export function openStore(file: string = defaultDbPath(), opts: OpenStoreOptions = {}): Store {
  const abs = path.resolve(file);
  const readonly = opts.readonly === true;
  const db = openConnection(abs, { readonly, journalMode: opts.journalMode });
  if (!readonly) {
    try {
      upgradeStoredConfigs(db); // configs of older releases, in the current config schema
    } catch (err) {
      db.close();
      throw err;
    }
  }
  return new Store(new StoreContext(db, abs, readonly), opts);
}

/**
 * One connection to the run database. A writer (the default) owns schema migrations, run lifecycle writes
 * and at most one MetricWriter; readers (`readonly`) only query. Not shareable across threads: open one per
 * thread / process.
 */
export class Store {
  private writer: MetricWriter | null = null;
  private readonly keepCheckpoints: number;

  /** @internal use openStore() */
  constructor(
    private readonly ctx: StoreContext,
    opts: OpenStoreOptions = {},
  ) {
    this.keepCheckpoints = opts.keepCheckpoints ?? DEFAULT_KEEP_CHECKPOINTS;
  }

  get file(): string {
    return this.ctx.file;
  }

  get readonly(): boolean {
    return this.ctx.readonly;
  }

  /**
   * Runs `fn` with this connection waiting at most `ms` for another connection's lock (instead of the usual
   * busy_timeout), so that a caller on the event loop can back off and retry instead of blocking for seconds.
   * A lock held longer throws a StoreError for which isBusyError() is true.
   */
  withBusyTimeout<T>(ms: number, fn: () => T): T {
    this.ctx.assertOpen();
    return withBusyTimeout(this.ctx.db, ms, fn);
  }

  // ---- runs ----
  createRun(input: CreateRunInput): number {
    return runs.createRun(this.ctx, input);
  }
  markStarted(id: number, info: StartInfo): void {
    runs.markStarted(this.ctx, id, info);
  }
  /** Marks the run alive (and its last step); says whether another process asked to cancel it. */
  heartbeat(id: number, lastStep: number | null = null): HeartbeatInfo {
    return runs.heartbeat(this.ctx, id, lastStep);
  }
  /** THE cancel request, from any process: a queued run is cancelled at once, a running one's owner stops it. */
  requestCancel(id: number): 'cancelled' | 'requested' {
    return runs.requestCancel(this.ctx, id);
  }
  cancelRequested(id: number): boolean {
    return runs.cancelRequested(this.ctx, id);
  }
  /** An interrupted, cancelled or failed run back to `queued`, to continue in place from its checkpoint. */
  requeue(id: number): void {
    runs.requeue(this.ctx, id);
  }
  finishRun(id: number, status: EndStatus, info: FinishInfo = {}): void {
    runs.finishRun(this.ctx, id, status, info);
  }
  getRun(id: number): RunRecord {
    return getRun(this.ctx, id);
  }
  getRunByUuid(uuid: string): RunRecord | null {
    return getRunByUuid(this.ctx, uuid);
  }
  listRuns(q: ListRunsQuery = {}): RunRecord[] {
    return listRuns(this.ctx, q);
  }
  countRuns(q: ListRunsQuery = {}): number {
    return countRuns(this.ctx, q);
  }
  renameRun(id: number, name: string | null): void {
    runs.renameRun(this.ctx, id, name);
  }
  // ---- saved views ----
  saveView(name: string, url: string): SavedView {
    return saveView(this.ctx, name, url);
  }
  listViews(): SavedView[] {
    return listViews(this.ctx);
  }
  deleteView(name: string): void {
    deleteView(this.ctx, name);
  }
  setNotes(id: number, notes: string | null): void {
    runs.setNotes(this.ctx, id, notes);
  }
  addTag(id: number, tag: string): void {
    runs.addTag(this.ctx, id, tag);
  }
  removeTag(id: number, tag: string): boolean {
    return runs.removeTag(this.ctx, id, tag);
  }
  deleteRun(id: number): void {
    runs.deleteRun(this.ctx, id);
  }
  restoreRun(id: number): void {
    runs.restoreRun(this.ctx, id);
  }
  /** Hard-deletes trashed runs (all without ids) with every row of theirs, then VACUUMs; says how much it freed. */
  purgeDeleted(ids?: readonly number[]): PurgeReport {
    return purgeDeleted(this.ctx, ids);
  }
  seedGroups(q: Pick<ListRunsQuery, 'kind' | 'sweepId' | 'status'> = {}): SeedGroup[] {
    return seedGroups(this.ctx, q);
  }
  /** At start-up: runs left `running` by a dead owner or without a heartbeat for 30 s become `interrupted`. */
  reconcile(now: number = Date.now(), opts: ReconcileOptions = {}): number[] {
    return reconcile(this.ctx, now, opts);
  }
  /** Queued runs of dead owners become `pid`'s; returns their ids (oldest first) for its runner to enqueue. */
  adoptOrphans(pid: number, opts: ReconcileOptions & { only?: readonly number[]; now?: number } = {}): number[] {
    return adoptOrphans(this.ctx, pid, opts.now ?? Date.now(), opts);
  }
  /** Records that `pid` holds this queued run in its queue (false if it is not queued any more). */
  claimQueued(id: number, pid: number): boolean {
    return claimQueued(this.ctx, id, pid);
  }

  // ---- following other processes' changes ----
  dataVersion(): number {
    return dataVersion(this.ctx);
  }
  lastChangeSeq(): number {
    return lastChangeSeq(this.ctx);
  }
  changesSince(seq: number, limit?: number): { runId: number; seq: number }[] {
    return changesSince(this.ctx, seq, limit);
  }

  // ---- metrics ----
  /** The connection's one MetricWriter; close it (or the store) before asking for another. */
  metricWriter(opts: MetricWriterOptions = {}): MetricWriter {
    this.ctx.assertWritable('write metrics');
    if (this.writer !== null) {
      throw new StoreError('STATE', `a MetricWriter is already open on ${this.file}; close it before opening another`);
    }
    const w = new MetricWriter(this.ctx, opts, () => {
      if (this.writer === w) this.writer = null;
    });
    this.writer = w;
    return w;
  }
  getSeries(runId: number, key: string, q: SeriesQuery = {}): Series {
    return getSeries(this.ctx, runId, key, q);
  }
  getSeriesMany(runIds: readonly number[], key: string, q: SeriesQuery = {}): Series[] {
    return getSeriesMany(this.ctx, runIds, key, q);
  }
  getSnapshots(runId: number, key: string): Snapshot[] {
    return getSnapshots(this.ctx, runId, key);
  }
  getSnapshot(runId: number, key: string, step: number): Snapshot | null {
    return getSnapshot(this.ctx, runId, key, step);
  }
  snapshotSteps(runId: number, key: string): number[] {
    return snapshotSteps(this.ctx, runId, key);
  }
  metricKeys(runId: number): { scalars: string[]; snapshots: string[] } {
    return metricKeys(this.ctx, runId);
  }
  /** The first step at which a scalar is <= threshold, and its wall time (epochs / seconds to a target). */
  firstStepAtOrBelow(runId: number, key: string, threshold: number): { step: number; wallMs: number } | null {
    return firstStepAtOrBelow(this.ctx, runId, key, threshold);
  }

  // ---- checkpoints ----
  /** Flush the MetricWriter first if metrics up to `step` must be durable with the checkpoint. */
  saveCheckpoint(runId: number, step: number, data: Uint8Array, meta?: unknown): void {
    saveCheckpoint(this.ctx, runId, step, data, meta, this.keepCheckpoints);
  }
  latestCheckpoint(runId: number): Checkpoint | null {
    return latestCheckpoint(this.ctx, runId);
  }
  checkpointSteps(runId: number): number[] {
    return checkpointSteps(this.ctx, runId);
  }

  // ---- sweeps ----
  createSweep(name: string, spec: unknown): number {
    return createSweep(this.ctx, name, spec);
  }
  listSweeps(): Sweep[] {
    return listSweeps(this.ctx);
  }
  getSweep(id: number): Sweep {
    return getSweep(this.ctx, id);
  }

  // ---- sweeps on a cluster (src-main/cluster) ----
  recordClusterSweep(sweepId: number, info: { scheduler: 'slurm'; folder: string; options: unknown; runIds: readonly number[] }): void {
    recordClusterSweep(this.ctx, sweepId, info);
  }
  setClusterJob(sweepId: number, jobId: string): void {
    setClusterJob(this.ctx, sweepId, jobId);
  }
  getClusterSweep(sweepId: number): ClusterSweep {
    return getClusterSweep(this.ctx, sweepId);
  }
  listClusterSweeps(): ClusterSweep[] {
    return listClusterSweeps(this.ctx);
  }
  /** True for a run that waits on (or ran on) a cluster: no local runner may take it. */
  isClusterTask(runId: number): boolean {
    return isClusterTask(this.ctx, runId);
  }
  /** A shard's export bundle into this database: new runs imported, placeholders (same uuid) replaced in place. */
  mergeShardRuns(bundle: unknown, opts: { partialDetail?: string } = {}): MergeResult[] {
    return mergeShardRuns(this.ctx, bundle, opts);
  }

  // ---- export / import ----
  exportRuns(ids?: readonly number[]): ExportBundle {
    return exportRuns(this.ctx, ids);
  }
  importRuns(bundle: unknown, opts: ImportOptions = {}): ImportReport {
    return importRuns(this.ctx, bundle, opts);
  }
  runsCsv(ids?: readonly number[]): string {
    return runsCsv(this.ctx, ids);
  }
  metricsCsv(ids?: readonly number[]): string {
    return metricsCsv(this.ctx, ids);
  }
  writeCsvFiles(dir: string, ids?: readonly number[]): { runs: string; metrics: string } {
    return writeCsvFiles(this.ctx, dir, ids);
  }

  // ---- maintenance ----
  /** integrity_check (or quick_check) plus foreign-key check, row counts and schema version. */
  check(opts: { quick?: boolean } = {}): CheckReport {
    this.ctx.assertOpen();
    const db = this.ctx.db;
    const problems: string[] = [];
    /** A malformed file makes the check itself throw SQLITE_CORRUPT: that is a finding, not a failure. */
    const attempt = <T>(fn: () => T, fallback: T): T => {
      try {
        return fn();
      } catch (err) {
        if (!isCorruptionError(err)) throw err;
        if (!problems.includes((err as Error).message)) problems.push((err as Error).message);
        return fallback;
      }
    };
    attempt(() => {
      const found = (db.pragma(opts.quick === true ? 'quick_check(20)' : 'integrity_check(20)', { simple: false }) as
        Record<string, string>[]).map((r) => Object.values(r)[0]!).filter((m) => m !== 'ok');
      problems.push(...found);
      const fk = db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
      for (const v of fk.slice(0, 20)) problems.push(`${v.table} row ${v.rowid}: missing ${v.parent} row`);
      // scalars / run_summary have no FK clauses (see migrations.ts); the summary reveals orphaned series
      const orphans = db
        .prepare('SELECT DISTINCT run_id FROM run_summary WHERE run_id NOT IN (SELECT id FROM runs) LIMIT 20')
        .pluck(true)
        .all() as number[];
      for (const id of orphans) problems.push(`scalars of run ${id}: the run does not exist`);
    }, undefined);
    /** -1: the table could not be read. */
    const count = (table: string): number =>
      attempt(() => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n, -1);
    const counts = {
      runs: count('runs'),
      scalars: count('scalars'),
      snapshots: count('snapshots'),
      checkpoints: count('checkpoints'),
      sweeps: count('sweeps'),
    };
    return {
      integrity: problems.length === 0 ? 'ok' : problems.join('\n'),
      counts,
      userVersion: attempt(() => userVersion(db), -1),
    };
  }

  /** PRAGMA wal_checkpoint (TRUNCATE by default): call when a run ends or the app goes idle. */
  walCheckpoint(mode: 'PASSIVE' | 'FULL' | 'RESTART' | 'TRUNCATE' = 'TRUNCATE'): WalCheckpointResult {
    this.ctx.assertWritable('checkpoint the WAL');
    try {
      const [r] = this.ctx.db.pragma(`wal_checkpoint(${mode})`) as { busy: number; log: number; checkpointed: number }[];
      return { busy: r!.busy !== 0, walFrames: r!.log, checkpointedFrames: r!.checkpointed };
    } catch (err) {
      throw wrapError(err, `wal_checkpoint(${mode}) on ${this.file} failed`);
    }
  }

  /** Flushes and closes the MetricWriter (if any), then the connection. Safe to call twice. */
  close(): void {
    if (!this.ctx.db.open) return;
    try {
      this.writer?.close();
    } finally {
      this.ctx.markClosed();
      this.ctx.db.close();
    }
  }
}

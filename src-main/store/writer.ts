import { applyBatch, ScalarColumns, type PendingSnapshot } from './batch';
import { encodeF64 } from './blob';
import { withBusyTimeout } from './connection';
import type { StoreContext } from './context';
import { isBusyError, StoreError, wrapError } from './errors';
import type { MetricInput, SnapshotInput } from './types';

export interface MetricWriterOptions {
  /** Longest time a buffered row waits before a flush (default 250 ms). */
  readonly intervalMs?: number;
  /** Buffered rows (scalars + snapshots) that trigger an immediate flush (default 1000). */
  readonly maxRows?: number;
  /** Failures of timer-driven flushes. Without it they are rethrown by the next write / flush / close. */
  readonly onError?: (err: StoreError) => void;
  /**
   * Longest wait for another connection's lock per flush attempt (default: the connection's busy_timeout, 5 s).
   * A short one keeps the event loop free: a locked database then costs a retry, with backoff up to 2 s,
   * while the rows stay buffered.
   */
  readonly busyTimeoutMs?: number;
  /** Called after each commit, e.g. to tell the UI which runs / keys have new points. */
  readonly onFlush?: (updates: readonly FlushUpdate[]) => void;
}

export interface FlushUpdate {
  readonly runId: number;
  readonly maxStep: number;
  readonly keys: readonly string[];
}

const MAX_RETRY_MS = 2000;

function checkStep(step: number, what: string): void {
  if (!Number.isSafeInteger(step) || step < 0) throw new StoreError('INVALID', `${what}: step must be an integer >= 0, got ${step}`);
}

function checkKey(key: string, what: string): void {
  if (typeof key !== 'string' || key === '') throw new StoreError('INVALID', `${what}: key must be a non-empty string`);
}

/**
 * Buffers metric rows and snapshots of any runs and writes them in ONE `BEGIN IMMEDIATE` transaction per
 * flush: at least every `intervalMs` (an unref'd timer), every `maxRows` rows, and on flush() / close().
 * One per writer connection (Store.metricWriter()). Writes are idempotent upserts.
 */
export class MetricWriter {
  private scalars = new ScalarColumns();
  private snapshots: PendingSnapshot[] = [];
  private timer: NodeJS.Timeout | null = null;
  private failure: StoreError | null = null;
  private closed = false;
  private readonly intervalMs: number;
  private readonly maxRows: number;
  /** Consecutive flushes refused by a lock (0: the last one committed). */
  private busyFailures = 0;
  /** Since when the oldest buffered row waits for a lock (null: not waiting). */
  private lockedSince: number | null = null;
  private snapshotBytes = 0;

  constructor(
    private readonly ctx: StoreContext,
    private readonly opts: MetricWriterOptions = {},
    private readonly onClose: () => void = () => {},
  ) {
    this.intervalMs = opts.intervalMs ?? 250;
    this.maxRows = opts.maxRows ?? 1000;
    if (!(this.intervalMs > 0)) throw new StoreError('INVALID', 'intervalMs: must be > 0');
    if (!Number.isSafeInteger(this.maxRows) || this.maxRows < 1) throw new StoreError('INVALID', 'maxRows: must be >= 1');
  }

  /** Rows waiting for the next flush. */
  get pending(): number {
    return this.scalars.length + this.snapshots.length;
  }

  /** Approximate memory held by the buffer (scalar rows ~48 bytes each, snapshots their Float64 data). */
  get pendingBytes(): number {
    return this.scalars.length * 48 + this.snapshotBytes;
  }

  /** Since when the buffer waits for a database locked by another connection, or null. */
  get waitingForLockSince(): number | null {
    return this.lockedSince;
  }

  write(m: MetricInput): void {
    this.checkUsable();
    this.ctx.assertRun(m.runId);
    checkKey(m.key, `run ${m.runId}`);
    checkStep(m.step, `run ${m.runId} ${m.key}`);
    if (typeof m.value !== 'number') throw new StoreError('INVALID', `run ${m.runId} ${m.key}: value must be a number`);
    this.scalars.push(m.runId, m.key, m.step, m.value, m.wallMs ?? Date.now());
    this.afterPush();
  }

  writeMany(rows: Iterable<MetricInput>): void {
    for (const m of rows) this.write(m);
  }

  /** A vector (rows = 1, default) or a rows x cols matrix, stored as Float64. */
  snapshot(s: SnapshotInput): void {
    this.checkUsable();
    this.ctx.assertRun(s.runId);
    const what = `run ${s.runId} ${s.key}`;
    checkKey(s.key, what);
    checkStep(s.step, what);
    const len = s.data.length;
    const rows = s.rows ?? 1;
    const cols = s.cols ?? (rows === 0 ? 0 : len / rows);
    if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows < 0 || cols < 0 || rows * cols !== len) {
      throw new StoreError('INVALID', `${what}: rows x cols (${rows} x ${cols}) does not match ${len} values`);
    }
    const bytes = encodeF64(s.data);
    this.snapshots.push({ runId: s.runId, key: s.key, step: s.step, rows, cols, bytes, wallMs: s.wallMs ?? Date.now() });
    this.snapshotBytes += bytes.byteLength;
    this.afterPush();
  }

  /** Writes everything buffered now, in one transaction. Throws StoreError if it cannot. */
  flush(): void {
    this.rethrowFailure();
    this.flushNow();
  }

  close(): void {
    if (this.closed) return;
    try {
      this.flush();
    } finally {
      this.clearTimer();
      this.closed = true;
      this.onClose();
    }
  }

  private afterPush(): void {
    // while a lock refuses flushes, rows wait for the backoff timer instead of trying (and failing) at once
    if (this.pending >= this.maxRows && this.busyFailures === 0) this.flushGuarded();
    else if (this.timer === null) {
      this.timer = setTimeout(() => this.onTimer(), this.intervalMs);
      this.timer.unref();
    }
  }

  private onTimer(): void {
    this.timer = null;
    this.flushGuarded();
  }

  /** A flush whose failure goes to onError (or is kept for the next call) instead of up the stack. */
  private flushGuarded(): void {
    try {
      this.flushNow();
    } catch (err) {
      const e = wrapError(err, `metric flush to ${this.ctx.file} failed`);
      if (this.opts.onError !== undefined) this.opts.onError(e);
      else this.failure = e;
    }
  }

  private flushNow(): void {
    this.clearTimer();
    if (this.pending === 0) return;
    const scalars = this.scalars;
    const snapshots = this.snapshots;
    this.scalars = new ScalarColumns();
    this.snapshots = [];
    const pendingKeys = new Map<string, number>();
    const snapshotBytes = this.snapshotBytes;
    this.snapshotBytes = 0;
    let steps: Map<number, number>;
    try {
      steps = this.withBusyTimeout(() =>
        this.ctx.db.transaction(() => applyBatch(this.ctx, scalars, snapshots, pendingKeys, Date.now())).immediate(),
      );
    } catch (err) {
      if (isBusyError(err)) {
        // the database stayed locked past busy_timeout: keep the rows and retry later, backing off
        scalars.append(this.scalars);
        this.scalars = scalars;
        this.snapshots = snapshots.concat(this.snapshots);
        this.snapshotBytes += snapshotBytes;
        this.busyFailures++;
        this.lockedSince ??= Date.now();
        this.afterPushRetry();
        throw new StoreError(
          'IO',
          `metric flush of ${scalars.length + snapshots.length} rows to ${this.ctx.file} failed: the database is locked by another connection (kept in memory, retrying)`,
          { cause: err },
        );
      }
      throw wrapError(err, `metric flush of ${scalars.length + snapshots.length} rows to ${this.ctx.file} failed`);
    }
    this.busyFailures = 0;
    this.lockedSince = null;
    this.ctx.commitKeyIds(pendingKeys);
    if (this.opts.onFlush !== undefined) this.opts.onFlush(summarise(steps, scalars, snapshots));
  }

  private withBusyTimeout<T>(fn: () => T): T {
    const ms = this.opts.busyTimeoutMs;
    return ms === undefined ? fn() : withBusyTimeout(this.ctx.db, ms, fn);
  }

  private afterPushRetry(): void {
    if (this.timer === null && !this.closed) {
      const wait = Math.min(MAX_RETRY_MS, this.intervalMs * 2 ** Math.min(this.busyFailures - 1, 10));
      this.timer = setTimeout(() => this.onTimer(), Math.max(this.intervalMs, wait));
      this.timer.unref();
    }
  }

  private clearTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private checkUsable(): void {
    if (this.closed) throw new StoreError('CLOSED', `metric writer for ${this.ctx.file} is closed`);
    this.ctx.assertOpen();
    this.rethrowFailure();
  }

  private rethrowFailure(): void {
    const f = this.failure;
    if (f !== null) {
      this.failure = null;
      throw f;
    }
  }
}

function summarise(
  steps: Map<number, number>,
  scalars: ScalarColumns,
  snapshots: readonly PendingSnapshot[],
): FlushUpdate[] {
  const keys = new Map<number, Set<string>>();
  const add = (runId: number, key: string): void => {
    let set = keys.get(runId);
    if (set === undefined) keys.set(runId, (set = new Set()));
    set.add(key);
  };
  for (let i = 0; i < scalars.length; i++) add(scalars.runIds[i]!, scalars.keys[i]!);
  for (const s of snapshots) add(s.runId, s.key);
  return [...steps].map(([runId, maxStep]) => ({ runId, maxStep, keys: [...(keys.get(runId) ?? [])] }));
}

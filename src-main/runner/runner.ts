/**
 * The run supervisor: a queue with a concurrency limit; each run in its own worker thread. It owns the
 * store's writer side for its runs (one MetricWriter), cooperative cancel (a shared flag checked at every
 * epoch boundary, then terminate), heartbeats, and the final status whatever the worker does (finish,
 * throw, crash, exit). Events for live views: 'status', 'progress', 'eval', 'flush'.
 */
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EvalRecordOut, RunResult, RunStatus } from '../api/schema/result';
import { isBusyError, type MetricWriter, type Store } from '../store';
import { DeferredWrites } from './deferred-writes';
import { workerMessageSchema, type StartMessage } from './protocol';
import { priorHistory } from './history';
import { planBudget, threadsForStart, type BudgetPlan } from './thread-budget';

export interface RunnerOptions {
  /** Runs at once (default: cores, or cores / threads when threads is fixed; see thread-budget.ts). */
  concurrency?: number;
  /** Compute threads per run (default: env SCL_LAB_THREADS, else each run's share of the free cores). */
  threads?: number;
  /** Backend choice passed to workers (default: env SCL_LAB_BACKEND or auto). */
  backend?: string;
  /** Grace period between a cancel request and terminate(). */
  cancelGraceMs?: number;
  heartbeatMs?: number;
  workerPath?: string;
  /**
   * How long run-time writes may wait for a database locked by another process before the runs waiting on it
   * fail (default: env SCL_LAB_LOCK_LIMIT_S seconds, else 600 s). Meanwhile metrics stay in memory.
   */
  lockLimitMs?: number;
  /** Memory for metrics waiting for a locked database, past which the run that adds more fails (default 256 MB). */
  maxBufferedBytes?: number;
}

/** The lock limit: option, else env SCL_LAB_LOCK_LIMIT_S, else 10 minutes. */
export function lockLimitMs(opt?: number): number {
  if (opt !== undefined) return opt;
  const env = Number(process.env.SCL_LAB_LOCK_LIMIT_S);
  return Number.isFinite(env) && env > 0 ? env * 1000 : 600_000;
}

export interface ProgressEvent {
  runId: number;
  epoch: number;
  epochs: number;
  loss: number;
  /** Seconds left, from the rate since the run (re)started. */
  eta: number | null;
  /** Within the current epoch (deep runs). */
  batch?: number;
  batches?: number;
}

interface Active {
  runId: number;
  worker: Worker;
  flag: Int32Array;
  startedAt: number;
  startEpoch: number;
  cancelRequested: boolean;
  /** Compute threads given to this run (its part of the thread budget until it ends). */
  threads: number;
  /** Latest epoch reported, and the one last written to the store (watchers see progress through last_step). */
  epoch: number;
  storedEpoch: number;
  killTimer?: NodeJS.Timeout;
  settled: boolean;
  /** A checkpoint waiting for a locked database (only the newest one is kept). */
  pendingCheckpoint?: { epoch: number; data: Uint8Array; meta: unknown };
}

function defaultWorkerPath(): string {
  const here = join(__dirname, 'worker.js');
  if (existsSync(here)) return here;
  // running from TypeScript sources (tests): use the build
  return resolve(__dirname, '../../dist/src-main/runner/worker.js');
}

export class Runner extends EventEmitter {
  readonly concurrency: number;
  readonly budget: BudgetPlan;
  private held = 0;
  private queue: number[] = [];
  private active = new Map<number, Active>();
  private writer: MetricWriter;
  private heartbeat: NodeJS.Timeout;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private deferred: DeferredWrites;
  private readonly lockLimit: number;
  private awaitingWrites = false;

  constructor(private readonly store: Store, private readonly opts: RunnerOptions = {}) {
    super();
    this.budget = planBudget({ concurrency: opts.concurrency, threads: opts.threads });
    this.concurrency = this.budget.concurrency;
    this.lockLimit = lockLimitMs(opts.lockLimitMs);
    this.writer = store.metricWriter({
      intervalMs: 150,
      busyTimeoutMs: 25,
      onFlush: (updates) => this.emit('flush', updates),
      onError: (err) => this.emit('error-log', err.message),
    });
    this.deferred = new DeferredWrites(store, {
      onError: (what, err) => this.emit('error-log', `${what}: ${err.message}`),
      onWaiting: () => this.checkLock(),
    });
    // Every second: cancel requests from other processes (any surface: store.requestCancel) and the epoch reached
    // (other processes follow it); every heartbeatMs a heartbeat anyway. Skipped while another process holds the lock.
    let lastBeat = Date.now();
    this.heartbeat = setInterval(() => {
      const beat = Date.now() - lastBeat >= (opts.heartbeatMs ?? 5000);
      if (beat) lastBeat = Date.now();
      this.checkLock();
      for (const a of this.active.values()) {
        try {
          if (beat || a.epoch !== a.storedEpoch) {
            const epoch = a.epoch;
            this.deferred.tryNow(`heartbeat of run ${a.runId}`, () => {
              if (this.store.heartbeat(a.runId, epoch).cancelRequested && !a.cancelRequested) this.cancel(a.runId);
              a.storedEpoch = epoch;
            });
          }
          if (!a.cancelRequested && this.store.cancelRequested(a.runId)) this.cancel(a.runId);
        } catch (e) {
          this.emit('error-log', `heartbeat of run ${a.runId}: ${(e as Error).message}`);
        }
      }
    }, 1000);
    this.heartbeat.unref();
  }

  /** Queue a run that exists in the store with status 'queued'. */
  enqueue(runId: number): void {
    if (this.closed) throw new Error('the runner is closed');
    const run = this.store.getRun(runId);
    if (run.status !== 'queued') throw new Error(`run ${runId} is ${run.status}, not queued`);
    // readers see who holds it (and that it is orphaned if we die); waits like every run-time write under a lock
    this.deferred.write(runId, `the claim of run ${runId}`, () => this.store.claimQueued(runId, process.pid));
    if (!this.queue.includes(runId) && !this.active.has(runId)) this.queue.push(runId);
    this.pump();
  }

  /**
   * Queue several runs as one batch: none starts before all are queued, so the thread budget shares the cores
   * between all of them (a sweep) instead of giving the first one every core.
   */
  batch<T>(f: () => T): T {
    this.held++;
    try {
      return f();
    } finally {
      this.held--;
      this.pump();
    }
  }

  /** Threads used by the runs running now. */
  get usedThreads(): number {
    let n = 0;
    for (const a of this.active.values()) n += a.threads;
    return n;
  }

  isActive(runId: number): boolean {
    return this.active.has(runId) || this.queue.includes(runId);
  }

  /** Cancel a queued or running run. Running runs stop at the next epoch boundary, or are terminated. */
  cancel(runId: number): boolean {
    const qi = this.queue.indexOf(runId);
    if (qi >= 0) {
      this.queue.splice(qi, 1);
      this.deferred.write(runId, `cancel of run ${runId}`, () => this.store.finishRun(runId, 'cancelled', { detail: 'cancelled before it started' }));
      this.emit('status', { runId, status: 'cancelled' });
      this.checkIdle();
      return true;
    }
    const a = this.active.get(runId);
    if (!a) return false;
    a.cancelRequested = true;
    Atomics.store(a.flag, 0, 1);
    a.killTimer = setTimeout(() => {
      if (!a.settled) {
        void a.worker.terminate();
        this.settle(a, 'cancelled', { detail: 'terminated: the trainer did not stop within the grace period' });
      }
    }, this.opts.cancelGraceMs ?? 10_000);
    return true;
  }

  /** Resolves when nothing is queued or running and every run's end is recorded (or given up on, see checkLock). */
  onIdle(): Promise<void> {
    if (this.queue.length === 0 && this.active.size === 0 && this.deferred.pending === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /**
   * Runs whose writes have waited for another process's lock longer than the limit fail (the worker stops, the
   * status is recorded once the lock is gone); with no run left, writes still waiting max(2 x limit, 10 s) after the last run ended are
   * given up (the runs then show as interrupted at the next start, like after a crash).
   */
  private checkLock(): void {
    const now = Date.now();
    const writerSince = this.writer.waitingForLockSince;
    for (const a of [...this.active.values()]) {
      const since = Math.min(this.deferred.waitingSince(a.runId) ?? Infinity, writerSince ?? Infinity);
      if (a.settled || !Number.isFinite(since) || now - since <= this.lockLimit) continue;
      void a.worker.terminate();
      this.settle(a, 'failed', { error: lockMessage(this.store.file, now - since, this.lockLimit) });
    }
    const oldest = this.deferred.oldestSince();
    if (this.active.size > 0 || oldest === null) {
      this.drainWaitSince = null;
      return;
    }
    // no run left, writes still waiting: give them as long again as the runs got (at least 10 s), counted from
    // when the last run ended, so that a run failed for the lock still gets its status once the lock goes
    this.drainWaitSince ??= now;
    if (now - this.drainWaitSince > Math.max(2 * this.lockLimit, 10_000)) {
      this.emit('error-log', `gave up recording ${this.deferred.pending} write(s): ${lockMessage(this.store.file, now - oldest, this.lockLimit)}`);
      this.deferred.discard();
      this.drainWaitSince = null;
    }
  }

  /** When the last run ended while writes still waited for the lock (see checkLock). */
  private drainWaitSince: number | null = null;

  private checkIdle(): void {
    if (this.queue.length === 0 && this.active.size === 0 && this.deferred.pending > 0) {
      if (!this.awaitingWrites) {
        this.awaitingWrites = true;
        void this.deferred.drained().then(() => {
          this.awaitingWrites = false;
          this.checkIdle();
        });
      }
      return;
    }
    if (this.queue.length === 0 && this.active.size === 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      w.forEach((f) => f());
    }
  }

  private pump(): void {
    if (this.held > 0) return;
    while (!this.closed && this.active.size < this.concurrency && this.queue.length > 0) {
      const runId = this.queue.shift()!;
      try {
        const stored = this.store.getRun(runId).storedStatus;
        if (stored !== 'queued') {
          // cancelled (or taken) by another process while it waited here
          this.emit('status', { runId, status: stored });
          continue;
        }
        this.start(runId);
      } catch (e) {
        const error = (e as Error).message;
        this.deferred.write(runId, `the end of run ${runId}`, () => this.store.finishRun(runId, 'failed', { error }));
        this.emit('status', { runId, status: 'failed', error });
      }
    }
    this.checkIdle();
  }

  private start(runId: number): void {
    const run = this.store.getRun(runId);
    const ckpt = this.store.latestCheckpoint(runId);
    const restore = ckpt ? { data: new Uint8Array(ckpt.data), meta: ckpt.meta } : undefined;
    const restoreEpoch = restore ? (restore.meta as { epoch: number }).epoch : 0;
    const prior = restore ? priorHistory(this.store, runId, restoreEpoch) : [];
    const priorSeconds = (run.result as RunResult | null)?.seconds ?? 0;
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const threads = threadsForStart(this.budget, { usedThreads: this.usedThreads, running: this.active.size, waiting: this.queue.length }, run.kind);
    const worker = new Worker(this.opts.workerPath ?? defaultWorkerPath());
    const a: Active = { runId, worker, flag, startedAt: Date.now(), startEpoch: restoreEpoch, cancelRequested: false, threads, epoch: restoreEpoch, storedEpoch: restoreEpoch, settled: false };
    this.active.set(runId, a);
    this.deferred.write(runId, `the start of run ${runId}`, () => this.store.markStarted(runId, { backend: 'starting', ownerPid: process.pid, env: environment() }));
    this.emit('status', { runId, status: 'running' });
    worker.on('message', (raw) => this.onMessage(a, raw));
    worker.on('error', (err) => this.settle(a, 'failed', { error: `the training worker crashed: ${err.message}` }));
    worker.on('exit', (code) => {
      if (!a.settled) this.settle(a, a.cancelRequested ? 'cancelled' : 'failed', { error: `the training worker exited (code ${code}) before finishing` });
    });
    const msg: StartMessage = {
      type: 'start',
      runId,
      config: run.config,
      backend: this.opts.backend ?? process.env.SCL_LAB_BACKEND ?? 'auto',
      threads,
      cancelFlag: flag.buffer as SharedArrayBuffer,
      restore,
      priorHistory: prior,
      priorSeconds,
    };
    worker.postMessage(msg);
  }

  private onMessage(a: Active, raw: unknown): void {
    if (a.settled) return;
    const parsed = workerMessageSchema.safeParse(raw);
    if (!parsed.success) {
      void a.worker.terminate();
      this.settle(a, 'failed', { error: `malformed message from the training worker: ${parsed.error.issues[0]?.message}` });
      return;
    }
    const m = parsed.data;
    const runId = a.runId;
    switch (m.type) {
      case 'backend':
        {
          // what ran, as the worker reports it: threads (null: not ours to set), the share asked for, the wasm build
          const threadInfo = {
            threads: m.threads,
            threadsRequested: m.threadsRequested,
            // the 1-minute load when the run started: threads help only when the cores are not busy with other work
            threadBudget: { cores: this.budget.cores, concurrency: this.concurrency, policy: this.budget.threads === undefined ? 'share' : 'fixed', loadAtStart: Math.round(loadavg()[0] * 100) / 100 },
            ...(m.wasm ? { wasmBuild: m.wasm.build, wasmReason: m.wasm.reason } : {}),
          };
          this.deferred.write(runId, `the backend of run ${runId}`, () =>
            this.store.markStarted(runId, { backend: m.name, ownerPid: process.pid, env: { ...environment(), backendSkipped: m.skipped, ...threadInfo } }),
          );
          this.emit('status', { runId, status: 'running', backend: m.name, threads: m.threads });
        }
        break;
      case 'progress': {
        a.epoch = m.epoch;
        const secs = (Date.now() - a.startedAt) / 1000;
        const pos = m.epoch + (m.batch && m.batches ? m.batch / m.batches : 0);
        const done = pos - a.startEpoch;
        const eta = done > 0 ? (secs / done) * (m.epochs - pos) : null;
        this.emit('progress', { runId, epoch: m.epoch, epochs: m.epochs, loss: m.loss, eta, batch: m.batch, batches: m.batches } satisfies ProgressEvent);
        break;
      }
      case 'metrics':
        this.writer.writeMany(m.rows.map((r) => ({ runId, key: r.key, step: r.step, value: r.value })));
        this.checkBuffer(a);
        break;
      case 'snapshot':
        this.writer.snapshot({ runId, key: `snap/${m.key}`, step: m.step, rows: m.rows, cols: m.cols, data: m.data });
        this.checkBuffer(a);
        break;
      case 'eval':
        this.emit('eval', { runId, record: m.record });
        break;
      case 'checkpoint': {
        // while the database is locked only the newest checkpoint waits (memory stays bounded)
        const waiting = a.pendingCheckpoint !== undefined;
        a.pendingCheckpoint = { epoch: m.epoch, data: m.data, meta: m.meta };
        if (!waiting) {
          this.deferred.write(runId, `checkpoint of run ${runId}`, () => {
            const c = a.pendingCheckpoint;
            if (!c) return;
            try {
              this.writer.flush(); // metrics first: a checkpoint is never ahead of its series
              this.store.saveCheckpoint(runId, c.epoch, c.data, c.meta);
              a.pendingCheckpoint = undefined;
            } catch (e) {
              if (!isBusyError(e)) a.pendingCheckpoint = undefined; // dropped (and reported); the next one is written
              throw e;
            }
          });
        }
        break;
      }
      case 'log':
        this.emit('log', { runId, line: m.line });
        break;
      case 'done':
        this.settle(a, m.result.status as 'finished' | 'cancelled', { result: m.result });
        break;
      case 'failed':
        this.settle(a, a.cancelRequested ? 'cancelled' : 'failed', { error: m.error });
        break;
    }
  }

  private settle(a: Active, status: Extract<RunStatus, 'finished' | 'failed' | 'cancelled'>, info: { error?: string; detail?: string; result?: RunResult }): void {
    if (a.settled) return;
    a.settled = true;
    if (a.killTimer) clearTimeout(a.killTimer);
    this.active.delete(a.runId);
    this.deferred.write(a.runId, `could not record the end of run ${a.runId}`, () => {
      this.writer.flush();
      this.store.finishRun(a.runId, status, { error: info.error ?? null, detail: info.detail ?? null, result: info.result });
    });
    this.deferred.tryNow('WAL checkpoint', () => this.store.walCheckpoint('PASSIVE'));
    this.emit('status', { runId: a.runId, status, error: info.error, result: info.result });
    void a.worker.terminate();
    this.pump();
  }

  /** Cancel everything, wait for the workers to settle, flush the store. */
  async shutdown(): Promise<void> {
    for (const id of [...this.queue]) this.cancel(id);
    for (const id of [...this.active.keys()]) this.cancel(id);
    await this.onIdle();
    this.closed = true;
    clearInterval(this.heartbeat);
    this.deferred.close();
    try {
      this.writer.close();
    } catch (e) {
      this.emit('error-log', (e as Error).message);
    }
  }

  /** Metrics waiting for a locked database past the memory bound fail the run that adds more. */
  private checkBuffer(a: Active): void {
    const max = this.opts.maxBufferedBytes ?? 256 * 2 ** 20;
    const bytes = this.writer.pendingBytes;
    if (bytes <= max || a.settled) return;
    const since = this.writer.waitingForLockSince ?? Date.now();
    void a.worker.terminate();
    this.settle(a, 'failed', {
      error: `${lockMessage(this.store.file, Date.now() - since, this.lockLimit)}; ${(bytes / 2 ** 20).toFixed(0)} MB of metrics wait in memory (at most ${(max / 2 ** 20).toFixed(0)} MB)`,
    });
  }
}

function lockMessage(file: string, waitedMs: number, limitMs: number): string {
  return `the database ${file} is locked by another process (waited ${(waitedMs / 1000).toFixed(1)} s; the limit is ${(limitMs / 1000).toFixed(0)} s, SCL_LAB_LOCK_LIMIT_S)`;
}

function environment() {
  return {
    node: process.versions.node,
    electron: process.versions.electron ?? null,
    chromium: process.versions.chrome ?? null,
    platform: process.platform,
    arch: process.arch,
    cpus: availableParallelism(),
  };
}

export type { EvalRecordOut };

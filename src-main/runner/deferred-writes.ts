/**
 * The runner's writes to the store while runs go on (start, checkpoints, the final status), in order, without
 * ever blocking the event loop on a lock held by another process (an import, a `BEGIN IMMEDIATE` elsewhere):
 * each attempt waits at most `busyMs` for the lock; a refused write stays queued (with every later one, so
 * order holds: metrics before their checkpoint, a checkpoint before the final status) and is retried with
 * backoff. A run whose writes wait longer than `limitMs` is reported through `onStuck`.
 */
import { isBusyError, type Store } from '../store';

export interface DeferredWritesOptions {
  /** Longest wait for the lock per attempt (default 25 ms). */
  busyMs?: number;
  /** First retry delay; doubles up to maxRetryMs (defaults 50 ms, 2 s). */
  retryMs?: number;
  maxRetryMs?: number;
  /** Non-lock failures of a write (it is dropped, as before). */
  onError: (what: string, err: Error) => void;
  /** A write of `runId` has waited `waitedMs` for the lock (called at each retry while it waits). */
  onWaiting?: (runId: number, waitedMs: number) => void;
}

interface Op {
  runId: number;
  what: string;
  run: () => void;
  since: number;
}

export class DeferredWrites {
  private queue: Op[] = [];
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  private drainWaiters: (() => void)[] = [];

  constructor(private readonly store: Store, private readonly opts: DeferredWritesOptions) {}

  /** Writes waiting for the lock. */
  get pending(): number {
    return this.queue.length;
  }

  /** Since when the oldest waiting write of `runId` waits, or null. */
  waitingSince(runId: number): number | null {
    return this.queue.find((o) => o.runId === runId)?.since ?? null;
  }

  /** Since when the oldest waiting write waits, or null. */
  oldestSince(): number | null {
    return this.queue[0]?.since ?? null;
  }

  /** Drop every waiting write (given up on); drained() waiters resolve. */
  discard(): void {
    this.close();
    this.queue = [];
    this.failures = 0;
    const w = this.drainWaiters;
    this.drainWaiters = [];
    w.forEach((f) => f());
  }

  /** Write now if nothing waits and the database is free; otherwise queue it behind the waiting ones. */
  write(runId: number, what: string, run: () => void): void {
    this.queue.push({ runId, what, run, since: Date.now() });
    if (this.queue.length === 1) this.drain();
  }

  /** A write that matters only if it can be done now (a heartbeat): skipped while the database is locked. */
  tryNow(what: string, run: () => void): boolean {
    if (this.queue.length > 0) return false;
    try {
      this.store.withBusyTimeout(this.opts.busyMs ?? 25, run);
      return true;
    } catch (e) {
      if (!isBusyError(e)) this.opts.onError(what, e as Error);
      return false;
    }
  }

  /** Resolves when no write waits. */
  drained(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.drainWaiters.push(r));
  }

  private drain(): void {
    this.timer = null;
    while (this.queue.length > 0) {
      const op = this.queue[0]!;
      try {
        this.store.withBusyTimeout(this.opts.busyMs ?? 25, op.run);
      } catch (e) {
        if (isBusyError(e)) {
          this.failures++;
          this.schedule();
          const now = Date.now();
          const seen = new Set<number>();
          for (const o of this.queue) {
            if (seen.has(o.runId)) continue;
            seen.add(o.runId);
            this.opts.onWaiting?.(o.runId, now - o.since);
          }
          return;
        }
        this.opts.onError(op.what, e as Error);
      }
      this.queue.shift();
    }
    this.failures = 0;
    const w = this.drainWaiters;
    this.drainWaiters = [];
    w.forEach((f) => f());
  }

  private schedule(): void {
    if (this.timer !== null) return;
    const base = this.opts.retryMs ?? 50;
    const wait = Math.min(this.opts.maxRetryMs ?? 2000, base * 2 ** Math.min(this.failures - 1, 10));
    this.timer = setTimeout(() => this.drain(), wait);
  }

  /** Stop retrying (the store is closing); what still waits is lost, as it would be on a crash. */
  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

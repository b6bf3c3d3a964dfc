/**
 * The event hub: listens to the Runner and republishes its events as the contract's events, each parsed by
 * its event schema. `run.progress` is throttled to at most 4 per second per run (the latest one wins and is
 * sent at the end of the window; a status event of the run waits behind a pending one). Snapshot keys
 * in `metrics.flushed` lose their `snap/` prefix, as in `runs.snapshot`. With a change feed, what other processes
 * do arrives the same way, plus `runs.changed` (tags, notes, trash).
 */
import type { EventEmitter } from 'node:events';
import { events, SNAPSHOT_PREFIX, type EventName } from '../api/contract';
import type { Runner } from '../runner/runner';
import type { FlushUpdate } from '../store';

/** Receives every event; `payload` is `EventPayload<typeof event>`, already parsed by the event's schema. */
export type AnyEventListener = (event: EventName, payload: unknown) => void;

export interface EventHub {
  /** Returns the unsubscribe function. */
  subscribe(listener: AnyEventListener): () => void;
  /** Detach from the runner and drop every listener and pending progress event. */
  close(): void;
}

export interface EventHubOptions {
  /** Minimum milliseconds between two progress events of one run (default 250 = 4 per second). */
  progressIntervalMs?: number;
  /** Where dropped (schema-invalid) events and listener errors are reported (default: stderr). */
  onError?: (message: string) => void;
  /** Changes made by other processes (services/change-feed.ts): the Runner's events plus 'changed'. */
  feed?: EventEmitter;
}

interface Throttle {
  lastSent: number;
  pending: unknown;
  timer: NodeJS.Timeout | null;
  /** Status events that arrived while a progress event was pending: sent right after it, in order. */
  statuses: { runId: number; status: string }[];
}

const TERMINAL = new Set(['finished', 'failed', 'cancelled', 'interrupted']);

export function createEventHub(runner: Runner, opts: EventHubOptions = {}): EventHub {
  const interval = opts.progressIntervalMs ?? 250;
  const onError = opts.onError ?? ((m: string) => process.stderr.write(`scl-lab events: ${m}\n`));
  const listeners = new Set<AnyEventListener>();
  const throttles = new Map<number, Throttle>();

  function publish(event: EventName, raw: unknown): void {
    const parsed = events[event].safeParse(raw);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      onError(`dropped a ${event} event that does not match the contract (${i?.path.join('.') || '(payload)'}: ${i?.message})`);
      return;
    }
    for (const l of [...listeners]) {
      try {
        l(event, parsed.data);
      } catch (e) {
        onError(`a ${event} listener threw: ${(e as Error).message}`);
      }
    }
  }

  function publishStatus(s: { runId: number; status: string }): void {
    if (TERMINAL.has(s.status)) throttles.delete(s.runId);
    publish('run.status', s);
  }

  /** The pending progress event of a run (if any), then the statuses queued behind it. */
  function sendPending(runId: number): void {
    const t = throttles.get(runId);
    if (!t) return;
    if (t.timer) clearTimeout(t.timer);
    t.timer = null;
    if (t.pending !== undefined) {
      const p = t.pending;
      t.pending = undefined;
      t.lastSent = Date.now();
      publish('run.progress', p);
    }
    for (const s of t.statuses.splice(0)) publishStatus(s);
  }

  const onProgress = (p: { runId: number }): void => {
    let t = throttles.get(p.runId);
    if (!t) throttles.set(p.runId, (t = { lastSent: 0, pending: undefined, timer: null, statuses: [] }));
    const wait = t.lastSent + interval - Date.now();
    t.pending = p;
    if (wait <= 0 && t.statuses.length === 0) return sendPending(p.runId);
    if (!t.timer) schedule(p.runId, t, wait);
  };

  /** Timers run on a monotonic clock and may fire a millisecond before Date.now() says the interval is over. */
  function schedule(runId: number, t: { lastSent: number; timer: NodeJS.Timeout | null }, wait: number): void {
    t.timer = setTimeout(() => {
      const left = t.lastSent + interval - Date.now();
      if (left > 0) schedule(runId, t, left);
      else sendPending(runId);
    }, Math.max(0, wait));
    t.timer.unref();
  }

  // A status never overtakes the progress event before it, nor breaks the 4-per-second limit to flush it:
  // it waits (at most one interval) behind a pending progress event.
  const onStatus = (s: { runId: number; status: string }): void => {
    const t = throttles.get(s.runId);
    if (t?.timer) t.statuses.push(s);
    else publishStatus(s);
  };

  const onEval = (e: unknown): void => publish('run.eval', e);

  const onFlush = (updates: readonly FlushUpdate[]): void =>
    publish('metrics.flushed', {
      updates: updates.map((u) => ({
        runId: u.runId,
        maxStep: u.maxStep,
        keys: u.keys.map((k) => (k.startsWith(SNAPSHOT_PREFIX) ? k.slice(SNAPSHOT_PREFIX.length) : k)),
      })),
    });

  const onChanged = (c: { runIds: number[] }): void => publish('runs.changed', c);

  const sources: EventEmitter[] = [runner, ...(opts.feed ? [opts.feed] : [])];
  for (const src of sources) {
    src.on('progress', onProgress);
    src.on('status', onStatus);
    src.on('eval', onEval);
    src.on('flush', onFlush);
  }
  opts.feed?.on('changed', onChanged);

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    close() {
      for (const runId of [...throttles.keys()]) sendPending(runId); // nothing is lost at shutdown
      for (const src of sources) {
        src.off('progress', onProgress);
        src.off('status', onStatus);
        src.off('eval', onEval);
        src.off('flush', onFlush);
      }
      opts.feed?.off('changed', onChanged);
      for (const t of throttles.values()) if (t.timer) clearTimeout(t.timer);
      throttles.clear();
      listeners.clear();
    },
  };
}

/**
 * Following the database while other processes write it (a CLI run, `scl-lab tag`, another app): a cheap
 * read-only connection polls PRAGMA data_version (every `pollMs`, default 200 ms); when it moved, the run_changes
 * log (triggers, store migration 4) names the runs to re-read, and the feed republishes what changed as the
 * Runner's own events ('status', 'progress', 'flush') plus 'changed' (tags, notes, name, trash). Runs of this
 * process are left to its Runner (the feed learns their state from the Runner's events, so nothing is sent
 * twice). Every `livenessMs` (default 2 s) the writer persists the liveness rule (reconcile) and adopts queued
 * runs of dead processes into this process's queue.
 */
import { EventEmitter } from 'node:events';
import type { Runner } from '../runner/runner';
import { openStore, type FlushUpdate, type RunRecord, type Store } from '../store';
import type { RunService } from './runs';
import { evalLossKey } from '../api/schema/metric-keys';

export interface ChangeFeedOptions {
  pollMs?: number;
  livenessMs?: number;
  /** Adopt orphaned queued runs into this process's queue (default true). */
  adopt?: boolean;
  log?: (line: string) => void;
}

interface Seen {
  status: string;
  lastStep: number | null;
  /** Annotations whose change the Runner never reports. */
  sig: string;
  keys: Map<string, number>;
}

const signature = (r: RunRecord): string =>
  JSON.stringify([r.name, r.notes, r.tags, r.deletedAt, r.statusDetail, r.orphaned, r.cancelRequestedAt !== null]);

export class ChangeFeed extends EventEmitter {
  private readonly reader: Store;
  private readonly seen = new Map<number, Seen>();
  private version: number;
  private seq: number;
  private poll: NodeJS.Timeout;
  private liveness: NodeJS.Timeout;
  private closed = false;
  private readonly offRunner: () => void;

  constructor(
    private readonly writer: Store,
    private readonly runner: Runner,
    private readonly service: RunService,
    opts: ChangeFeedOptions = {},
  ) {
    super();
    const log = opts.log ?? (() => {});
    this.reader = openStore(writer.file, { readonly: true });
    this.version = this.reader.dataVersion();
    this.seq = this.reader.lastChangeSeq();
    const onStatus = (s: { runId: number; status: string }) => this.entry(s.runId).status = s.status;
    const onFlush = (updates: readonly FlushUpdate[]) => {
      for (const u of updates) {
        const e = this.entry(u.runId);
        for (const k of u.keys) e.keys.set(k, Math.max(e.keys.get(k) ?? -1, u.maxStep));
      }
    };
    runner.on('status', onStatus);
    runner.on('flush', onFlush);
    this.offRunner = () => {
      runner.off('status', onStatus);
      runner.off('flush', onFlush);
    };
    this.poll = setInterval(() => this.tick(log), opts.pollMs ?? 200);
    this.poll.unref();
    this.liveness = setInterval(() => {
      try {
        const gone = this.writer.reconcile();
        if (gone.length) log(`marked run(s) of dead processes as interrupted: ${gone.join(', ')}`);
        if (opts.adopt !== false) {
          const adopted = this.service.adoptOrphans();
          if (adopted.length) log(`took over queued run(s) of dead processes: ${adopted.join(', ')}`);
        }
      } catch (e) {
        log(`liveness check: ${(e as Error).message}`);
      }
    }, opts.livenessMs ?? 2000);
    this.liveness.unref();
  }

  private entry(id: number): Seen {
    let e = this.seen.get(id);
    if (!e) this.seen.set(id, (e = { status: '', lastStep: null, sig: '', keys: new Map() }));
    return e;
  }

  /** One poll: nothing but a PRAGMA unless another connection committed. Public for tests. */
  tick(log: (line: string) => void = () => {}): void {
    if (this.closed) return;
    try {
      const v = this.reader.dataVersion();
      if (v === this.version) return;
      this.version = v;
      for (;;) {
        const changes = this.reader.changesSince(this.seq, 500);
        if (changes.length === 0) break;
        this.seq = changes[changes.length - 1]!.seq;
        this.publish(changes.map((c) => c.runId));
      }
    } catch (e) {
      log(`following the database: ${(e as Error).message}`);
    }
  }

  private publish(ids: number[]): void {
    const runs = new Map(this.reader.listRuns({ ids, includeDeleted: true, limit: ids.length }).map((r) => [r.id, r]));
    const changed: number[] = [];
    const flushed: FlushUpdate[] = [];
    for (const id of ids) {
      const r = runs.get(id);
      const before = this.seen.get(id);
      if (!r) {
        // purged (emptied from the trash)
        if (before) this.seen.delete(id);
        changed.push(id);
        continue;
      }
      const e = this.entry(id);
      const mine = this.runner.isActive(id);
      if (r.status !== e.status) {
        e.status = r.status;
        if (!mine) this.emit('status', { runId: id, status: r.status, ...(r.error ? { error: r.error } : {}) });
      }
      if (!mine && r.status === 'running' && r.lastStep !== null && r.lastStep !== e.lastStep) {
        const epochs = Number((r.config as { epochs?: unknown }).epochs);
        const loss = r.summaries[evalLossKey(r.kind)]?.last;
        this.emit('progress', {
          runId: id,
          epoch: r.lastStep,
          epochs: Number.isFinite(epochs) ? epochs : r.lastStep,
          loss: loss !== undefined && Number.isFinite(loss) ? loss : 0,
          eta: null,
        });
      }
      e.lastStep = r.lastStep;
      const keys: string[] = [];
      let maxStep = -1;
      for (const [k, s] of Object.entries(r.summaries)) {
        if ((e.keys.get(k) ?? -1) < s.lastStep) {
          e.keys.set(k, s.lastStep);
          keys.push(k);
          maxStep = Math.max(maxStep, s.lastStep);
        }
      }
      if (keys.length > 0) flushed.push({ runId: id, maxStep, keys });
      const sig = signature(r);
      if (sig !== e.sig) {
        if (e.sig !== '' || before === undefined) changed.push(id);
        e.sig = sig;
      }
    }
    if (flushed.length > 0) this.emit('flush', flushed);
    if (changed.length > 0) this.emit('changed', { runIds: changed });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.poll);
    clearInterval(this.liveness);
    this.offRunner();
    this.reader.close();
  }
}

/**
 * Run services: the operations the CLI, the API server and the desktop app share. Validation first (the
 * contract's schemas), then the store, then the runner. Cancel, resume, delete and the trash work on any run,
 * whichever process started it: cancel goes through the store's cancel request, which the owner obeys.
 */
import { parseRunConfig, type RunConfig } from '../api/schema/config';
import { expandSweep } from '../api/schema/sweep';
import type { Runner } from '../runner/runner';
import type { PurgeReport, RunRecord, Store } from '../store';
import { StoreError } from '../store';
import { preflight } from './preflight';
import { APP_VERSION } from './version';

const ACTIVE = new Set(['queued', 'running']);

export interface WaitOptions {
  /** How long to wait for a cancelled run's worker to stop writing (default 20 s: the runner's grace is 10 s). */
  timeoutMs?: number;
  pollMs?: number;
}

/**
 * THE cancel path: a run this process runs is stopped by its runner at once; any other run gets the store's
 * cancel request (a queued one is cancelled at once, a running one's owner stops it within a second).
 */
export function cancelRun(store: Store, runner: Runner | null, id: number): 'cancelled' | 'requested' {
  if (runner?.isActive(id)) {
    runner.cancel(id);
    return store.getRun(id).storedStatus === 'cancelled' ? 'cancelled' : 'requested';
  }
  store.reconcile(); // a dead owner's run is interrupted, not cancellable
  const run = store.getRun(id);
  if (!ACTIVE.has(run.status)) throw new StoreError('STATE', `run ${id} is ${run.status}; there is nothing to cancel`);
  return store.requestCancel(id);
}

/** Resolves when none of `ids` is queued or running any more (whoever owns them); rejects after the timeout. */
export async function waitUntilStopped(store: Store, ids: readonly number[], opts: WaitOptions = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    const left = ids.filter((id) => ACTIVE.has(store.getRun(id).status));
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      throw new StoreError('STATE', `run${left.length > 1 ? 's' : ''} ${left.join(', ')} did not stop within ${Math.round((opts.timeoutMs ?? 20_000) / 1000)} s; nothing was deleted`);
    }
    await new Promise((r) => setTimeout(r, opts.pollMs ?? 100));
  }
}

/** Deletes runs (to the trash): an active run is cancelled first, and deleted once its worker stopped writing. */
export async function deleteRuns(store: Store, runner: Runner | null, ids: readonly number[], opts: WaitOptions = {}): Promise<number> {
  const unique = [...new Set(ids)];
  const runs = unique.map((id) => store.getRun(id)); // every id exists, or nothing changes
  const active = runs.filter((r) => ACTIVE.has(r.status)).map((r) => r.id);
  for (const id of active) {
    try {
      cancelRun(store, runner, id);
    } catch (e) {
      if (!(e instanceof StoreError && e.code === 'STATE')) throw e; // it ended meanwhile
    }
  }
  await waitUntilStopped(store, active, opts);
  for (const id of unique) store.deleteRun(id);
  return unique.length;
}

export function restoreRuns(store: Store, ids: readonly number[]): number {
  const unique = [...new Set(ids)];
  for (const id of unique) {
    if (store.getRun(id).deletedAt === null) throw new StoreError('STATE', `run ${id} is not in the trash`);
  }
  for (const id of unique) store.restoreRun(id);
  return unique.length;
}

export function emptyTrash(store: Store, ids?: readonly number[]): PurgeReport {
  return store.purgeDeleted(ids);
}

export class RunService {
  constructor(readonly store: Store, private readonly runner: Runner) {}

  /** Validate, record as queued, and queue. Returns the run id. */
  submit(raw: unknown, opts: { name?: string; sweepId?: number } = {}): number {
    const config: RunConfig = parseRunConfig(raw);
    preflight(config);
    const id = this.store.createRun({
      name: opts.name ?? config.name ?? null,
      kind: config.kind,
      config: config as unknown as Record<string, unknown>,
      seed: config.seed,
      appVersion: APP_VERSION,
      sweepId: opts.sweepId ?? null,
    });
    this.runner.enqueue(id);
    return id;
  }

  /** A sweep spec: every cell validated before anything is stored, then all queued under one sweep id (unnamed: named after its grid). */
  sweep(raw: unknown, source?: string): { sweepId: number; runIds: number[] } {
    const { spec, cells } = expandSweep(raw, source);
    for (const c of cells) preflight(c.config); // all or nothing
    const sweepId = this.store.createSweep(spec.name ?? defaultSweepName(spec, cells.length), spec);
    // one batch: the thread budget shares the cores between all the sweep's runs
    const runIds = this.runner.batch(() =>
      cells.map((c) =>
        this.submit(c.config, {
          sweepId,
          name: `${spec.name ?? 'sweep'} ${Object.entries(c.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`,
        }),
      ),
    );
    return { sweepId, runIds };
  }

  /**
   * Continue an interrupted, cancelled or failed run from its last checkpoint (or from the start without one),
   * whatever process ran it; an orphaned queued run (its process died) is taken into this process's queue.
   */
  resume(id: number): RunRecord {
    this.store.reconcile();
    const run = this.store.getRun(id);
    this.assertLocal(id, 'it resumes on the cluster (requeue its task, or resubmit its job script)');
    if (run.status === 'queued' && run.orphaned) {
      for (const adopted of this.store.adoptOrphans(process.pid, { only: [id] })) this.runner.enqueue(adopted);
      return this.store.getRun(id);
    }
    if (!['interrupted', 'cancelled', 'failed'].includes(run.status)) {
      throw new StoreError('STATE', `run ${id} is ${run.status}; only an interrupted, cancelled or failed run can be resumed`);
    }
    this.store.requeue(id);
    this.runner.enqueue(id);
    return this.store.getRun(id);
  }

  /** A run of a sweep on Slurm is the cluster's: it is resumed and cancelled there (`scl-lab slurm ...`). */
  private assertLocal(id: number, what: string): void {
    const run = this.store.getRun(id);
    if (run.sweepId !== null && this.store.isClusterTask(id)) {
      throw new StoreError('STATE', `run ${id} is a task of sweep ${run.sweepId} on Slurm; ${what}`);
    }
  }

  /** Queued runs of dead processes join this process's queue (oldest first); returns their ids. */
  adoptOrphans(): number[] {
    const ids = this.store.adoptOrphans(process.pid);
    this.runner.batch(() => ids.forEach((id) => this.runner.enqueue(id)));
    return ids;
  }

  /** Cancel any queued or running run, this process's or another's. */
  cancel(id: number): boolean {
    const run = this.store.getRun(id);
    this.assertLocal(id, `cancel the sweep with: scl-lab slurm cancel ${run.sweepId}`);
    cancelRun(this.store, this.runner, id);
    return true;
  }

  delete(ids: readonly number[], opts?: WaitOptions): Promise<number> {
    return deleteRuns(this.store, this.runner, ids, opts);
  }

  restore(ids: readonly number[]): number {
    return restoreRuns(this.store, ids);
  }

  emptyTrash(ids?: readonly number[]): PurgeReport {
    return emptyTrash(this.store, ids);
  }

  setNotes(id: number, notes: string | null): void {
    this.store.setNotes(id, notes);
  }

  addTag(id: number, tag: string): readonly string[] {
    this.store.addTag(id, tag);
    return this.store.getRun(id).tags;
  }

  removeTag(id: number, tag: string): readonly string[] {
    this.store.removeTag(id, tag);
    return this.store.getRun(id).tags;
  }
}

/** An unnamed sweep's name, from its spec: "relu × batching.binding × 3 seeds (12 runs)". */
export function defaultSweepName(spec: { grid: Record<string, unknown[]>; seeds?: number[] }, runs: number): string {
  const parts = Object.entries(spec.grid).map(([k, v]) => (v.length === 1 ? `${k}=${JSON.stringify(v[0])}` : k));
  const seeds = spec.seeds?.length ?? 1;
  if (seeds > 1) parts.push(`${seeds} seeds`);
  return `${parts.length ? parts.join(' × ') : 'sweep'} (${runs} run${runs === 1 ? '' : 's'})`;
}

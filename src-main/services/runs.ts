/**
 * Run services: the operations the CLI, the API server and the desktop app share. Validation first (the
 * contract's schemas), then the store, then the runner.
 */
import { parseRunConfig, type RunConfig } from '../api/schema/config';
import { expandSweep } from '../api/schema/sweep';
import type { Runner } from '../runner/runner';
import type { RunRecord, Store } from '../store';
import { StoreError } from '../store';
import { preflight } from './preflight';
import { APP_VERSION } from './version';

export class RunService {
  constructor(readonly store: Store, readonly runner: Runner) {}

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

  /** A sweep spec: every cell validated before anything is stored, then all queued under one sweep id. */
  sweep(raw: unknown, source?: string): { sweepId: number; runIds: number[] } {
    const { spec, cells } = expandSweep(raw, source);
    for (const c of cells) preflight(c.config); // all or nothing
    const sweepId = this.store.createSweep(spec.name ?? `sweep of ${cells.length} runs`, spec);
    const runIds = cells.map((c) =>
      this.submit(c.config, {
        sweepId,
        name: `${spec.name ?? 'sweep'} ${Object.entries(c.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`,
      }),
    );
    return { sweepId, runIds };
  }

  /** Continue an interrupted, cancelled or failed run from its last checkpoint (or from the start without one). */
  resume(id: number): RunRecord {
    const run = this.store.getRun(id);
    this.assertLocal(id, 'it resumes on the cluster (requeue its task, or resubmit its job script)');
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

  cancel(id: number): boolean {
    const run = this.store.getRun(id);
    this.assertLocal(id, `cancel the sweep with: scl-lab slurm cancel ${run.sweepId}`);
    if (this.runner.cancel(id)) return true;
    if (run.status === 'queued') {
      this.store.finishRun(id, 'cancelled', { detail: 'cancelled while queued' });
      return true;
    }
    if (run.status === 'running') {
      throw new StoreError('STATE', `run ${id} is running in another process (pid ${run.ownerPid ?? '?'}); cancel it there`);
    }
    throw new StoreError('STATE', `run ${id} is ${run.status}; there is nothing to cancel`);
  }
}

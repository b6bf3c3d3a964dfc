/**
 * The CLI's side of a session: openDb for the store-only commands (read-only ones still judge liveness on every
 * read), openSession (services/session.ts) for the commands that run, and the terminal wait with progress bars.
 */
import type { RunResult } from '../api/schema/result';
import { cancelRun } from '../services/runs';
import { openSession as openServiceSession, type Session } from '../services/session';
import { openStore, type Store } from '../store';
import { makeProgress, type Progress } from './progress';

export type { Session };

export interface DbOptions {
  db?: string;
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

export function openDb(opts: DbOptions, readonly = false): Store {
  const store = openStore(opts.db, { readonly });
  if (!readonly) {
    const interrupted = store.reconcile();
    if (interrupted.length) log(`marked ${interrupted.length} run(s) left running as interrupted: ${interrupted.join(', ')}`);
  }
  return store;
}

/** A session for a command that runs: it also takes over (and waits for) queued runs of dead processes. */
export function openSession(opts: DbOptions & { backend?: string; concurrency?: number; threads?: number }): Session {
  return openServiceSession({ db: opts.db, backend: opts.backend, concurrency: opts.concurrency, threads: opts.threads, log });
}

/**
 * Wait for the given runs with one progress bar per run (stderr); SIGINT/SIGTERM cancel them cleanly.
 * Returns the stored result of each run.
 */
export async function waitForRuns(s: Session, runIds: number[], quiet = false): Promise<{ id: number; status: string; result: RunResult | null; error: string | null }[]> {
  const bars = new Map<number, Progress>();
  const onProgress = (p: { runId: number; epoch: number; epochs: number; loss: number }) => {
    if (!runIds.includes(p.runId)) return;
    let bar = bars.get(p.runId);
    if (!bar) {
      bar = makeProgress(p.epochs, runIds.length > 1 ? `run ${p.runId}` : 'training', quiet);
      bars.set(p.runId, bar);
    }
    bar.update(p.epoch, `loss ${p.loss.toPrecision(6)}`);
  };
  let cancels = 0;
  const onSignal = () => {
    cancels++;
    process.stderr.write(cancels === 1 ? '\ncancelling (Ctrl-C again to stop at once)...\n' : '\nstopping now\n');
    if (cancels > 1) process.exit(130);
    for (const id of [...runIds, ...s.adopted]) {
      try {
        cancelRun(s.store, s.runner, id);
      } catch {
        // it ended meanwhile
      }
    }
  };
  s.runner.on('progress', onProgress);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await s.runner.onIdle();
  } finally {
    for (const b of bars.values()) b.stop();
    s.runner.off('progress', onProgress);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return runIds.map((id) => {
    const r = s.store.getRun(id);
    return { id, status: r.status, result: (r.result as RunResult | null) ?? null, error: r.error };
  });
}

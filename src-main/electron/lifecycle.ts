/**
 * Quitting: with runs queued or running, ask first; then cancel them cleanly (runner.shutdown(): workers stop
 * at the next epoch boundary, their last metrics and status are written), close the store (which flushes and
 * checkpoints the WAL), and only then let the app quit. Every way out (window close, menu Quit, Cmd+Q, SIGINT /
 * SIGTERM from a terminal) goes through `requestQuit`.
 */
export interface QuitGuardDeps {
  /** Runs of this process that are queued or running. */
  activeRuns(): number;
  /** Ask the user; resolves true to cancel the runs and quit. */
  confirm(activeRuns: number): Promise<boolean>;
  /** Cancel runs, close the event hub and the store. */
  shutdown(): Promise<void>;
  /** Really quit (app.quit()); called once, after shutdown. */
  quit(): void;
  log?: (line: string) => void;
}

export type QuitState = 'running' | 'asking' | 'stopping' | 'done';

export interface QuitGuard {
  readonly state: QuitState;
  /** True when the app may close now; otherwise the caller prevents the close and the guard takes over. */
  mayClose(): boolean;
  /** Start quitting (asks when runs are active unless `force`). Resolves when the attempt is settled. */
  requestQuit(opts?: { force?: boolean }): Promise<void>;
}

export function createQuitGuard(deps: QuitGuardDeps): QuitGuard {
  let state: QuitState = 'running';
  let asking: Promise<void> | null = null;
  let stopping: Promise<void> | null = null;
  const log = deps.log ?? ((l: string) => process.stderr.write(`scl-lab: ${l}\n`));

  function stop(): Promise<void> {
    return (stopping ??= (async () => {
      state = 'stopping';
      try {
        await deps.shutdown();
      } catch (e) {
        log(`shutdown: ${(e as Error).message}`);
      }
      state = 'done';
      deps.quit();
    })());
  }

  async function ask(): Promise<void> {
    const n = deps.activeRuns();
    if (n > 0) {
      state = 'asking';
      let ok = false;
      try {
        ok = await deps.confirm(n);
      } catch (e) {
        log(`the quit dialog failed: ${(e as Error).message}`);
      }
      if (state !== 'asking') return; // a forced quit (signal) took over meanwhile
      if (!ok) {
        state = 'running';
        return;
      }
    }
    await stop();
  }

  return {
    get state() {
      return state;
    },
    mayClose: () => state === 'done',
    requestQuit(opts = {}) {
      if (state === 'done') return Promise.resolve();
      if (opts.force === true || state === 'stopping') return stop();
      return (asking ??= ask().finally(() => {
        asking = null;
      }));
    },
  };
}

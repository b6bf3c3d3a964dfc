/**
 * THE way to open a session, for the CLI, `scl-lab serve` and the Electron shell alike: open the store (the
 * writer), persist the liveness rule (reconcile), start a Runner, the run services and the event hub, take over
 * queued runs of dead processes, and (for the apps) follow what other processes write (change-feed.ts).
 */
import { Runner } from '../runner/runner';
import { openStore, type Store } from '../store';
import { ChangeFeed, type ChangeFeedOptions } from './change-feed';
import { createEventHub, type EventHub } from './event-hub';
import { RunService } from './runs';

export interface SessionOptions {
  /** Database file (default: the app data folder, env SCL_LAB_DB). */
  db?: string;
  backend?: string;
  concurrency?: number;
  /** Compute threads per run (default: env SCL_LAB_THREADS, else the thread budget's share; runner/thread-budget.ts). */
  threads?: number;
  /** Where the session reports what it did (reconciled, adopted runs) and problems (default: stderr). */
  log?: (line: string) => void;
  /** Take queued runs of dead processes into this session's queue (default true). */
  adopt?: boolean;
  /** Follow other processes' changes (the apps: serve and Electron); off for CLI commands. */
  watch?: boolean | ChangeFeedOptions;
}

export interface Session {
  store: Store;
  runner: Runner;
  service: RunService;
  hub: EventHub;
  /** Null unless `watch`. */
  feed: ChangeFeed | null;
  /** Run ids taken over from dead processes at open. */
  adopted: readonly number[];
  /** Cancels this session's runs, waits for their workers, stops following, closes the store. Idempotent. */
  close(): Promise<void>;
}

export function openSession(opts: SessionOptions = {}): Session {
  const log = opts.log ?? ((l: string) => process.stderr.write(`scl-lab: ${l}\n`));
  const store = openStore(opts.db);
  let runner: Runner;
  try {
    const interrupted = store.reconcile();
    if (interrupted.length) log(`marked ${interrupted.length} run(s) left running as interrupted: ${interrupted.join(', ')}`);
    runner = new Runner(store, { backend: opts.backend, concurrency: opts.concurrency, threads: opts.threads });
  } catch (e) {
    store.close();
    throw e;
  }
  const service = new RunService(store, runner);
  const adopted = opts.adopt === false ? [] : service.adoptOrphans();
  if (adopted.length) log(`took over ${adopted.length} queued run(s) of dead processes: ${adopted.join(', ')}`);
  const watch = opts.watch === undefined || opts.watch === false ? null : opts.watch === true ? {} : opts.watch;
  const feed = watch === null ? null : new ChangeFeed(store, runner, service, { log, adopt: opts.adopt, ...watch });
  const hub = createEventHub(runner, { onError: log, feed: feed ?? undefined });
  let closing: Promise<void> | null = null;
  return {
    store,
    runner,
    service,
    hub,
    feed,
    adopted,
    close: () =>
      (closing ??= (async () => {
        feed?.close();
        try {
          await runner.shutdown(); // cancels runs; their final status events still go out
        } finally {
          hub.close();
          store.close();
        }
      })()),
  };
}

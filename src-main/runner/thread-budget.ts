/**
 * The thread budget: runs at once x compute threads per run <= cores (`os.availableParallelism()`), so that a
 * sweep never oversubscribes the machine and one run alone gets every core.
 *
 * Settings, most specific first: `--threads N` (CLI run / resume / sweep) or the `threads` session option, else
 * env SCL_LAB_THREADS (the machine-wide setting), else the default policy: each run, when it starts, gets an
 * equal share of the cores not used by the runs already running, shared with the runs waiting to start in the
 * free slots (a sweep of many runs: one thread each; one run: all cores). A run keeps its thread count until it
 * ends (the wasm backend's thread pool is made once per worker). Only deep runs use more than one thread
 * (THREADED_KINDS below).
 *
 * The thread count is not part of a run's config: the threaded and single-threaded builds give bit-identical
 * results (test/compute/wasm-threaded.test.ts), so it is an execution setting like the backend, recorded with
 * the run (env.threads, env.wasmBuild) and not in the config hash or the seed groups.
 */
import { availableParallelism } from 'node:os';

/** A thread setting the user gave that the budget cannot satisfy (exit code 2 in the CLI). */
export class ThreadBudgetError extends Error {}

export function cores(): number {
  return Math.max(1, availableParallelism());
}

/** Env SCL_LAB_THREADS: a whole number >= 1, or unset / empty / "auto". */
export function threadsFromEnv(env = process.env.SCL_LAB_THREADS): number | undefined {
  const v = (env ?? '').trim();
  if (v === '' || v === 'auto') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new ThreadBudgetError(`SCL_LAB_THREADS must be a whole number >= 1 or "auto" (got "${v}")`);
  return n;
}

export interface BudgetPlan {
  /** Runs at once. */
  concurrency: number;
  /** Threads per run when fixed; undefined = the default policy (shares decided when each run starts). */
  threads?: number;
  cores: number;
}

/**
 * Concurrency and threads per run for a session. Explicit settings are checked (more threads than cores, or
 * concurrency x threads > cores, is an error naming both); a fixed thread count without a concurrency limits
 * the runs at once to floor(cores / threads).
 */
export function planBudget(opts: { concurrency?: number; threads?: number; cores?: number }): BudgetPlan {
  const c = opts.cores ?? cores();
  const threads = opts.threads ?? threadsFromEnv();
  if (threads !== undefined) {
    if (!Number.isInteger(threads) || threads < 1) throw new ThreadBudgetError(`threads must be a whole number >= 1 (got ${threads})`);
    if (threads > c) throw new ThreadBudgetError(`threads ${threads} is more than the ${c} core(s) of this machine (os.availableParallelism())`);
  }
  if (opts.concurrency !== undefined && threads !== undefined && opts.concurrency * threads > c) {
    throw new ThreadBudgetError(
      `${opts.concurrency} runs at once x ${threads} threads = ${opts.concurrency * threads} threads, more than the ${c} core(s) of this machine; lower --concurrency or --threads`,
    );
  }
  const concurrency = Math.max(1, opts.concurrency ?? (threads !== undefined ? Math.floor(c / threads) : c));
  return { concurrency, threads, cores: c };
}

/**
 * Run kinds that get more than one thread. UFM and embeddings runs work on small matrices (k x d, batches of
 * tens of rows), where the threaded build's per-op hand-off to its pthreads costs more than it saves: a
 * 6-class UFM run of 300 epochs took 22.5 s with 2 threads against 5.6 s with 1 (2-core box, load ~10). They
 * always run on 1 thread; so `--threads` applies to deep runs.
 */
export const THREADED_KINDS: readonly string[] = ['deep'];

/**
 * Threads for a run that starts now: 1 for a kind that does not gain from threads, else the fixed setting, else
 * an equal share of the free cores between this run and the waiting runs that can start alongside it. Never less than 1 (with more runs than cores, which only an
 * explicit concurrency above the core count allows, runs share cores as before).
 */
export function threadsForStart(plan: BudgetPlan, state: { usedThreads: number; running: number; waiting: number }, kind: string = 'deep'): number {
  if (!THREADED_KINDS.includes(kind)) return 1;
  if (plan.threads !== undefined) return plan.threads;
  const free = plan.cores - state.usedThreads;
  const slots = Math.max(1, Math.min(plan.concurrency - state.running, state.waiting + 1));
  return Math.max(1, Math.floor(free / slots));
}

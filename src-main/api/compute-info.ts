/**
 * How a run computed, read from what its worker reported when it started (the run's `env`, runner.ts): the
 * thread count, the wasm build and the thread budget it came from. Pure (no Node APIs): the CLI (`scl-lab show`)
 * and the renderer (the Run page's backend badge) print the same words from it. Runs stored before the thread
 * budget existed have no thread fields: `threads` is then null and the label is the backend alone.
 */

export interface ComputeInfo {
  backend: string | null;
  /** Compute threads of the run; null when unknown or not set by the app (tfjs-node). */
  threads: number | null;
  threadsRequested: number | null;
  wasmBuild: 'threaded-simd' | 'simd' | null;
  /** Why that build (or why the threaded one did not run). */
  wasmReason: string | null;
  budget: { cores: number; concurrency: number; policy: 'share' | 'fixed'; loadAtStart: number | null } | null;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const posInt = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);

export function computeInfo(backend: string | null, env: unknown): ComputeInfo {
  const e = obj(env);
  const b = obj(e.threadBudget);
  const build = e.wasmBuild === 'threaded-simd' || e.wasmBuild === 'simd' ? e.wasmBuild : null;
  const cores = posInt(b.cores);
  const concurrency = posInt(b.concurrency);
  return {
    backend,
    threads: posInt(e.threads),
    threadsRequested: posInt(e.threadsRequested),
    wasmBuild: build,
    wasmReason: typeof e.wasmReason === 'string' && e.wasmReason.trim() ? e.wasmReason : null,
    budget: cores && concurrency
      ? { cores, concurrency, policy: b.policy === 'fixed' ? 'fixed' : 'share', loadAtStart: typeof b.loadAtStart === 'number' && Number.isFinite(b.loadAtStart) ? b.loadAtStart : null }
      : null,
  };
}

/** The badge: "wasm · 2 threads", "wasm · 1 thread", or the backend alone. */
export function computeLabel(c: ComputeInfo): string {
  if (!c.backend) return 'backend: not started';
  return c.threads === null ? c.backend : `${c.backend} · ${c.threads} thread${c.threads === 1 ? '' : 's'}`;
}

/** One line with everything: build, threads asked / got, the budget, why. */
export function computeDetail(c: ComputeInfo): string {
  const parts: string[] = [computeLabel(c)];
  if (c.wasmBuild) parts.push(`${c.wasmBuild} build`);
  if (c.threadsRequested !== null && c.threads !== null && c.threadsRequested !== c.threads) parts.push(`asked for ${c.threadsRequested}`);
  if (c.budget) {
    parts.push(
      c.budget.policy === 'fixed'
        ? `fixed thread setting, ${c.budget.concurrency} run(s) at once on ${c.budget.cores} core(s)`
        : `share of ${c.budget.cores} core(s), ${c.budget.concurrency} run(s) at once`,
    );
  }
  if (c.wasmReason) parts.push(c.wasmReason);
  const load = c.budget?.loadAtStart ?? null;
  // a machine busier than its cores: the pthreads wait for CPU time and more threads can be slower than one
  if (load !== null && c.budget && c.threads !== null && c.threads > 1 && load > c.budget.cores) {
    parts.push(`load ${load.toFixed(1)} on ${c.budget.cores} core(s) at start: threads may not help (--threads 1)`);
  }
  return parts.join('; ');
}

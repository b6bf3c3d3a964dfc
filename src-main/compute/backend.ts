/**
 * Picks the tfjs backend once per process/worker and says which one runs and why a faster one did not:
 *   tfjs-node-gpu (CUDA) -> tfjs-node (libtensorflow, CPU) -> wasm (+ the project's fast kernels) -> cpu.
 * wasm with more than one thread is the threaded SIMD build (wasm-threaded.ts, self-tested on every start), with
 * the single-threaded SIMD build as the fallback; `wasm.build` / `wasm.threads` / `wasm.reason` say which ran and why.
 * tfjs-node(-gpu) are optionalDependencies: their install downloads libtensorflow and fails offline, so
 * both "module not found" and "tfjs_binding.node can not be found" are expected and reported, not fatal.
 * Nothing else in the app knows which backend is live.
 */
import * as tf from '@tensorflow/tfjs';
import { initThreadedWasm, type ThreadedWasmFiles } from './wasm-threaded';

export type BackendChoice = 'auto' | 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

export interface BackendInfo {
  /** The backend that runs. */
  name: Exclude<BackendChoice, 'auto'>;
  /** tfjs's own backend name ('tensorflow', 'wasm', 'cpu'). */
  tfBackend: string;
  /** Faster backends that were tried and why they are not used. */
  skipped: { name: string; reason: string }[];
  /** Compute threads of this backend (wasm: XNNPACK's pool, 1 = single-threaded build); null: not ours to set (tfjs-node). */
  threads: number | null;
  /** The thread count asked for (the run's share of the thread budget). */
  threadsRequested: number;
  /** Only for wasm: which build runs, and why. */
  wasm?: WasmBuildInfo;
}

export interface WasmBuildInfo {
  build: 'threaded-simd' | 'simd';
  threads: number;
  /** Why this build: "asked for 1 thread", the threaded build's init time, or why it failed. */
  reason: string;
}

export interface InitOptions {
  /** Threads for the wasm backend (default 1: the single-threaded SIMD build). */
  threads?: number;
  /** The threaded build's files (tests point this at missing or broken files). */
  threadedFiles?: ThreadedWasmFiles;
}

let current: BackendInfo | null = null;

function firstLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0].slice(0, 300);
}

async function tryNode(pkg: '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node'): Promise<void> {
  // A tfjs-node package whose native binding is missing registers its kernels before it fails, so the next
  // one re-registers them: tfjs then warns once per kernel. Those warnings say nothing to the user.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!(typeof args[0] === 'string' && / is already registered$/.test(args[0]))) warn(...args);
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(pkg);
  } finally {
    console.warn = warn;
  }
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but the 'tensorflow' backend did not initialise`);
}

/** The most threads the threaded build runs (PTHREAD_POOL_SIZE of tfjs-backend-wasm 4.22). */
export const MAX_WASM_THREADS = 8;

async function tryWasm(opts: InitOptions): Promise<WasmBuildInfo> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-backend-wasm');
  const want = Math.min(Math.max(1, Math.floor(opts.threads ?? 1)), MAX_WASM_THREADS);
  let info: WasmBuildInfo | null = null;
  let why = want === 1 ? 'asked for 1 thread' : '';
  if (want > 1 && process.env.SCL_LAB_WASM_THREADED === '0') why = `the threaded build is switched off (SCL_LAB_WASM_THREADED=0)`;
  else if (want > 1) {
    try {
      const r = await initThreadedWasm(tf, want, opts.threadedFiles);
      info = { build: 'threaded-simd', threads: r.threads, reason: `threaded build self-tested, ${r.threads} threads, init ${r.initMs.toFixed(0)} ms` };
    } catch (e) {
      why = `the threaded build failed: ${firstLine(e)}`;
    }
  }
  if (!info) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // tfjs's own init: the single-threaded SIMD build
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
    info = { build: 'simd', threads: 1, reason: want > 1 ? `${why}; single-threaded SIMD build instead` : why };
  }
  const { registerFastWasmKernels } = await import('./wasm-kernels');
  registerFastWasmKernels(tf);
  return info;
}

/** The backend to use when nothing is forced: env SCL_LAB_BACKEND, else auto. */
export function backendFromEnv(): BackendChoice {
  const v = (process.env.SCL_LAB_BACKEND ?? 'auto').trim() as BackendChoice;
  if (!BACKEND_CHOICES.includes(v)) {
    throw new Error(`SCL_LAB_BACKEND must be one of ${BACKEND_CHOICES.join(', ')} (got "${v}")`);
  }
  return v;
}

/**
 * Initialise once. A forced choice that cannot load is an error (the user asked for it); auto falls through.
 */
export async function initBackend(choice: BackendChoice = backendFromEnv(), opts: InitOptions = {}): Promise<BackendInfo> {
  const threadsRequested = Math.max(1, Math.floor(opts.threads ?? 1));
  if (current && (choice === 'auto' || choice === current.name) && current.threadsRequested === threadsRequested) return current;
  if (current?.name === 'wasm' && (choice === 'auto' || choice === 'wasm') && current.threadsRequested !== threadsRequested) {
    throw new Error(`the wasm backend already runs with ${current.threadsRequested} thread(s) in this process; its thread count is set once`);
  }
  const order: Exclude<BackendChoice, 'auto'>[] =
    choice === 'auto' ? ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] : [choice];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    try {
      let wasm: WasmBuildInfo | undefined;
      if (name === 'tfjs-node-gpu') await tryNode('@tensorflow/tfjs-node-gpu');
      else if (name === 'tfjs-node') await tryNode('@tensorflow/tfjs-node');
      else if (name === 'wasm') wasm = await tryWasm(opts);
      else if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
      await tf.ready();
      const threads = wasm ? wasm.threads : name === 'cpu' ? 1 : null;
      if (wasm && wasm.threads < threadsRequested) skipped.push({ name: 'wasm threaded-simd', reason: wasm.reason });
      current = { name, tfBackend: tf.getBackend(), skipped, threads, threadsRequested, ...(wasm ? { wasm } : {}) };
      return current;
    } catch (e) {
      if (choice !== 'auto') throw new Error(`backend "${name}" is not available: ${firstLine(e)}`);
      skipped.push({ name, reason: firstLine(e) });
    }
  }
  throw new Error(`no tfjs backend could be initialised: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
}

export function currentBackend(): BackendInfo | null {
  return current;
}

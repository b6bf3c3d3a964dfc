/**
 * The threaded SIMD build of tfjs-backend-wasm (4.22.0, pinned exactly in package.json) in Node and in
 * worker_threads. tfjs itself never loads it under Node; four things in tfjs have to be worked around, all here:
 *
 *  1. `WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired to false when IS_NODE. We do not go through tfjs's `init()` at
 *     all: the emscripten factory (`wasm-out/tfjs-backend-wasm-threaded-simd.js`) is called here and tfjs's own
 *     exported `BackendWasm` class wraps the module, exactly as tfjs's `init()` would. The flag is then set to
 *     true, so that anything reading it sees what runs.
 *  2. tfjs's `locateFile` gives emscripten a `blob:` URL for the pthread worker, which Node's `Worker` rejects,
 *     and the package's `.worker.js` is not a worker script but a module exporting the script as a string. We
 *     write that string (with tfjs's own `\n` escaping) to a file in a temp folder of this init and hand
 *     emscripten its path; the folder is removed when the module is up (all 8 pool workers have loaded by then,
 *     and no pthread worker is started later: XNNPACK takes at most 8 - 1 from the pool).
 *  3. `mainScriptUrlOrBlob` is a Blob in tfjs, which a pthread worker cannot load: it gets a file path (a copy of
 *     the main script next to the worker script, so that nothing is read from inside an Electron asar).
 *  4. The C++ side caps the thread count at min(requested, 8 = PTHREAD_POOL_SIZE, cores / 2) where cores =
 *     `os.cpus().length`, i.e. 1 thread on a 2-core machine: during init `os.cpus()` reports 2 x requested.
 *     The thread budget (thread-budget.ts) decides how many threads a run may use; this only lifts the halving.
 *
 * The emscripten runtime starts 8 pthread workers at init (PTHREAD_POOL_SIZE); they are unref'd (and so is any
 * worker started later), otherwise the process never exits. Every start runs a self-test (a matMul checked
 * against a float64 JS result, and the thread count checked) before the backend is accepted; any failure is
 * thrown with a reason and the caller falls back to the single-threaded SIMD build.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import type * as tfjs from '@tensorflow/tfjs';

type TF = typeof tfjs;

export interface ThreadedWasmFiles {
  /** The emscripten factory (main script). */
  js: string;
  /** The module that exports the pthread worker script as `wasmWorkerContents`. */
  worker: string;
  /** The wasm binary. */
  wasm: string;
}

/** The package's threaded SIMD files (env SCL_LAB_WASM_THREADED_DIR points elsewhere, for tests). */
export function threadedWasmFiles(dir = process.env.SCL_LAB_WASM_THREADED_DIR): ThreadedWasmFiles {
  const base = dir ?? join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
  return {
    js: join(base, 'tfjs-backend-wasm-threaded-simd.js'),
    worker: join(base, 'tfjs-backend-wasm-threaded-simd.worker.js'),
    wasm: join(base, 'tfjs-backend-wasm-threaded-simd.wasm'),
  };
}

/** What `BackendWasm` expects on `module.tfjs` (tfjs-backend-wasm's `init()` builds the same). */
interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread: { unusedWorkers: { unref(): void }[]; runningWorkers: { unref(): void }[]; allocateUnusedWorker(): void; terminateAllThreads(): void };
  tfjs?: Record<string, unknown>;
}

const INIT_TIMEOUT_MS = 30_000;

function readOrThrow(file: string, what: string): string {
  if (!existsSync(file)) throw new Error(`${what} ${file} is missing`);
  return readFileSync(file, 'utf8');
}

/**
 * The pthread worker script and a copy of the main script as files. Both are compiled once here, so that a
 * broken file fails this call instead of throwing inside a pthread worker, which would take the process down.
 */
function materialise(files: ThreadedWasmFiles): { dir: string; worker: string; main: string } {
  const mainText = readOrThrow(files.js, 'the threaded wasm script');
  readOrThrow(files.worker, 'the threaded wasm worker module');
  if (!existsSync(files.wasm)) throw new Error(`the threaded wasm binary ${files.wasm} is missing`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exported = (require(files.worker) as { wasmWorkerContents?: unknown }).wasmWorkerContents;
  if (typeof exported !== 'string' || !exported.includes('WasmBackendModuleThreadedSimd')) {
    throw new Error(`${files.worker} does not export the pthread worker script (wasmWorkerContents)`);
  }
  // tfjs escapes newlines the same way before making its Blob: the template literal holds "\n" inside strings
  const workerText = exported.replace(/\n/g, '\\n');
  for (const [text, name] of [[workerText, files.worker], [mainText, files.js]] as const) {
    try {
      new Script(text, { filename: name });
    } catch (e) {
      throw new Error(`${name} does not compile: ${(e as Error).message}`);
    }
  }
  // a folder of this init alone, removed once the module runs (every pthread worker has loaded both by then)
  const dir = mkdtempSync(join(os.tmpdir(), 'scl-lab-wasm-threaded-'));
  const worker = join(dir, 'pthread-worker.cjs');
  const main = join(dir, 'threaded-simd.cjs');
  writeFileSync(worker, workerText);
  writeFileSync(main, mainText);
  return { dir, worker, main };
}

function unrefAll(mod: EmscriptenModule): void {
  for (const w of [...mod.PThread.unusedWorkers, ...mod.PThread.runningWorkers]) w.unref();
}

/** os.cpus() reporting `n` entries while `f` runs (workaround 4). */
async function withCpuCount<T>(n: number, f: () => Promise<T> | T): Promise<T> {
  const real = os.cpus;
  const one = real()[0];
  os.cpus = () => Array.from({ length: n }, () => one);
  try {
    return await f();
  } finally {
    os.cpus = real;
  }
}

/** Relative error of a small matMul against float64 JS; throws when it exceeds 1e-5. */
function selfTest(tf: TF): void {
  const m = 37, k = 53, n = 29;
  const a = new Float32Array(m * k).map((_, i) => Math.sin(i * 0.37) * 0.5);
  const b = new Float32Array(k * n).map((_, i) => Math.cos(i * 0.11) * 0.5);
  const got = tf.tidy(() => tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])).dataSync() as Float32Array);
  let num = 0, den = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      num = Math.max(num, Math.abs(got[i * n + j] - s));
      den = Math.max(den, Math.abs(s));
    }
  }
  const rel = num / den;
  if (!(rel <= 1e-5)) throw new Error(`self-test failed: a ${m}x${k}x${n} matMul is off by ${rel.toExponential(2)} (relative)`);
}

export interface ThreadedWasmResult {
  threads: number;
  initMs: number;
}

/**
 * Creates the threaded backend with `threads` threads, registers it as tfjs's 'wasm' backend, makes it current
 * and self-tests it. On any failure nothing stays registered under 'wasm' except tfjs's own factory, and the
 * error says why.
 */
export async function initThreadedWasm(tf: TF, threads: number, files: ThreadedWasmFiles = threadedWasmFiles()): Promise<ThreadedWasmResult> {
  if (!Number.isInteger(threads) || threads < 2 || threads > 8) throw new Error(`the threaded build takes 2-8 threads (asked for ${threads})`);
  if (typeof SharedArrayBuffer === 'undefined') throw new Error('SharedArrayBuffer is not available');
  const t0 = performance.now();
  const paths = materialise(files);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wasmPkg = require('@tensorflow/tfjs-backend-wasm') as {
    BackendWasm: new (m: unknown) => tfjs.KernelBackend;
    setThreadsCount(n: number): void;
    getThreadsCount(): number;
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const factory = require(paths.main) as (cfg: object) => Promise<EmscriptenModule>;
  const cfg: { PThread?: EmscriptenModule['PThread'] } & Record<string, unknown> = {
    locateFile: (p: string) => (p.endsWith('.worker.js') ? paths.worker : p.endsWith('.wasm') ? files.wasm : join(dirname(paths.main), p)),
    mainScriptUrlOrBlob: paths.main,
  };
  let timer: NodeJS.Timeout | undefined;
  let mod: EmscriptenModule;
  let backend: tfjs.KernelBackend;
  try {
    mod = await withCpuCount(2 * threads, async () => {
      const m = await Promise.race([
        factory(cfg),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`the threaded wasm module did not start within ${INIT_TIMEOUT_MS / 1000} s`)), INIT_TIMEOUT_MS);
        }),
      ]);
      m.tfjs = {
        init: m.cwrap('init', null, []),
        initWithThreadsCount: m.cwrap('init_with_threads_count', null, ['number']),
        getThreadsCount: m.cwrap('get_threads_count', 'number', []),
        registerTensor: m.cwrap('register_tensor', null, ['number', 'number', 'number']),
        disposeData: m.cwrap('dispose_data', null, ['number']),
        dispose: m.cwrap('dispose', null, []),
      };
      wasmPkg.setThreadsCount(threads);
      backend = new wasmPkg.BackendWasm(m); // calls init_with_threads_count (XNNPACK's thread pool)
      return m;
    });
  } catch (e) {
    cfg.PThread?.terminateAllThreads();
    throw e;
  } finally {
    clearTimeout(timer);
    rmSync(paths.dir, { recursive: true, force: true });
  }
  unrefAll(mod);
  // XNNPACK never needs more workers than the pool holds (threads <= 8): a request for one is a bug, not a hang
  mod.PThread.allocateUnusedWorker = () => {
    throw new Error('internal: the threaded wasm module asked for a pthread worker beyond its pool of 8');
  };
  const got = (mod.tfjs!.getThreadsCount as () => number)();
  const stock = tf.findBackendFactory('wasm') as ReturnType<TF['findBackendFactory']> | null; // null if never registered
  try {
    if (got !== threads) throw new Error(`asked XNNPACK for ${threads} threads, got ${got}`);
    if (stock) tf.removeBackend('wasm');
    tf.registerBackend('wasm', () => backend!, 2);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs did not accept the threaded backend');
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    selfTest(tf);
  } catch (e) {
    // back to tfjs's own factory (the single-threaded SIMD build); the threaded module's workers are ended
    if (tf.findBackendFactory('wasm') !== stock) {
      tf.removeBackend('wasm'); // disposes the backend: XNNPACK, then every pthread worker
      if (stock) tf.registerBackend('wasm', stock, 2);
    } else {
      mod.PThread.terminateAllThreads();
    }
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    throw e;
  }
  return { threads: got, initMs: performance.now() - t0 };
}

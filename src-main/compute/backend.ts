/**
 * Picks the tfjs backend once per process/worker and says which one runs and why a faster one did not:
 *   tfjs-node-gpu (CUDA) -> tfjs-node (libtensorflow, CPU) -> wasm (+ the project's fast kernels) -> cpu.
 * tfjs-node(-gpu) are optionalDependencies: their install downloads libtensorflow and fails offline, so
 * both "module not found" and "tfjs_binding.node can not be found" are expected and reported, not fatal.
 * Nothing else in the app knows which backend is live.
 */
import * as tf from '@tensorflow/tfjs';

export type BackendChoice = 'auto' | 'tfjs-node-gpu' | 'tfjs-node' | 'wasm' | 'cpu';
export const BACKEND_CHOICES: readonly BackendChoice[] = ['auto', 'tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'];

export interface BackendInfo {
  /** The backend that runs. */
  name: Exclude<BackendChoice, 'auto'>;
  /** tfjs's own backend name ('tensorflow', 'wasm', 'cpu'). */
  tfBackend: string;
  /** Faster backends that were tried and why they are not used. */
  skipped: { name: string; reason: string }[];
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

async function tryWasm(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
  const { registerFastWasmKernels } = await import('./wasm-kernels');
  registerFastWasmKernels(tf);
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
export async function initBackend(choice: BackendChoice = backendFromEnv()): Promise<BackendInfo> {
  if (current && (choice === 'auto' || choice === current.name)) return current;
  const order: Exclude<BackendChoice, 'auto'>[] =
    choice === 'auto' ? ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu'] : [choice];
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    try {
      if (name === 'tfjs-node-gpu') await tryNode('@tensorflow/tfjs-node-gpu');
      else if (name === 'tfjs-node') await tryNode('@tensorflow/tfjs-node');
      else if (name === 'wasm') await tryWasm();
      else if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
      await tf.ready();
      current = { name, tfBackend: tf.getBackend(), skipped };
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

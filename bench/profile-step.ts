/**
 * Where a deep training step's time goes, per tfjs kernel (tf.profile's kernel times), with 1 or more wasm
 * threads: which parts the threaded build speeds up (matMul, conv) and which stay single-threaded (transposes,
 * element-wise ops, the optimiser).
 * Usage: node dist/bench/profile-step.js [--threads N] [--model mlp|cnn] [--opt sgd|adam] [--steps S]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src-main/compute/backend';
import { stepsPerSecond } from './deep';

async function main(argv: string[]): Promise<void> {
  const arg = (name: string, d: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : d;
  };
  const threads = Number(arg('--threads', '1'));
  const model = arg('--model', 'mlp');
  const opt = arg('--opt', 'adam') as 'sgd' | 'adam';
  const steps = Number(arg('--steps', '10'));
  const info = await initBackend('wasm', { threads });
  const run = () =>
    model === 'cnn'
      ? stepsPerSecond({ name: 'cnn' }, [32, 32, 3], 128, steps, opt)
      : stepsPerSecond({ name: 'mlp', hidden: [512, 256] }, [784], 256, steps, opt);
  run(); // warm-up (kernel registration, XNNPACK operator caches)
  let rate = 0;
  const prof = await tf.profile(() => {
    rate = run();
  });
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const k of prof.kernels) {
    const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.calls++;
    byKernel.set(k.name, e);
  }
  const total = [...byKernel.values()].reduce((a, b) => a + b.ms, 0);
  // stepsPerSecond runs steps + 2 steps (two warm-up steps inside)
  const perStep = (ms: number) => ms / (steps + 2);
  console.log(`${model} ${opt}, ${info.wasm?.build} ${info.threads} thread(s): ${rate.toFixed(1)} steps/s under the profiler; kernel time ${perStep(total).toFixed(1)} ms/step`);
  for (const [name, e] of [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14)) {
    console.log(`  ${name.padEnd(28)} ${perStep(e.ms).toFixed(2).padStart(7)} ms/step  ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  ${Math.round(e.calls / (steps + 2))} calls/step`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

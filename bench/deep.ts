/**
 * Deep training steps per second through the real trainer (DeepTrainer: SCL loss, one view; SGD with
 * momentum 0.9 and weight decay as in the paper, and Adam):
 *   MLP 784-512-256-128 at B = 256 (PyTorch CPU with OpenBLAS on this box: ~91 steps/s)
 *   small CNN on 32x32x3 images at B = 128 (PyTorch: ~8.7 steps/s)
 * Usage: node dist/bench/deep.js [backend ...]
 */
import { initBackend, type BackendChoice } from '../src-main/compute/backend';
import { DeepTrainer, type DeepSpec } from '../src-main/science/deep';
import type { ModelSpec } from '../src-main/science/models';

function synthetic(n: number, size: number, k: number) {
  const x = new Float32Array(n * size);
  for (let i = 0; i < x.length; i++) x[i] = ((i * 2654435761) % 1000) / 1000;
  const labels = Int32Array.from({ length: n }, (_, i) => i % k);
  return { x, labels, n };
}

export function stepsPerSecond(model: ModelSpec, shape: number[], B: number, steps: number, optimizer: 'sgd' | 'adam'): number {
  const k = 10;
  const size = shape.reduce((a, b) => a * b, 1);
  const n = B * (steps + 2);
  const spec: DeepSpec = {
    model, dim: 128, relu: true, loss: 'scl', tau: 0.1, lossForm: 'supcon-mean', views: 1,
    batching: { strategy: 'fixed', batchSize: B, binding: false },
    optimizer:
      optimizer === 'sgd'
        ? { name: 'sgd', lr: 1e-3, momentum: 0.9, nesterov: false, weightDecay: 5e-4 }
        : { name: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
    schedule: { name: 'none' }, epochs: 1, evalEvery: 1, seed: 0,
  };
  const counts = Array.from({ length: k }, (_, c) => Math.floor(n / k) + (c < n % k ? 1 : 0));
  const t = new DeepTrainer(spec, { train: synthetic(n, size, k), test: null, sampleShape: shape, k, counts });
  let done = 0;
  let t0 = 0;
  t.trainEpoch({
    onBatch() {
      done++;
      if (done === 2) t0 = performance.now(); // two warm-up steps
    },
  });
  const s = (done - 2) / ((performance.now() - t0) / 1000);
  t.dispose();
  return s;
}

export async function benchDeep(backends: BackendChoice[]): Promise<void> {
  for (const b of backends) {
    let info;
    try {
      info = await initBackend(b);
    } catch (e) {
      console.log(`  ${b}: not available (${(e as Error).message})`);
      continue;
    }
    for (const opt of ['sgd', 'adam'] as const) {
      const mlp = stepsPerSecond({ name: 'mlp', hidden: [512, 256] }, [784], 256, b === 'cpu' ? 6 : 40, opt);
      console.log(`  MLP 784-512-256-128, B=256, ${opt.padEnd(4)}          ${info.name.padEnd(8)} ${mlp.toFixed(1)} steps/s`);
      const cnn = stepsPerSecond({ name: 'cnn' }, [32, 32, 3], 128, b === 'cpu' ? 2 : 8, opt);
      console.log(`  CNN 32x32x3 (2 conv + dense), B=128, ${opt.padEnd(4)} ${info.name.padEnd(8)} ${cnn.toFixed(2)} steps/s`);
    }
  }
}

if (require.main === module) {
  const args = process.argv.slice(2) as BackendChoice[];
  benchDeep(args.length ? args : ['wasm']).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

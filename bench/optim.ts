/**
 * The deep trainer's optimiser step on the wasm backend: the fused step (src-main/science/fused-optim.ts) vs
 * tf.train.* (SCL_LAB_FUSED_OPTIM=0), interleaved round by round in one process so that load from other work
 * hits both alike; medians are reported.
 *  - "step": the check (loss + every gradient finite) and the update alone, on the MLP 784-512-256-128's variables.
 *  - "train": whole MLP training steps/s (B = 256), as bench/deep.ts measures them.
 * Usage: node dist/bench/optim.js [--threads N] [--rounds R]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src-main/compute/backend';
import { FusedWasmOptimizer, TfjsStepOptimizer, type StepOptimizer } from '../src-main/science/fused-optim';
import type { DeepOptimizerSpec } from '../src-main/science/deep';
import { stepsPerSecond } from './deep';

const SPECS: Record<'sgd' | 'adam', DeepOptimizerSpec> = {
  sgd: { name: 'sgd', lr: 1e-3, momentum: 0.9, nesterov: false, weightDecay: 5e-4 },
  adam: { name: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 },
};
const SHAPES = [[784, 512], [512], [512, 256], [256], [256, 128], [128]];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** ms per check + update of the MLP's variables. */
function stepMs(make: () => StepOptimizer, spec: DeepOptimizerSpec, iters: number): number {
  const vars = SHAPES.map((s, i) => tf.variable(tf.randomNormal(s, 0, 0.05, 'float32', i), true, `bench_${Math.random().toString(36).slice(2)}_${i}`));
  const grads: tf.NamedTensorMap = {};
  vars.forEach((v, i) => (grads[v.name] = tf.randomNormal(v.shape, 0, 1e-3, 'float32', 10 + i)));
  const loss = tf.scalar(1);
  const opt = make();
  const once = () => {
    const { badGrad } = opt.check(loss, vars, grads);
    if (badGrad >= 0) throw new Error('non-finite gradient in the benchmark');
    opt.apply(vars, grads, spec.weightDecay);
  };
  once();
  once();
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) once();
  const ms = (performance.now() - t0) / iters;
  opt.dispose();
  tf.dispose([loss, ...vars, ...Object.values(grads)]);
  return ms;
}

function withPath<T>(fused: boolean, f: () => T): T {
  const saved = process.env.SCL_LAB_FUSED_OPTIM;
  process.env.SCL_LAB_FUSED_OPTIM = fused ? '1' : '0';
  try {
    return f();
  } finally {
    if (saved === undefined) delete process.env.SCL_LAB_FUSED_OPTIM;
    else process.env.SCL_LAB_FUSED_OPTIM = saved;
  }
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string, d: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : d;
  };
  const threads = Number(arg('--threads', '1'));
  const rounds = Number(arg('--rounds', '5'));
  const info = await initBackend('wasm', { threads });
  console.log(`wasm ${info.wasm?.build}, ${info.threads} thread(s); ${rounds} interleaved rounds, medians`);
  for (const name of ['sgd', 'adam'] as const) {
    const spec = SPECS[name];
    const step = { tfjs: [] as number[], fused: [] as number[] };
    const train = { tfjs: [] as number[], fused: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      step.tfjs.push(stepMs(() => new TfjsStepOptimizer(spec), spec, 20));
      step.fused.push(stepMs(() => new FusedWasmOptimizer(spec), spec, 20));
      for (const fused of [false, true]) {
        const s = withPath(fused, () => stepsPerSecond({ name: 'mlp', hidden: [512, 256] }, [784], 256, 20, name));
        (fused ? train.fused : train.tfjs).push(s);
      }
    }
    const label = name === 'sgd' ? 'sgd (momentum 0.9, wd 5e-4)' : 'adam';
    console.log(`  ${label.padEnd(28)} check + update: tf.train.* ${median(step.tfjs).toFixed(2)} ms, fused ${median(step.fused).toFixed(2)} ms`);
    console.log(`  ${''.padEnd(28)} MLP training:   tf.train.* ${median(train.tfjs).toFixed(1)} steps/s, fused ${median(train.fused).toFixed(1)} steps/s` +
      ` (rounds: ${train.tfjs.map((x) => x.toFixed(1)).join(' ')} | ${train.fused.map((x) => x.toFixed(1)).join(' ')})`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

/**
 * The fused wasm optimiser step (src-main/science/fused-optim.ts) against tf.train.* on the cpu and wasm
 * backends: the same weights and optimiser state bit for bit, the same checkpoint layout, bit-for-bit resume, and
 * a non-finite gradient found before anything is applied.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/compute/backend';
import { allFinite, FusedWasmOptimizer, makeStepOptimizer, TfjsStepOptimizer } from '../../src-main/science/fused-optim';
import { DeepTrainer, type DeepCheckpoint, type DeepData, type DeepOptimizerSpec, type DeepSpec } from '../../src-main/science/deep';
import { makeRng } from '../../src-main/science/rng';
import { fiftySteps, maxRelErr, SHAPES, SPECS } from './fused-optim-helpers';

let seq = 0;
const fresh = () => `t${seq++}`;

describe('allFinite', () => {
  it('finds NaN and +-Infinity at any position, of odd and even lengths', () => {
    for (const n of [1, 2, 7, 8]) {
      expect(allFinite(new Float32Array(n).fill(-3.4e38))).toBe(true);
      for (const bad of [NaN, Infinity, -Infinity]) {
        for (const at of [0, n - 1, n >> 1]) {
          const a = new Float32Array(n).fill(1);
          a[at] = bad;
          expect(allFinite(a)).toBe(false);
        }
      }
    }
    expect(allFinite(new Float32Array(0))).toBe(true);
  });
});

describe.each(SPECS)('fused wasm %s vs tf.train.*', (_, spec) => {
  it('50 steps: every weight and every state tensor equal tfjs on cpu and on wasm, bit for bit (SIMD kernel and JS loops)', async () => {
    await initBackend('cpu');
    const cpu = await fiftySteps(() => new TfjsStepOptimizer(spec), spec, fresh());
    await initBackend('wasm');
    const wasmTfjs = await fiftySteps(() => new TfjsStepOptimizer(spec), spec, fresh());
    expect(new FusedWasmOptimizer(spec).usesSimd()).toBe(true);
    expect(new FusedWasmOptimizer(spec, { simd: false }).usesSimd()).toBe(false);
    const fused = await fiftySteps(() => new FusedWasmOptimizer(spec), spec, fresh());
    const js = await fiftySteps(() => new FusedWasmOptimizer(spec, { simd: false }), spec, fresh());
    // the checkpoint layout: 'iter', then one state tensor per variable (momentum) or all m then all v (adam)
    const suffixes = spec.name === 'adam' ? ['m', 'v'] : spec.momentum > 0 ? ['momentum'] : [];
    expect(fused.state.map((s) => s.name)).toEqual(['iter', ...suffixes.flatMap((x) => SHAPES.map((_s, i) => `_v${i}/${x}`))]);
    expect(fused.state.map((s) => s.shape)).toEqual([[], ...suffixes.flatMap(() => SHAPES)]);
    expect(fused.state[0].data[0]).toBe(50);
    js.weights.forEach((w, i) => expect(w).toEqual(fused.weights[i]));
    for (const ref of [cpu, wasmTfjs]) {
      expect(fused.state.map((s) => s.name)).toEqual(ref.state.map((s) => s.name));
      fused.weights.forEach((w, i) => expect(w).toEqual(ref.weights[i]));
      fused.state.forEach((s, i) => expect(Array.from(s.data)).toEqual(Array.from(ref.state[i].data)));
    }
    // and the weights moved (a step that does nothing would also "match" nothing)
    fused.weights.forEach((w, i) => expect(maxRelErr([w], [fused.initial[i]])).toBeGreaterThan(1e-3));
  });
});

describe('the SIMD kernel', () => {
  it('the embedded bytes are the compiled wasm/fused-optim.wat, plain and shared-memory (scripts/build-wasm.js is not stale)', async () => {
    const root = join(__dirname, '..', '..');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the build script is CommonJS (scripts/ is plain node)
    const build = require(join(root, 'scripts', 'build-wasm.js')) as { generate(f: string): Promise<string> };
    const dir = join(root, 'src-main', 'science', 'wasm');
    const text = await build.generate(join(dir, 'fused-optim.wat'));
    expect(text).toMatch(/WASM_SHARED_BASE64/);
    expect(readFileSync(join(dir, 'fused-optim-wasm.ts'), 'utf8')).toBe(text);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The deep trainer on a real (small) MLP

const K = 4;
function data(n: number, size: number): DeepData {
  const rng = makeRng(11, 'fused-optim-data');
  const labels = Int32Array.from({ length: n }, (_, i) => i % K);
  const x = new Float32Array(n * size);
  for (let i = 0; i < n; i++) for (let j = 0; j < size; j++) x[i * size + j] = (j % K === labels[i] ? 1 : 0) + 0.5 * rng.normal();
  const counts = Array.from({ length: K }, (_, c) => labels.filter((y) => y === c).length);
  return { train: { x, labels, n }, test: null, sampleShape: [size], k: K, counts };
}

function deepSpec(optimizer: DeepOptimizerSpec, epochs: number): DeepSpec {
  return {
    model: { name: 'mlp', hidden: [48, 32] }, dim: 16, relu: true, loss: 'scl', tau: 0.1, lossForm: 'supcon-mean', views: 1,
    batching: { strategy: 'fixed', batchSize: 32, binding: false }, optimizer,
    schedule: { name: 'multistep', milestones: [1], gamma: 0.1 }, epochs, evalEvery: 1, seed: 2,
  };
}

const weightsOf = (t: DeepTrainer) => t.model.weights.map((w) => w.read().dataSync().slice() as Float32Array);

/** Trains `epochs` epochs of 25 steps each with the optimiser path asked for; returns the weights and a checkpoint. */
async function train(optimizer: DeepOptimizerSpec, epochs: number, fused: boolean, from?: DeepCheckpoint) {
  const saved = process.env.SCL_LAB_FUSED_OPTIM;
  process.env.SCL_LAB_FUSED_OPTIM = fused ? '1' : '0';
  const t = new DeepTrainer(deepSpec(optimizer, epochs), data(800, 24));
  if (saved === undefined) delete process.env.SCL_LAB_FUSED_OPTIM;
  else process.env.SCL_LAB_FUSED_OPTIM = saved;
  expect(t.opt.kind).toBe(fused ? 'fused-wasm' : 'tfjs');
  if (from) await t.restore(from);
  const before = tf.memory().numTensors;
  while (t.epoch < epochs) t.trainEpoch();
  // no tensor is left behind by a step; the optimiser state (6 variables) is created on the first step
  const created = from ? 0 : optimizer.name === 'adam' ? 12 : optimizer.momentum > 0 ? 6 : 0;
  expect(tf.memory().numTensors - before).toBe(created);
  const out = { weights: weightsOf(t), checkpoint: await t.checkpoint() };
  t.dispose();
  return out;
}

describe.each(SPECS.filter(([name]) => !name.startsWith('sgd +')))('DeepTrainer, MLP, %s: fused wasm step', (_, spec) => {
  it('50 steps equal tf.train.* on wasm bit for bit, and tf.train.* on cpu within 1e-4 relative', async () => {
    await initBackend('cpu');
    const cpu = await train(spec, 2, false);
    await initBackend('wasm');
    const tfjs = await train(spec, 2, false);
    const fused = await train(spec, 2, true);
    fused.weights.forEach((w, i) => expect(w).toEqual(tfjs.weights[i]));
    // wasm and cpu differ in the matMul summation order only (the optimisers agree bit for bit, above)
    expect(maxRelErr(fused.weights, cpu.weights)).toBeLessThan(1e-4);
    // the same layout (layer names carry a per-process counter: compare them without it)
    const layout = (c: DeepCheckpoint) => c.optimizer.map((o) => [o.name.replace(/\d+/g, '#'), o.shape]);
    expect(layout(fused.checkpoint)).toEqual(layout(tfjs.checkpoint));
    expect(layout(fused.checkpoint).length).toBe(spec.name === 'adam' ? 13 : spec.momentum > 0 ? 7 : 1);
    expect(fused.checkpoint.optimizer[0].data[0]).toBe(50);
  });

  it('a fused checkpoint resumes bit for bit; a tf.train.* checkpoint resumes on the fused step', async () => {
    await initBackend('wasm');
    const whole = await train(spec, 2, true);
    const half = await train(spec, 1, true);
    const resumed = await train(spec, 2, true, half.checkpoint);
    resumed.weights.forEach((w, i) => expect(w).toEqual(whole.weights[i]));
    resumed.checkpoint.optimizer.forEach((o, i) => expect(o.data).toEqual(whole.checkpoint.optimizer[i].data));

    const oldHalf = await train(spec, 1, false);
    // the old checkpoint on the fused step, and on tf.train.* (the path of the other backends)
    for (const fused of [true, false]) {
      const oldResumed = await train(spec, 2, fused, oldHalf.checkpoint);
      // the fused step recomputes Adam's running products from 'iter': bit for bit. tf.train.adam restores accBeta
      // as pow(beta, t + 1) in float32, which may differ from the running product by an ulp
      if (spec.name === 'adam' && !fused) expect(maxRelErr(oldResumed.weights, whole.weights)).toBeLessThan(1e-5);
      else oldResumed.weights.forEach((w, i) => expect(w).toEqual(whole.weights[i]));
    }
  });
});

describe('the fused step on a non-finite gradient', () => {
  it('reports the first bad variable and applies nothing', async () => {
    await initBackend('wasm');
    const spec = SPECS[4][1];
    const vars = SHAPES.map((s, i) => tf.variable(tf.fill(s, 0.5), true, `nf${i}_${fresh()}`));
    const opt = makeStepOptimizer(spec);
    expect(opt.kind).toBe('fused-wasm');
    const grads: tf.NamedTensorMap = {};
    vars.forEach((v, i) => {
      const g = new Float32Array(v.size).fill(0.1);
      if (i === 2) g[g.length - 1] = -Infinity;
      if (i === 3) g[0] = NaN;
      grads[v.name] = tf.tensor(g, v.shape);
    });
    const loss = tf.scalar(1.25);
    expect(opt.check(loss, vars, grads)).toEqual({ loss: 1.25, badGrad: 2 });
    // what the trainer does next is to throw; nothing was applied, no state exists yet
    expect(vars.every((v) => Array.from(v.dataSync()).every((x) => x === 0.5))).toBe(true);
    expect((await opt.getWeights()).map((w) => w.name)).toEqual(['iter']);
    tf.dispose([loss, ...Object.values(grads), ...vars]);
    opt.dispose();
  });

  it('the cpu backend keeps tf.train.*', async () => {
    await initBackend('cpu');
    expect(makeStepOptimizer(SPECS[0][1]).kind).toBe('tfjs');
    expect(() => makeStepOptimizer(SPECS[0][1], { fused: true })).toThrow(/fused optimiser needs the wasm backend, not 'cpu'/);
  });
});

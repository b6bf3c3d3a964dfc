/**
 * Micro-benchmark of the fast wasm kernels (src-main/compute/wasm-kernels/): stock tfjs-backend-wasm versus the
 * registered kernels. A plain script that prints timings (not a test).
 *
 * Run: npm run build && node dist/bench/kernels.js [--quick] [--cnn]   (npm run bench runs it too; --cnn: only the
 * small-CNN section)
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerFastWasmKernels, restoreStockWasmKernels } from '../src-main/compute/wasm-kernels';

const QUICK = process.argv.includes('--quick');
const ONLY_CNN = process.argv.includes('--cnn');

/** Mean ms per call of f (which must return tensors, read back to be sure the work is done), after a warm-up. */
function timeMs(f: () => tf.Tensor | tf.Tensor[], opts: { minRuns?: number; budgetMs?: number } = {}): number {
  const minRuns = opts.minRuns ?? 3;
  const budget = (opts.budgetMs ?? 1500) * (QUICK ? 0.3 : 1);
  const once = () =>
    tf.tidy(() => {
      const out = f();
      for (const t of Array.isArray(out) ? out : [out]) t.dataSync();
    });
  once();
  once(); // second warm-up: JIT of the JS loops, XNNPACK operator caches
  let runs = 0;
  const t0 = performance.now();
  while (runs < minRuns || performance.now() - t0 < budget) {
    once();
    runs++;
    if (runs >= 200) break;
  }
  return (performance.now() - t0) / runs;
}

function fmt(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}

function row(label: string, stock: number | null, fast: number, unit = 'ms'): void {
  const s = stock == null ? 'n/a (missing)' : `${fmt(stock)} ${unit}`;
  const speed = stock == null ? '' : unit === 'ms' ? `  x${(stock / fast).toFixed(1)}` : `  x${(fast / stock).toFixed(1)}`;
  console.log(`${label.padEnd(58)} stock ${s.padStart(14)}   fast ${`${fmt(fast)} ${unit}`.padStart(11)}${speed}`);
}

/** Times `f` with stock kernels and with the registered ones. */
function compare(label: string, f: () => tf.Tensor | tf.Tensor[], opts: { stockMissing?: boolean; budgetMs?: number } = {}) {
  let stock: number | null = null;
  if (!opts.stockMissing) {
    restoreStockWasmKernels(tf);
    stock = timeMs(f, { budgetMs: opts.budgetMs, minRuns: 2 });
  }
  registerFastWasmKernels(tf);
  const fast = timeMs(f, { budgetMs: opts.budgetMs });
  row(label, stock, fast);
}

function conv2dBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: number[], s: number, pad: 'same' | 'valid') {
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
    strides: [s, s],
    pad,
    dataFormat: 'NHWC',
    dimRoundingMode: undefined,
    filterShape,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

function conv2dBackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: number[], s: number, pad: 'same' | 'valid') {
  return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
    strides: [s, s],
    pad,
    dataFormat: 'NHWC',
    dimRoundingMode: undefined,
    inputShape,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** Steps per second of SGD on an MLP with the given layer sizes (softmax cross-entropy on the last layer). */
function mlpStepsPerSec(dims: number[], batch: number, budgetMs: number): number {
  const vars: tf.Variable[] = [];
  for (let i = 0; i + 1 < dims.length; i++) {
    vars.push(tf.variable(tf.randomNormal([dims[i], dims[i + 1]], 0, Math.sqrt(2 / dims[i]))));
    vars.push(tf.variable(tf.zeros([dims[i + 1]])));
  }
  const x = tf.randomNormal([batch, dims[0]]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, dims[dims.length - 1], 'int32') as tf.Tensor1D, dims[dims.length - 1]);
  const opt = tf.train.sgd(0.01);
  const step = () =>
    opt.minimize(
      () => {
        let h: tf.Tensor = x;
        for (let i = 0; i < vars.length; i += 2) {
          h = tf.add(tf.matMul(h, vars[i]), vars[i + 1]);
          if (i + 2 < vars.length) h = tf.relu(h);
        }
        return tf.losses.softmaxCrossEntropy(y, h) as tf.Scalar;
      },
      true,
      vars,
    )!;
  const ms = timeMs(step, { budgetMs, minRuns: 3 });
  tf.dispose([...vars, x, y]);
  opt.dispose();
  return 1000 / ms;
}

/** A ResNet-18 (CIFAR variant) training step; returns ms per SGD step. */
function resnet18StepMs(batch: number, width: number, budgetMs: number): number {
  const vars: tf.Variable[] = [];
  const v = (t: tf.Tensor) => {
    const r = tf.variable(t);
    vars.push(r);
    return r;
  };
  type ConvBn = { f: tf.Variable; g: tf.Variable; b: tf.Variable; s: number; pad: 'same' | 'valid' };
  const convBn = (k: number, ci: number, co: number, s: number, pad: 'same' | 'valid'): ConvBn => ({
    f: v(tf.randomNormal([k, k, ci, co], 0, Math.sqrt(2 / (k * k * ci)))),
    g: v(tf.ones([co])),
    b: v(tf.zeros([co])),
    s,
    pad,
  });
  const stem = convBn(3, 3, width, 1, 'same');
  const blocks: Array<{ c1: ConvBn; c2: ConvBn; sc?: ConvBn }> = [];
  let cin = width;
  [1, 2, 4, 8].forEach((m, stage) => {
    const co = width * m;
    for (let b = 0; b < 2; b++) {
      const s = stage > 0 && b === 0 ? 2 : 1;
      blocks.push({
        c1: convBn(3, cin, co, s, 'same'),
        c2: convBn(3, co, co, 1, 'same'),
        sc: s !== 1 || cin !== co ? convBn(1, cin, co, s, 'valid') : undefined,
      });
      cin = co;
    }
  });
  const head = v(tf.randomNormal([cin, 10], 0, 0.1));
  const x = tf.randomNormal([batch, 32, 32, 3]);
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32') as tf.Tensor1D, 10);
  const apply = (h: tf.Tensor4D, c: ConvBn) => {
    const z = tf.conv2d(h, c.f as tf.Tensor4D, c.s, c.pad);
    const { mean, variance } = tf.moments(z, [0, 1, 2]);
    return tf.batchNorm(z, mean, variance, c.b, c.g, 1e-5);
  };
  const opt = tf.train.sgd(0.01);
  const step = () =>
    opt.minimize(
      () => {
        let h = tf.relu(apply(x as tf.Tensor4D, stem)) as tf.Tensor4D;
        for (const blk of blocks) {
          const o = apply(tf.relu(apply(h, blk.c1)) as tf.Tensor4D, blk.c2);
          h = tf.relu(tf.add(o, blk.sc ? apply(h, blk.sc) : h)) as tf.Tensor4D;
        }
        return tf.losses.softmaxCrossEntropy(y, tf.matMul(tf.mean(h, [1, 2]), head)) as tf.Scalar;
      },
      true,
      vars,
    )!;
  const ms = timeMs(step, { budgetMs, minRuns: 2 });
  tf.dispose([...vars, x, y]);
  opt.dispose();
  return ms;
}

function maxPoolGrad(dy: tf.Tensor4D, input: tf.Tensor4D, output: tf.Tensor4D, f: number, s: number, pad: 'same' | 'valid') {
  return tf.engine().runKernel('MaxPoolGrad', { dy, input, output }, {
    filterSize: [f, f],
    strides: [s, s],
    pad,
    dimRoundingMode: undefined,
  } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

function avgPoolGrad(dy: tf.Tensor4D, input: tf.Tensor4D, f: number, s: number, pad: 'same' | 'valid') {
  return tf.engine().runKernel('AvgPoolGrad', { dy, input }, { filterSize: [f, f], strides: [s, s], pad } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** The small CNN's kernels (src-main/science/models.ts 'cnn', B = 128 on 32x32x3), ms per op. */
function cnnSection(): void {
  const B = QUICK ? 32 : 128;
  console.log(`-- small CNN (conv3x3(32) relu maxpool2 conv3x3(64) relu maxpool2 dense), batch ${B}; ms per op --`);
  const x1 = tf.randomNormal([B, 32, 32, 3]) as tf.Tensor4D;
  const dy1 = tf.randomNormal([B, 32, 32, 32]) as tf.Tensor4D;
  const x2 = tf.randomNormal([B, 16, 16, 32]) as tf.Tensor4D;
  const dy2 = tf.randomNormal([B, 16, 16, 64]) as tf.Tensor4D;
  const w2 = tf.randomNormal([3, 3, 32, 64]) as tf.Tensor4D;
  const p1 = tf.maxPool(dy1, 2, 2, 'valid');
  const p2 = tf.maxPool(dy2, 2, 2, 'valid');
  compare('MaxPoolGrad 2x2 s2 [B,32,32,32]', () => maxPoolGrad(p1, dy1, p1, 2, 2, 'valid'));
  compare('MaxPoolGrad 2x2 s2 [B,16,16,64]', () => maxPoolGrad(p2, dy2, p2, 2, 2, 'valid'));
  compare('MaxPoolGrad 3x3 s2 same [B,32,32,32] (overlapping)', () =>
    maxPoolGrad(tf.maxPool(dy1, 3, 2, 'same'), dy1, p1, 3, 2, 'same'),
  );
  compare('AvgPoolGrad 2x2 s2 [B,32,32,32]', () => avgPoolGrad(p1, dy1, 2, 2, 'valid'));
  compare('Conv2DBackpropFilter 3x3 s1 3->32 (conv 1)', () => conv2dBackpropFilter(x1, dy1, [3, 3, 3, 32], 1, 'same'), {
    stockMissing: true,
  });
  compare('Conv2DBackpropFilter 3x3 s1 32->64 (conv 2)', () => conv2dBackpropFilter(x2, dy2, [3, 3, 32, 64], 1, 'same'), {
    stockMissing: true,
  });
  compare('Conv2DBackpropInput 3x3 s1 32->64 (conv 2)', () => conv2dBackpropInput(dy2, w2, x2.shape, 1, 'same'));
  compare('Conv2D fwd 3x3 s1 32->64 (conv 2, reference)', () => tf.conv2d(x2, w2, 1, 'same'));
  tf.dispose([x1, dy1, x2, dy2, w2, p1, p2]);
}

async function main(): Promise<void> {
  registerFastWasmKernels(tf);
  await tf.setBackend('wasm');
  await tf.ready();
  const simd = String(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = String(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  console.log(`tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}, SIMD ${simd}, threads ${threads}${QUICK ? ' (quick)' : ''}`);
  console.log('');
  cnnSection();
  if (ONLY_CNN) return;
  console.log('');
  console.log('-- matMul (ms per op) --');
  {
    const a = tf.randomNormal([1000, 64]);
    const b = tf.randomNormal([1000, 64]);
    const bT = tf.transpose(b);
    const aT = tf.transpose(a);
    compare('1000x64 . (1000x64)^T  [transposeB]', () => tf.matMul(a, b, false, true));
    compare('(1000x64)^T . 1000x64  [transposeA]', () => tf.matMul(a, b, true, false));
    compare('1000x64 . 64x1000  [no flags, reference]', () => tf.matMul(a, bT));
    compare('(64x1000)^T . (1000x64)^T  [both]', () => tf.matMul(aT, b, true, true));
    const ba = tf.randomNormal([8, 200, 64]);
    const bb = tf.randomNormal([8, 200, 64]);
    compare('batched 8 x (200x64 . (200x64)^T)', () => tf.matMul(ba, bb, false, true));
    const x = tf.randomNormal([256, 512]);
    const w = tf.randomNormal([256, 512]);
    const bias = tf.zeros([256]);
    const dy = tf.randomNormal([256, 256]);
    compare('fused dense grad shape: (256x512)^T . 256x256', () => tf.matMul(x, dy, true, false));
    compare('_FusedMatMul 256x512 . (256x512)^T + bias, relu', () =>
      tf.fused.matMul({ a: x, b: w, transposeB: true, bias, activation: 'relu' }),
    );
    tf.dispose([a, b, bT, aT, ba, bb, x, w, bias, dy]);
  }

  console.log('');
  console.log('-- MLP 784-512-256-128, batch 256, SGD (steps/s; higher is better) --');
  {
    restoreStockWasmKernels(tf);
    const stock = mlpStepsPerSec([784, 512, 256, 128], 256, 3000);
    registerFastWasmKernels(tf);
    const fast = mlpStepsPerSec([784, 512, 256, 128], 256, 3000);
    row('training steps/s', stock, fast, 'st/s');
  }

  console.log('');
  const B = QUICK ? 8 : 32;
  console.log(`-- conv (ResNet-18 CIFAR shapes, batch ${B}; ms per op) --`);
  {
    const x = tf.randomNormal([B, 32, 32, 64]) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 64, 64]) as tf.Tensor4D;
    const dy = tf.randomNormal([B, 32, 32, 64]) as tf.Tensor4D;
    const w2 = tf.randomNormal([3, 3, 64, 128]) as tf.Tensor4D;
    const dy2 = tf.randomNormal([B, 16, 16, 128]) as tf.Tensor4D;
    const w1 = tf.randomNormal([1, 1, 64, 128]) as tf.Tensor4D;
    const xs = tf.randomNormal([B, 32, 32, 3]) as tf.Tensor4D;
    const ws = tf.randomNormal([3, 3, 3, 64]) as tf.Tensor4D;
    compare('Conv2D fwd 32x32x64 -> 64, 3x3 s1 (reference)', () => tf.conv2d(x, w, 1, 'same'));
    compare('Conv2DBackpropInput 3x3 s1 64->64', () => conv2dBackpropInput(dy, w, x.shape, 1, 'same'));
    compare('Conv2DBackpropFilter 3x3 s1 64->64', () => conv2dBackpropFilter(x, dy, w.shape, 1, 'same'), { stockMissing: true });
    compare('Conv2D fwd 32x32x64 -> 128, 3x3 s2 (reference)', () => tf.conv2d(x, w2, 2, 'same'));
    compare('Conv2DBackpropInput 3x3 s2 64->128', () => conv2dBackpropInput(dy2, w2, x.shape, 2, 'same'));
    compare('Conv2DBackpropFilter 3x3 s2 64->128', () => conv2dBackpropFilter(x, dy2, w2.shape, 2, 'same'), { stockMissing: true });
    compare('Conv2DBackpropInput 1x1 s2 64->128', () => conv2dBackpropInput(dy2, w1, x.shape, 2, 'valid'));
    compare('Conv2DBackpropFilter 1x1 s2 64->128', () => conv2dBackpropFilter(x, dy2, w1.shape, 2, 'valid'), { stockMissing: true });
    compare('Conv2DBackpropFilter stem 3x3 s1 3->64', () => conv2dBackpropFilter(xs, dy, ws.shape, 1, 'same'), { stockMissing: true });
    compare('conv 3x3 s1 64->64 full step (fwd + both grads)', () =>
      tf.grads((a: tf.Tensor, f: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, f as tf.Tensor4D, 1, 'same').mul(dy).sum())([x, w]),
      { stockMissing: true },
    );
    tf.dispose([x, w, dy, w2, dy2, w1, xs, ws]);
  }

  console.log('');
  console.log(`-- batch-norm helpers ([${B},32,32,64]; ms per op) --`);
  {
    const x = tf.randomNormal([B, 32, 32, 64]);
    const g = tf.randomNormal([1, 1, 1, 64]);
    compare('Tile [1,1,1,64] -> full (batch-norm gradient)', () => tf.tile(g, [B, 32, 32, 1]));
    compare('Sum over [0,1,2]', () => tf.sum(x, [0, 1, 2]));
    compare('Mean over [0,1,2]', () => tf.mean(x, [0, 1, 2]));
    compare('moments + batchNorm gradient (variableGrads)', () => {
      const gamma = tf.ones([64]);
      const beta = tf.zeros([64]);
      return tf.grads((xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
        const { mean, variance } = tf.moments(xx, [0, 1, 2]);
        return tf.batchNorm(xx, mean, variance, bb, gg, 1e-5).square().sum();
      })([x, gamma, beta]);
    });
    tf.dispose([x, g]);
  }

  console.log('');
  console.log('-- ResNet-18 (CIFAR, 32x32) SGD step (stock wasm cannot train convs at all) --');
  {
    const cfgs: Array<[number, number]> = QUICK ? [[8, 16]] : [[8, 16], [32, 64]];
    for (const [batch, width] of cfgs) {
      registerFastWasmKernels(tf);
      const ms = resnet18StepMs(batch, width, 4000);
      restoreStockWasmKernels(tf, ['Tile', 'Sum', 'Mean']);
      const msConvOnly = resnet18StepMs(batch, width, 4000);
      registerFastWasmKernels(tf);
      console.log(
        `batch ${batch}, width ${width}: ${fmt(ms)} ms/step (${(1000 / ms).toFixed(2)} steps/s); ` +
          `with stock Tile/Sum/Mean: ${fmt(msConvOnly)} ms/step`,
      );
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

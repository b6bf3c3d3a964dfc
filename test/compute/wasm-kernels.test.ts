import { describe, it, expect, beforeAll } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  FAST_WASM_KERNEL_NAMES,
  isFastWasmKernel,
  registerFastWasmKernels,
  restoreStockWasmKernels,
} from '../../src-main/compute/wasm-kernels';

// Every check runs the same computation on the cpu backend (reference) and on wasm with the fast kernels, from
// the same input arrays, and compares: max|wasm - cpu| <= 1e-4 * max|cpu|.
const REL_TOL = 1e-4;

type Input = { shape: number[]; data: Float32Array | Int32Array; dtype?: 'float32' | 'int32' };
type Outs = tf.Tensor | tf.Tensor[] | tf.NamedTensorMap;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let seedCounter = 1;
function rand(shape: number[], scale = 1): Input {
  const r = rng(seedCounter++ * 7919);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = (r() * 2 - 1) * scale;
  return { shape, data };
}

/** Batch-norm scale near 1. */
function gamma(c: number): Input {
  return { shape: [c], data: Float32Array.from(rand([c], 0.2).data, (v) => 1 + v) };
}

function ints(shape: number[], values: number[]): Input {
  return { shape, data: Int32Array.from(values), dtype: 'int32' };
}

function flatten(o: Outs): tf.Tensor[] {
  if (o instanceof tf.Tensor) return [o];
  if (Array.isArray(o)) return o;
  return Object.keys(o)
    .sort()
    .map((k) => o[k]);
}

async function runOn(backend: 'cpu' | 'wasm', inputs: Input[], f: (...t: tf.Tensor[]) => Outs) {
  await tf.setBackend(backend);
  const ts = inputs.map((i) => tf.tensor(i.data, i.shape, i.dtype ?? 'float32'));
  try {
    const outs = tf.tidy(() => flatten(f(...ts)));
    const res = outs.map((o) => ({ shape: o.shape, data: Float32Array.from(o.dataSync() as Float32Array) }));
    tf.dispose(outs);
    return res;
  } finally {
    tf.dispose(ts);
  }
}

function relErr(got: Float32Array, want: Float32Array): number {
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= maxDiff)) maxDiff = d; // NaN-propagating
    maxRef = Math.max(maxRef, Math.abs(want[i]));
  }
  return maxDiff / Math.max(maxRef, 1e-12);
}

/** Runs f on cpu (or `ref` on cpu, when given) and f on wasm, and asserts agreement; returns the cpu result. */
async function expectSame(inputs: Input[], f: (...t: tf.Tensor[]) => Outs, ref?: (...t: tf.Tensor[]) => Outs) {
  const want = await runOn('cpu', inputs, ref ?? f);
  const got = await runOn('wasm', inputs, f);
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    expect(got[i].shape).toEqual(want[i].shape);
    const err = relErr(got[i].data, want[i].data);
    expect(err, `output ${i} rel err ${err}`).toBeLessThanOrEqual(REL_TOL);
    // Guard against vacuous comparisons (all-zero references).
    expect(want[i].data.some((v) => v !== 0), `output ${i} is all zeros`).toBe(true);
  }
  return want;
}

/**
 * The number of live wasm buffers must not grow across calls whose tensors are all disposed (f runs in a tidy,
 * so what this catches is kernel intermediates that were never freed).
 */
async function expectNoWasmLeak(f: () => void) {
  await tf.setBackend('wasm');
  const backend = tf.backend() as unknown as { numDataIds(): number };
  tf.tidy(f); // warm-up
  const before = backend.numDataIds();
  const tensorsBefore = tf.memory().numTensors;
  tf.tidy(f);
  expect(backend.numDataIds()).toBe(before);
  expect(tf.memory().numTensors).toBe(tensorsBefore);
}

beforeAll(async () => {
  registerFastWasmKernels(tf);
  registerFastWasmKernels(tf); // idempotent
  expect(await tf.setBackend('wasm')).toBe(true);
  await tf.ready();
});

describe('registration', () => {
  it('registers every fast kernel on wasm, idempotently, and can restore stock', async () => {
    for (const name of FAST_WASM_KERNEL_NAMES) expect(isFastWasmKernel(tf, name), name).toBe(true);
    const stockFilter = tf.getKernel('Conv2DBackpropFilter', 'wasm');
    restoreStockWasmKernels(tf);
    for (const name of FAST_WASM_KERNEL_NAMES) expect(isFastWasmKernel(tf, name), name).toBe(false);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(stockFilter).toBeDefined();
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBeDefined();
    registerFastWasmKernels(tf);
    for (const name of FAST_WASM_KERNEL_NAMES) expect(isFastWasmKernel(tf, name), name).toBe(true);
    // the stock setup functions are kept, so re-activating the backend still works
    await tf.setBackend('cpu');
    await tf.setBackend('wasm');
    const y = tf.matMul(tf.ones([2, 3]), tf.ones([2, 3]), false, true);
    expect(Array.from(y.dataSync())).toEqual([3, 3, 3, 3]);
  });
});

describe('BatchMatMul', () => {
  const cases: Array<[string, number[], number[], boolean, boolean]> = [
    ['plain', [13, 7], [7, 11], false, false],
    ['transposeB', [13, 7], [11, 7], false, true],
    ['transposeA', [7, 13], [7, 11], true, false],
    ['both', [7, 13], [11, 7], true, true],
    ['larger transposeB (SCL similarity)', [300, 64], [300, 64], false, true],
    ['larger transposeA (weight gradient)', [96, 50], [96, 33], true, false],
    ['batched small (stock path)', [3, 13, 7], [3, 11, 7], false, true],
    ['batched both flags', [3, 40, 48], [3, 50, 40], true, true],
    ['batched per-entry loop', [4, 48, 40], [4, 40, 50], false, false],
    ['batched transposeA', [2, 3, 40, 48], [2, 3, 40, 50], true, false],
    ['b unbatched (folded)', [2, 3, 48, 40], [40, 50], false, false],
    ['b unbatched transposeA', [5, 40, 48], [50, 40], true, true],
    ['a unbatched, b batched', [48, 40], [4, 40, 50], false, false],
    ['odd sizes vector', [1, 17], [9, 17], false, true],
  ];
  for (const [name, as, bs, ta, tb] of cases) {
    it(name, async () => {
      await expectSame([rand(as), rand(bs)], (a, b) => tf.matMul(a, b, ta, tb));
    });
  }

  it('batch dims broadcast both ways ([1,3] x [2,1])', async () => {
    // The cpu kernel indexes broadcast batches modulo the batch size (wrong for this pattern), so the reference
    // is the cpu product of explicitly broadcast operands.
    await expectSame(
      [rand([1, 3, 48, 40]), rand([2, 1, 50, 40])],
      (a, b) => tf.matMul(a, b, false, true),
      (a, b) => tf.matMul(tf.broadcastTo(a, [2, 3, 48, 40]), tf.broadcastTo(b, [2, 3, 50, 40]), false, true),
    );
  });

  it('gradients of matMul with every flag combination', async () => {
    for (const [ta, tb] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ] as const) {
      const as = ta ? [9, 12] : [12, 9];
      const bs = tb ? [10, 9] : [9, 10];
      await expectSame([rand(as), rand(bs), rand([12, 10])], (a, b, w) =>
        tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, ta, tb).mul(w).sum())([a, b]),
      );
    }
  });

  it('does not leak wasm buffers', async () => {
    const a = tf.tensor(rand([4, 48, 40]).data, [4, 48, 40]);
    const b = tf.tensor(rand([4, 50, 40]).data, [4, 50, 40]);
    const c = tf.tensor(rand([4, 48, 50]).data, [4, 48, 50]);
    const d = tf.tensor(rand([40, 8]).data, [40, 8]);
    await expectNoWasmLeak(() => {
      tf.matMul(a, b, false, true).dispose();
      tf.matMul(a, c, true, false).dispose();
      tf.matMul(a, d, false, false).dispose();
      tf.matMul(d, a, true, true).dispose();
      tf.fused.matMul({ a, b: d, bias: tf.ones([8]), activation: 'relu' }).dispose();
    });
    tf.dispose([a, b, c, d]);
  });
});

describe('_FusedMatMul', () => {
  const cases: Array<[string, number[], number[], boolean, boolean]> = [
    ['plain', [13, 7], [7, 11], false, false],
    ['transposeB', [13, 7], [11, 7], false, true],
    ['transposeA', [7, 13], [7, 11], true, false],
    ['both', [7, 13], [11, 7], true, true],
    ['batched a, shared b (folded)', [3, 13, 7], [7, 11], false, false],
    ['batched a, shared b, transposeB', [3, 13, 7], [11, 7], false, true],
  ];
  for (const [name, as, bs, ta, tb] of cases) {
    it(`${name} with bias + relu`, async () => {
      const n = bs[bs.length - (tb ? 2 : 1)];
      await expectSame([rand(as), rand(bs), rand([n])], (a, b, bias) =>
        tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias, activation: 'relu' }),
      );
    });
  }

  it('prelu activation with transposes', async () => {
    await expectSame([rand([7, 13]), rand([11, 7]), rand([11]), rand([11], 0.3)], (a, b, bias, alpha) =>
      tf.fused.matMul({ a, b, transposeA: true, transposeB: true, bias, activation: 'prelu', preluActivationWeights: alpha }),
    );
  });

  it('gradients through a fused (linear) dense layer with bias', async () => {
    await expectSame([rand([16, 9]), rand([9, 6]), rand([6]), rand([16, 6])], (x, w, b, t) =>
      tf.grads((ww: tf.Tensor, bb: tf.Tensor) =>
        tf.fused.matMul({ a: x, b: ww, bias: bb, activation: 'linear' }).sub(t).square().sum(),
      )([w, b]),
    );
  });
});

type PadSpec = 'same' | 'valid' | tf.backend_util.ExplicitPadding;
interface ConvCase {
  x: [number, number, number, number];
  k: number;
  co: number;
  s: number;
  pad: PadSpec;
}

function convCases(): ConvCase[] {
  const out: ConvCase[] = [];
  for (const [h, w] of [
    [8, 8],
    [9, 9],
    [7, 10],
  ]) {
    for (const k of [1, 3]) {
      for (const s of [1, 2]) {
        for (const pad of ['same', 'valid'] as const) out.push({ x: [2, h, w, 3], k, co: 5, s, pad });
      }
    }
  }
  // ResNet-18 CIFAR-like shapes (small batch) and a few odd ones.
  out.push({ x: [2, 16, 16, 8], k: 3, co: 16, s: 2, pad: 'same' });
  // Filter gradient paths by input channels: <= 16 all taps in one GEMM, 17..32 all taps per chunk of ~2048 rows
  // (here 3 chunks of 2, 2 and 1 images: accumulation across chunks), > 32 one GEMM per tap.
  out.push({ x: [5, 32, 32, 20], k: 3, co: 6, s: 1, pad: 'same' });
  out.push({ x: [3, 33, 31, 32], k: 3, co: 5, s: 2, pad: 'valid' });
  out.push({ x: [2, 9, 9, 40], k: 3, co: 7, s: 1, pad: 'same' });
  out.push({ x: [2, 16, 16, 8], k: 1, co: 16, s: 2, pad: 'valid' });
  out.push({ x: [1, 11, 13, 4], k: 5, co: 3, s: 2, pad: 'same' });
  out.push({ x: [3, 12, 12, 2], k: 7, co: 4, s: 2, pad: 'same' });
  out.push({ x: [2, 5, 5, 3], k: 5, co: 2, s: 1, pad: 'valid' });
  out.push({ x: [2, 9, 8, 3], k: 3, co: 4, s: 3, pad: 'valid' });
  out.push({
    x: [2, 9, 8, 3],
    k: 3,
    co: 4,
    s: 2,
    pad: [
      [0, 0],
      [1, 2],
      [2, 0],
      [0, 0],
    ],
  });
  out.push({
    x: [2, 8, 8, 3],
    k: 1,
    co: 4,
    s: 1,
    pad: [
      [0, 0],
      [0, 1],
      [0, 1],
      [0, 0],
    ],
  });
  // Phases without taps (filter smaller than the stride), pads larger than the filter, 1x1 with a top pad.
  out.push({ x: [2, 10, 9, 3], k: 2, co: 4, s: 3, pad: 'same' });
  out.push({ x: [2, 10, 9, 3], k: 2, co: 4, s: 3, pad: 'valid' });
  out.push({
    x: [2, 6, 7, 3],
    k: 3,
    co: 4,
    s: 1,
    pad: [
      [0, 0],
      [3, 1],
      [0, 4],
      [0, 0],
    ],
  });
  out.push({
    x: [2, 7, 7, 3],
    k: 1,
    co: 4,
    s: 2,
    pad: [
      [0, 0],
      [1, 0],
      [1, 2],
      [0, 0],
    ],
  });
  // More than 16 input channels: the transposed-convolution filter gradient and block-copy interleaving.
  out.push({ x: [2, 16, 16, 24], k: 3, co: 20, s: 2, pad: 'same' });
  out.push({ x: [2, 9, 9, 20], k: 3, co: 6, s: 1, pad: 'valid' });
  out.push({ x: [2, 9, 7, 20], k: 3, co: 6, s: 1, pad: 'same' });
  out.push({ x: [3, 9, 7, 20], k: 3, co: 6, s: 2, pad: 'same' });
  out.push({ x: [2, 10, 9, 17], k: 3, co: 5, s: 2, pad: 'valid' });
  out.push({ x: [2, 10, 9, 17], k: 2, co: 5, s: 3, pad: 'same' });
  out.push({ x: [2, 8, 8, 18], k: 5, co: 4, s: 1, pad: 'same' });
  // Large images with > 16 channels: the filter gradient contracts over chunks of images (3 x 1, 2+2+1).
  out.push({ x: [3, 32, 32, 17], k: 3, co: 5, s: 1, pad: 'same' });
  out.push({ x: [5, 45, 45, 20], k: 3, co: 4, s: 2, pad: 'same' });
  out.push({
    x: [2, 9, 8, 20],
    k: 3,
    co: 4,
    s: 2,
    pad: [
      [0, 0],
      [2, 1],
      [0, 2],
      [0, 0],
    ],
  });
  return out;
}

function describeCase(c: ConvCase): string {
  const pad = typeof c.pad === 'string' ? c.pad : JSON.stringify(c.pad);
  return `x=${c.x.join('x')} k=${c.k} s=${c.s} pad=${pad}`;
}

function outShape(c: ConvCase): [number, number, number, number] {
  const info = tf.backend_util.computeConv2DInfo(c.x, [c.k, c.k, c.x[3], c.co], c.s, 1, c.pad);
  return info.outShape as [number, number, number, number];
}

describe('Conv2DBackpropFilter (missing on stock wasm)', () => {
  for (const c of convCases()) {
    it(describeCase(c), async () => {
      const filterShape: [number, number, number, number] = [c.k, c.k, c.x[3], c.co];
      await expectSame([rand(c.x), rand(outShape(c))], (x, dy) =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
          strides: [c.s, c.s],
          pad: c.pad,
          dataFormat: 'NHWC',
          dimRoundingMode: undefined,
          filterShape,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
      );
    });
  }
});

describe('Conv2DBackpropInput', () => {
  for (const c of convCases()) {
    it(describeCase(c), async () => {
      await expectSame([rand(outShape(c)), rand([c.k, c.k, c.x[3], c.co])], (dy, filter) =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, {
          strides: [c.s, c.s],
          pad: c.pad,
          dataFormat: 'NHWC',
          dimRoundingMode: undefined,
          inputShape: c.x,
        } as unknown as tf.NamedAttrMap) as tf.Tensor,
      );
    });
  }

  it('conv2dTranspose (the public op on top of it)', async () => {
    await expectSame([rand([2, 5, 5, 6]), rand([3, 3, 4, 6])], (x, f) =>
      tf.conv2dTranspose(x as tf.Tensor4D, f as tf.Tensor4D, [2, 10, 10, 4], 2, 'same'),
    );
  });
});

describe('conv kernels leave no wasm buffers behind', () => {
  it('filter and input gradients, 1x1 and 3x3, strides 1 and 2', async () => {
    const x = tf.tensor(rand([2, 9, 9, 3]).data, [2, 9, 9, 3]);
    const w3 = tf.tensor(rand([3, 3, 3, 4]).data, [3, 3, 3, 4]);
    const w1 = tf.tensor(rand([1, 1, 3, 4]).data, [1, 1, 3, 4]);
    await expectNoWasmLeak(() => {
      for (const w of [w3, w1]) {
        for (const s of [1, 2] as const) {
          for (const pad of ['same', 'valid'] as const) {
            const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad).sum())([x, w]);
            tf.dispose(g);
          }
        }
      }
    });
    tf.dispose([x, w3, w1]);
  });
});

describe('other kernels leave no wasm buffers behind', () => {
  it('depthwise gradients, segment sum, tile, leading sum / mean, pooling gradients, ResNet-sized filter chunks', async () => {
    const x = tf.tensor(rand([2, 9, 9, 4]).data, [2, 9, 9, 4]);
    const f = tf.tensor(rand([3, 3, 4, 2]).data, [3, 3, 4, 2]);
    const big = tf.tensor(rand([3, 32, 32, 20]).data, [3, 32, 32, 20]);
    const w = tf.tensor(rand([3, 3, 20, 4]).data, [3, 3, 20, 4]);
    await expectNoWasmLeak(() => {
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').sum())([
        x,
        f,
      ]);
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same').sum())([big, w]);
      tf.unsortedSegmentSum(x.reshape([18, 36]), tf.tensor1d([...Array(18).keys()].map((i) => i % 5), 'int32'), 5);
      tf.tile(x, [2, 1, 1, 3]);
      tf.sum(x, [0, 1, 2]);
      tf.mean(x, [0, 1], true);
      tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 3, 2, 'same').sum())(x);
      tf.grad((a: tf.Tensor) => tf.avgPool(a as tf.Tensor4D, 2, 2, 'valid').sum())(x);
    });
    tf.dispose([x, f, big, w]);
  });
});

describe('depthwise conv gradients (missing on stock wasm)', () => {
  const cases: Array<[number[], number, number, number, 'same' | 'valid']> = [
    [[2, 9, 9, 3], 3, 1, 1, 'same'],
    [[2, 9, 9, 3], 3, 2, 2, 'same'],
    [[2, 8, 7, 3], 3, 1, 2, 'valid'],
    [[2, 8, 8, 4], 3, 2, 1, 'valid'],
    [[1, 7, 7, 2], 5, 2, 3, 'same'],
  ];
  for (const [xs, k, s, mult, pad] of cases) {
    it(`x=${xs.join('x')} k=${k} s=${s} mult=${mult} ${pad}`, async () => {
      await expectSame([rand(xs), rand([k, k, xs[3], mult])], (x, f) =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, s, pad).square().sum(),
        )([x, f]),
      );
    });
  }
});

describe('UnsortedSegmentSum / gather gradient (missing on stock wasm)', () => {
  it('unsortedSegmentSum', async () => {
    await expectSame([rand([6, 4]), ints([6], [0, 2, 2, 4, 0, 1])], (x, ids) =>
      tf.unsortedSegmentSum(x, ids as tf.Tensor1D, 5),
    );
  });
  it('gradient of gather (embedding lookup)', async () => {
    await expectSame([rand([7, 5]), ints([2, 3], [1, 3, 3, 6, 0, 1]), rand([2, 3, 5])], (p, idx, w) =>
      tf.grads((t: tf.Tensor) => tf.gather(t, idx).mul(w).sum())([p]),
    );
  });
});

describe('Tile', () => {
  const cases: Array<[number[], number[]]> = [
    [[1, 1, 1, 7], [3, 5, 4, 1]], // batch-norm gradient pattern
    [[2, 3], [4, 5]],
    [[3, 1], [1, 6]],
    [[2, 3, 4], [1, 1, 1]],
    [[5], [3]],
    [[2, 1, 3], [2, 3, 2]],
  ];
  for (const [shape, reps] of cases) {
    it(`${shape.join('x')} by ${reps.join('x')}`, async () => {
      await expectSame([rand(shape)], (x) => tf.tile(x, reps));
    });
  }
  it('int32 and bool', async () => {
    await expectSame([ints([2, 3], [1, -2, 3, 4, 5, -6])], (x) => tf.tile(x, [3, 2]));
    await expectSame([ints([2, 2], [1, 0, 0, 1])], (x) => tf.tile(x.cast('bool'), [2, 3]).cast('float32'));
  });
});

/** Values from a small set (many ties inside a window), with some -Infinity and NaN, to test tie-breaking. */
function tied(shape: number[], special = false): Input {
  const r = rng(seedCounter++ * 104729);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = r();
    data[i] = special && u < 0.05 ? -Infinity : special && u < 0.08 ? NaN : Math.floor(u * 4) - 1;
  }
  return { shape, data };
}

type PoolPad = 'same' | 'valid' | number | tf.backend_util.ExplicitPadding;
interface PoolCase {
  x: [number, number, number, number];
  f: [number, number];
  s: [number, number];
  pad: PoolPad;
  rounding?: 'floor' | 'round' | 'ceil';
}

function poolCases(): PoolCase[] {
  const explicit: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [1, 0],
    [2, 1],
    [0, 0],
  ];
  return [
    { x: [3, 8, 8, 5], f: [2, 2], s: [2, 2], pad: 'valid' }, // the small CNN's pooling
    { x: [2, 9, 7, 3], f: [2, 2], s: [2, 2], pad: 'same' }, // odd sizes, padded last window
    { x: [2, 9, 9, 4], f: [3, 3], s: [2, 2], pad: 'same' }, // overlapping windows (ResNet stem pooling)
    { x: [2, 7, 8, 6], f: [3, 3], s: [1, 1], pad: 'same' },
    { x: [1, 10, 9, 17], f: [3, 2], s: [2, 3], pad: 'valid' }, // rectangular filter and strides, C not a multiple of 4
    { x: [2, 7, 7, 3], f: [3, 3], s: [2, 2], pad: explicit },
    { x: [2, 8, 8, 2], f: [3, 3], s: [2, 2], pad: 1, rounding: 'ceil' },
    { x: [2, 9, 9, 2], f: [3, 3], s: [2, 2], pad: 1 },
    { x: [1, 5, 5, 3], f: [5, 5], s: [1, 1], pad: 'valid' }, // one window over everything
  ];
}

function poolName(c: PoolCase): string {
  const pad = typeof c.pad === 'object' ? JSON.stringify(c.pad) : String(c.pad);
  return `x=${c.x.join('x')} f=${c.f.join('x')} s=${c.s.join('x')} pad=${pad}${c.rounding ? ` ${c.rounding}` : ''}`;
}

function poolDyShape(c: PoolCase): number[] {
  return tf.backend_util.computePool2DInfo(c.x, c.f, c.s, 1, c.pad, c.rounding).outShape;
}

function poolGrad(name: 'MaxPoolGrad' | 'AvgPoolGrad', c: PoolCase, dy: tf.Tensor, input: tf.Tensor): tf.Tensor {
  const attrs = { filterSize: c.f, strides: c.s, pad: c.pad, dimRoundingMode: c.rounding };
  const inputs: tf.NamedTensorMap = name === 'MaxPoolGrad' ? { dy, input, output: dy } : { dy, input };
  return tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

describe('MaxPoolGrad / AvgPoolGrad (stock wasm: naive loops)', () => {
  for (const c of poolCases()) {
    it(`MaxPoolGrad ${poolName(c)}, tied values`, async () => {
      await expectSame([rand(poolDyShape(c)), tied(c.x)], (dy, x) => poolGrad('MaxPoolGrad', c, dy, x));
    });
    // tfjs's avgPool gradient takes no dimRoundingMode (cpu and wasm ignore it)
    if (c.rounding == null) {
      it(`AvgPoolGrad ${poolName(c)}`, async () => {
        await expectSame([rand(poolDyShape(c)), rand(c.x)], (dy, x) => poolGrad('AvgPoolGrad', c, dy, x));
      });
    }
  }

  it('MaxPoolGrad: windows of NaN / -Infinity route the gradient as the cpu backend does', async () => {
    for (const c of [poolCases()[0], poolCases()[2]]) {
      // the 2x2 / stride 2 tiling fast path, and the general path
      await expectSame([rand(poolDyShape(c)), tied(c.x, true)], (dy, x) => poolGrad('MaxPoolGrad', c, dy, x));
    }
    // A window with only -Infinity passes no gradient at all (cpu: argmax -1).
    const got = await runOn('wasm', [rand([1, 1, 1, 1]), { shape: [1, 2, 2, 1], data: new Float32Array(4).fill(-Infinity) }], (dy, x) =>
      poolGrad('MaxPoolGrad', { x: [1, 2, 2, 1], f: [2, 2], s: [2, 2], pad: 'valid' }, dy, x),
    );
    expect(Array.from(got[0].data)).toEqual([0, 0, 0, 0]);
  });

  it('gradients through tf.maxPool / tf.avgPool (tf.grad), random inputs', async () => {
    await expectSame([rand([2, 9, 9, 5])], (x) => [
      tf.grad((a: tf.Tensor) => tf.maxPool(a as tf.Tensor4D, 3, 2, 'same').square().sum())(x),
      tf.grad((a: tf.Tensor) => tf.avgPool(a as tf.Tensor4D, [2, 3], 1, 'valid').square().sum())(x),
    ]);
  });
});

describe('Sum / Mean over leading axes (batch-norm statistics)', () => {
  const cases: Array<[number[], number | number[], boolean]> = [
    [[4, 5, 6, 7], [0, 1, 2], false],
    [[4, 5, 6, 7], [0, 1, 2], true],
    [[4, 5, 6, 7], [2, 0, 1], false], // unsorted
    [[4, 5, 6, 7], 0, true],
    [[9, 11], [0], false],
    [[9, 11], [-2], true],
    [[4, 5, 6, 7], [1, 2], false], // not leading: stock
    [[4, 5, 6, 7], [3], false], // innermost: stock
    [[4, 5, 6, 7], [0, 1, 2, 3], false], // all: stock
    [[6, 2], [0], false], // too narrow: stock
  ];
  for (const [shape, axis, keepDims] of cases) {
    it(`shape ${shape.join('x')} axis ${JSON.stringify(axis)} keepDims=${keepDims}`, async () => {
      await expectSame([rand(shape)], (x) => [tf.sum(x, axis, keepDims), tf.mean(x, axis, keepDims)]);
    });
  }
  it('large batch-norm-sized reduction', async () => {
    await expectSame([rand([16, 16, 16, 32])], (x) => tf.moments(x, [0, 1, 2]) as unknown as tf.NamedTensorMap);
  });
  it('int32 sum stays exact (stock path)', async () => {
    await expectSame([ints([3, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])], (x) => tf.sum(x, 0));
  });
});

// -------------------------------------------------------------------------------------------------------------
// Whole-graph gradients via tf.variableGrads.

function xent(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels as tf.Tensor1D, logits.shape[1]!), logits) as tf.Scalar;
}

/** Builds variables from the given inputs (same values on each backend) and returns loss + all gradients. */
function variableGradsOf(params: tf.Tensor[], loss: (vars: tf.Variable[]) => tf.Scalar): tf.Tensor[] {
  const vars = params.map((p, i) => tf.variable(p, true, `v${seedCounter}_${i}_${Math.random()}`));
  try {
    const { value, grads } = tf.variableGrads(() => loss(vars), vars);
    return [value, ...vars.map((v) => grads[v.name])];
  } finally {
    vars.forEach((v) => v.dispose());
  }
}

function batchNorm(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor): tf.Tensor4D {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.batchNorm(x, mean, variance, beta, gamma, 1e-5) as tf.Tensor4D;
}

describe('full gradients on wasm equal cpu', () => {
  it('MLP 37-29-17-5 (relu, softmax cross-entropy)', async () => {
    const dims = [37, 29, 17, 5];
    const params: Input[] = [];
    for (let i = 0; i + 1 < dims.length; i++) params.push(rand([dims[i], dims[i + 1]], 0.4), rand([dims[i + 1]], 0.1));
    await expectSame([rand([24, 37]), ints([24], [...Array(24).keys()].map((i) => i % 5)), ...params], (x, y, ...p) =>
      variableGradsOf(p, (v) => {
        let h: tf.Tensor = x;
        for (let i = 0; i < v.length; i += 2) {
          h = tf.add(tf.matMul(h, v[i]), v[i + 1]);
          if (i + 2 < v.length) h = tf.relu(h);
        }
        return xent(h, y);
      }),
    );
  });

  it('MLP with tf.layers dense (fused matMul path)', async () => {
    const labels = ints([16], [...Array(16).keys()].map((i) => i % 3));
    const params = [rand([12, 10], 0.5), rand([10], 0.1), rand([10, 3], 0.5), rand([3], 0.1)];
    await expectSame([rand([16, 12]), labels, ...params], (x, y, ...p) =>
      variableGradsOf(p, (v) => {
        const h = tf.fused.matMul({ a: x, b: v[0], bias: v[1], activation: 'relu' });
        const logits = tf.fused.matMul({ a: h, b: v[2], bias: v[3] });
        return xent(logits, y);
      }),
    );
  });

  it('small CNN: conv+relu+maxpool, conv(s2)+relu+avgpool, dense', async () => {
    await expectSame(
      [
        rand([3, 11, 11, 3]),
        ints([3], [0, 3, 1]),
        rand([3, 3, 3, 8], 0.5),
        rand([8], 0.1),
        rand([3, 3, 8, 6], 0.3),
        rand([6], 0.1),
        rand([6, 4], 0.5),
        rand([4], 0.1),
      ],
      (x, y, ...p) =>
        variableGradsOf(p, (v) => {
          let h = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, v[0] as tf.Tensor4D, 1, 'same'), v[1])) as tf.Tensor4D;
          h = tf.maxPool(h, 2, 2, 'valid'); // 5x5
          h = tf.relu(tf.add(tf.conv2d(h, v[2] as tf.Tensor4D, 2, 'same'), v[3])) as tf.Tensor4D; // 3x3
          h = tf.avgPool(h, 3, 1, 'valid'); // 1x1
          const logits = tf.add(tf.matMul(h.reshape([3, 6]), v[4]), v[5]);
          return xent(logits, y);
        }),
    );
  });

  it('fused conv2d with bias (tf.layers style) gradients', async () => {
    await expectSame([rand([2, 7, 7, 3]), rand([3, 3, 3, 4], 0.5), rand([4], 0.1), rand([2, 4, 4, 4])], (x, f, b, t) =>
      tf.grads((ff: tf.Tensor, bb: tf.Tensor) =>
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: ff as tf.Tensor4D, bias: bb, strides: 2, pad: 'same' }).sub(t).square().sum(),
      )([f, b]),
    );
  });

  it('ResNet basic block with batch norm, stride 2 and 1x1 projection shortcut (odd input 9x9)', async () => {
    const cin = 4;
    const cout = 8;
    await expectSame(
      [
        rand([3, 9, 9, cin]),
        ints([3], [1, 0, 2]),
        rand([3, 3, cin, cout], 0.4), // conv1 s2
        gamma(cout), // gamma1
        rand([cout], 0.1), // beta1
        rand([3, 3, cout, cout], 0.3), // conv2 s1
        gamma(cout),
        rand([cout], 0.1),
        rand([1, 1, cin, cout], 0.5), // shortcut 1x1 s2
        gamma(cout),
        rand([cout], 0.1),
        rand([cout, 3], 0.5), // head
      ],
      (x, y, ...p) =>
        variableGradsOf(p, (v) => {
          const [c1, g1, b1, c2, g2, b2, cs, gs, bs, head] = v;
          let h = tf.relu(batchNorm(tf.conv2d(x as tf.Tensor4D, c1 as tf.Tensor4D, 2, 'same'), g1, b1));
          h = batchNorm(tf.conv2d(h as tf.Tensor4D, c2 as tf.Tensor4D, 1, 'same'), g2, b2);
          const sc = batchNorm(tf.conv2d(x as tf.Tensor4D, cs as tf.Tensor4D, 2, 'valid'), gs, bs);
          const out = tf.relu(tf.add(h, sc)) as tf.Tensor4D;
          const pooled = tf.mean(out, [1, 2]);
          return xent(tf.matMul(pooled, head), y);
        }),
    );
  });

  it('ResNet-18 (CIFAR stem, narrow) forward + backward, all 62 gradients', async () => {
    // widths 4-8-16-32 keep the cpu reference fast; the structure (stem 3x3 s1, 4 stages x 2 basic blocks,
    // stride-2 3x3 + 1x1 projection at stages 2-4, batch norm everywhere, global average pool) is ResNet-18's.
    const widths = [4, 8, 16, 32];
    const specs: Input[] = [];
    const conv = (k: number, ci: number, co: number) => specs.push(rand([k, k, ci, co], Math.sqrt(2 / (k * k * ci))));
    const bn = (c: number) => specs.push(gamma(c), rand([c], 0.1));
    conv(3, 3, widths[0]);
    bn(widths[0]);
    let cin = widths[0];
    const blocks: Array<{ stride: number; ci: number; co: number; proj: boolean }> = [];
    widths.forEach((co, stage) => {
      for (let b = 0; b < 2; b++) {
        const stride = stage > 0 && b === 0 ? 2 : 1;
        const proj = stride !== 1 || cin !== co;
        blocks.push({ stride, ci: cin, co, proj });
        conv(3, cin, co);
        bn(co);
        conv(3, co, co);
        bn(co);
        if (proj) {
          conv(1, cin, co);
          bn(co);
        }
        cin = co;
      }
    });
    specs.push(rand([cin, 10], 0.3), rand([10], 0.1));
    expect(specs.length).toBe(62);
    const res = await expectSame([rand([2, 16, 16, 3]), ints([2], [3, 7]), ...specs], (x, y, ...p) =>
      variableGradsOf(p, (v) => {
        let i = 0;
        const next = () => v[i++];
        const convBn = (h: tf.Tensor4D, s: number, pad: 'same' | 'valid') => {
          const f = next() as tf.Tensor4D;
          const g = next();
          const b = next();
          return batchNorm(tf.conv2d(h, f, s, pad), g, b);
        };
        let h = tf.relu(convBn(x as tf.Tensor4D, 1, 'same')) as tf.Tensor4D;
        for (const blk of blocks) {
          let o = tf.relu(convBn(h, blk.stride, 'same')) as tf.Tensor4D;
          o = convBn(o, 1, 'same');
          const sc = blk.proj ? convBn(h, blk.stride, 'valid') : h;
          h = tf.relu(tf.add(o, sc)) as tf.Tensor4D;
        }
        const pooled = tf.mean(h, [1, 2]);
        const logits = tf.add(tf.matMul(pooled, next()), next());
        expect(i).toBe(v.length);
        return xent(logits, y);
      }),
    );
    expect(res.length).toBe(63);
  });
});

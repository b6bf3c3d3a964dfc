/**
 * The threaded SIMD wasm build (src-main/compute/wasm-threaded.ts): results against the cpu backend, a short
 * training run bit-identical across 1 and 2 threads, processes that exit by themselves (main thread and
 * worker_threads), and the fallback to the single-threaded SIMD build when the threaded files are missing or
 * broken. In-process checks run in this test file's own process; the rest in child processes of the build
 * (dist/, as the CLI tests: `npm run build` first), since a process sets its wasm thread count once.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type BackendInfo } from '../../src-main/compute/backend';
import { threadedWasmFiles } from '../../src-main/compute/wasm-threaded';
import { tempDir } from '../support/tmp';

const DIST = resolve(__dirname, '../../dist/src-main/compute/backend.js');
const TFJS = require.resolve('@tensorflow/tfjs');
const REL_TOL = 1e-5;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function data(n: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
}

/** The same computation on wasm (current) and on cpu, as plain arrays. */
async function onBoth(f: () => tf.Tensor[]): Promise<{ wasm: Float32Array[]; cpu: Float32Array[] }> {
  const run = () => tf.tidy(f).map((t) => {
    const v = t.dataSync() as Float32Array;
    t.dispose();
    return Float32Array.from(v);
  });
  const wasm = run();
  await tf.setBackend('cpu');
  const cpu = run();
  await tf.setBackend('wasm');
  return { wasm, cpu };
}

function relErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num = Math.max(num, Math.abs(a[i] - b[i]));
    den = Math.max(den, Math.abs(b[i]));
  }
  return num / den;
}

/** Runs a script in a fresh node process (the build); the guard timeout is a hang detector, not a measure. */
function node(script: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function infoOf(stdout: string): BackendInfo {
  const line = stdout.split('\n').find((l) => l.startsWith('INFO '));
  if (!line) throw new Error(`no backend info in: ${stdout}`);
  return JSON.parse(line.slice(5)) as BackendInfo;
}

describe('threaded wasm in this process (2 threads)', () => {
  let info: BackendInfo;
  beforeAll(async () => {
    info = await initBackend('wasm', { threads: 2 });
  });

  it('initialises the threaded SIMD build with 2 threads and says so', () => {
    expect(info.name).toBe('wasm');
    expect(info.wasm?.build).toBe('threaded-simd');
    expect(info.threads).toBe(2);
    expect(info.wasm?.reason).toMatch(/self-tested, 2 threads/);
    expect(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(true);
  });

  it('matMul (plain and transposed, the MLP sizes) matches the cpu backend', async () => {
    const a = data(256 * 784, 1), w = data(784 * 512, 2), g = data(256 * 512, 3);
    const { wasm, cpu } = await onBoth(() => {
      const A = tf.tensor2d(a, [256, 784]), W = tf.tensor2d(w, [784, 512]), G = tf.tensor2d(g, [256, 512]);
      return [tf.matMul(A, W), tf.matMul(A, G, true, false), tf.matMul(G, W, false, true)];
    });
    for (let i = 0; i < wasm.length; i++) expect(relErr(wasm[i], cpu[i])).toBeLessThanOrEqual(REL_TOL);
  });

  it('conv2d and its gradients, and the MLP gradients, match the cpu backend', async () => {
    const x = data(8 * 14 * 14 * 16, 4), k = data(3 * 3 * 16 * 32, 5), r = data(8 * 7 * 7 * 32, 6);
    const { wasm, cpu } = await onBoth(() => {
      const X = tf.tensor4d(x, [8, 14, 14, 16]), K = tf.tensor4d(k, [3, 3, 16, 32]), R = tf.tensor4d(r, [8, 7, 7, 32]);
      const f = (xx: tf.Tensor, kk: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(xx as tf.Tensor4D, kk as tf.Tensor4D, 2, 'same'), R));
      const [dx, dk] = tf.grads(f)([X, K]);
      const W1 = tf.tensor2d(data(64 * 48, 7), [64, 48]), H = tf.tensor2d(data(32 * 64, 8), [32, 64]);
      const [dW] = tf.grads((w1: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.matMul(H, w1 as tf.Tensor2D)))))([W1]);
      return [tf.conv2d(X, K, 2, 'same'), dx, dk, dW];
    });
    for (let i = 0; i < wasm.length; i++) expect(relErr(wasm[i], cpu[i]), `output ${i}`).toBeLessThanOrEqual(REL_TOL);
  });

  it('the small CNN block (3-channel conv filter gradient, max / avg pooling gradients) matches the cpu backend', async () => {
    const x = data(4 * 16 * 16 * 3, 9), k1 = data(3 * 3 * 3 * 8, 10), k2 = data(3 * 3 * 8 * 24, 11), r = data(4 * 4 * 4 * 24, 12);
    const { wasm, cpu } = await onBoth(() => {
      const X = tf.tensor4d(x, [4, 16, 16, 3]), K1 = tf.tensor4d(k1, [3, 3, 3, 8]), K2 = tf.tensor4d(k2, [3, 3, 8, 24]);
      const R = tf.tensor4d(r, [4, 4, 4, 24]);
      const f = (xx: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => {
        const h = tf.maxPool(tf.relu(tf.conv2d(xx as tf.Tensor4D, a as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
        const g = tf.avgPool(tf.relu(tf.conv2d(h, b as tf.Tensor4D, 1, 'same')), 2, 2, 'valid');
        return tf.sum(tf.mul(g, R));
      };
      return tf.grads(f)([X, K1, K2]);
    });
    for (let i = 0; i < wasm.length; i++) expect(relErr(wasm[i], cpu[i]), `output ${i}`).toBeLessThanOrEqual(REL_TOL);
  });

  it('cannot change its thread count once running (clear error)', async () => {
    await expect(initBackend('wasm', { threads: 1 })).rejects.toThrow(/already runs with 2 thread\(s\)/);
  });
});

/** A short Adam training of an MLP from fixed data; prints the backend info and a hash of the final weights. */
const TRAIN = (threads: number) => `
const { initBackend } = require(${JSON.stringify(DIST)});
const tf = require(${JSON.stringify(TFJS)});
const { createHash } = require('node:crypto');
(async () => {
  const info = await initBackend('wasm', { threads: ${threads} });
  process.stdout.write('INFO ' + JSON.stringify(info) + '\\n');
  let s = 12345;
  const r = (n) => Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) * 2 - 1);
  const X = tf.tensor2d(r(256 * 784), [256, 784]);
  const Y = tf.oneHot(tf.tensor1d(Array.from({ length: 256 }, (_, i) => i % 10), 'int32'), 10);
  const vars = [tf.variable(tf.tensor2d(r(784 * 256), [784, 256]).mul(0.05)), tf.variable(tf.zeros([256])),
                tf.variable(tf.tensor2d(r(256 * 10), [256, 10]).mul(0.05)), tf.variable(tf.zeros([10]))];
  const opt = tf.train.adam(1e-3);
  for (let step = 0; step < 25; step++) {
    opt.minimize(() => tf.losses.softmaxCrossEntropy(Y, tf.relu(X.matMul(vars[0]).add(vars[1])).matMul(vars[2]).add(vars[3])));
  }
  const h = createHash('sha256');
  for (const v of vars) h.update(Buffer.from(v.dataSync().buffer));
  process.stdout.write('HASH ' + h.digest('hex') + '\\n');
})();
`;

describe('threaded wasm in child processes (the build)', () => {
  it('a short Adam training run is bit-identical with 1 and 2 threads, and both processes exit by themselves', () => {
    const one = node(TRAIN(1));
    const two = node(TRAIN(2));
    for (const r of [one, two]) {
      expect(r.signal, r.stderr).toBeNull(); // not killed by the hang guard: the pthread workers do not hold it
      expect(r.code, r.stderr).toBe(0);
    }
    expect(infoOf(one.stdout).wasm?.build).toBe('simd');
    expect(infoOf(two.stdout).wasm).toMatchObject({ build: 'threaded-simd', threads: 2 });
    const hash = (s: string) => s.split('\n').find((l) => l.startsWith('HASH '));
    expect(hash(one.stdout)).toMatch(/^HASH [0-9a-f]{64}$/);
    expect(hash(two.stdout)).toBe(hash(one.stdout));
  });

  it('runs inside a worker_thread, and the process exits by itself', () => {
    const r = node(`
      const { Worker } = require('node:worker_threads');
      const w = new Worker(${JSON.stringify(`
        const { parentPort } = require('node:worker_threads');
        const { initBackend } = require(${JSON.stringify(DIST)});
        const tf = require(${JSON.stringify(TFJS)});
        initBackend('wasm', { threads: 2 }).then((info) => {
          const v = tf.matMul(tf.ones([64, 32]), tf.ones([32, 16])).dataSync();
          parentPort.postMessage({ info, v0: v[0], n: v.length });
        });
      `)}, { eval: true });
      w.on('message', (m) => process.stdout.write('INFO ' + JSON.stringify(m.info) + '\\nRESULT ' + m.v0 + ' ' + m.n + '\\n'));
    `);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(infoOf(r.stdout).wasm).toMatchObject({ build: 'threaded-simd', threads: 2 });
    expect(r.stdout).toContain('RESULT 32 1024');
  });

  const PROBE = `
    const { initBackend } = require(${JSON.stringify(DIST)});
    const tf = require(${JSON.stringify(TFJS)});
    initBackend('auto', { threads: 2 }).then((info) => {
      process.stdout.write('INFO ' + JSON.stringify(info) + '\\nRESULT ' + tf.matMul(tf.ones([8, 4]), tf.ones([4, 2])).dataSync()[0] + '\\n');
    });
  `;

  function expectFallback(dir: string, reason: RegExp): void {
    const r = node(PROBE, { SCL_LAB_WASM_THREADED_DIR: dir });
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    const info = infoOf(r.stdout);
    expect(info.name).toBe('wasm');
    expect(info.wasm?.build).toBe('simd');
    expect(info.threads).toBe(1);
    expect(info.threadsRequested).toBe(2);
    expect(info.wasm?.reason).toMatch(reason);
    expect(info.wasm?.reason).toMatch(/single-threaded SIMD build instead$/);
    expect(info.skipped.find((s) => s.name === 'wasm threaded-simd')?.reason).toMatch(reason);
    expect(r.stdout).toContain('RESULT 4'); // the fallback computes
  }

  /** A copy of the package's threaded files in which `name` is replaced by `text`. */
  function brokenCopy(name: keyof ReturnType<typeof threadedWasmFiles>, text: string | Buffer): string {
    const dir = join(tempDir(), 'wasm-out');
    mkdirSync(dir);
    const real = threadedWasmFiles(undefined);
    const copy = threadedWasmFiles(dir);
    for (const k of ['js', 'worker', 'wasm'] as const) copyFileSync(real[k], copy[k]);
    writeFileSync(copy[name], text);
    return dir;
  }

  it('falls back to the single-threaded SIMD build when the threaded files are missing', () => {
    expectFallback(join(tempDir(), 'no-such-folder'), /the threaded wasm script .* is missing/);
  });

  it('falls back when the main script or the worker module is broken', () => {
    expectFallback(brokenCopy('js', 'var WasmBackendModuleThreadedSimd = (() => { this is not javascript'), /does not compile/);
    expectFallback(brokenCopy('worker', 'module.exports.wasmWorkerContents = 42;'), /does not export the pthread worker script/);
  });

  it('falls back when the wasm binary is corrupt', () => {
    expectFallback(brokenCopy('wasm', Buffer.from('\0asm-not-really')), /threaded build failed/);
  });
});

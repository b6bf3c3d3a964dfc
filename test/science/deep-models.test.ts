/**
 * ResNet-18 (CIFAR stem) and the small CNN on data read from files in the real CIFAR-10 binary layout:
 * forward and backward on the wasm backend (with the project's kernels) equal the cpu backend.
 */
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/compute/backend';
import { readCifar10, toFloat } from '../../src-main/data';
import { buildModel, embed, type ModelSpec } from '../../src-main/science/models';
import { sclLoss } from '../../src-main/science/scl';
import { cifarRecord, tempDir, write } from '../data/helpers';

function cifarFile(n: number): string {
  const recs: Buffer[] = [];
  for (let i = 0; i < n; i++) recs.push(cifarRecord([i % 4], (ch, y, x) => (i * 37 + ch * 11 + y * 5 + x * 3) % 256));
  return write(join(tempDir(), 'data_batch_1.bin'), Buffer.concat(recs));
}

/** Loss and gradients of SCL on the two-view batch, with the given weights, on the current backend. */
function lossAndGrads(spec: ModelSpec, weights: Float32Array[] | null, x: Float32Array, labels: Int32Array) {
  const { model } = buildModel(spec, [32, 32, 3], 16, 5);
  if (weights) model.setWeights(weights.map((w, i) => tf.tensor(w, model.weights[i]!.read().shape)));
  const initial = model.getWeights().map((w) => w.dataSync().slice() as Float32Array);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const input = tf.tensor(x, [labels.length, 32, 32, 3]);
  const { value, grads } = tf.variableGrads(() => sclLoss(embed(model, input, true, true), labels, 0.1, 'supcon-mean'), vars);
  const out = {
    loss: value.dataSync()[0],
    grads: vars.map((v) => grads[v.name].dataSync().slice() as Float32Array),
    weights: initial,
    emb: embed(model, input, true, false).dataSync().slice(),
  };
  tf.dispose([input, value, ...Object.values(grads)]);
  model.dispose();
  return out;
}

function relErr(a: Float32Array, b: Float32Array): number {
  let num = 0, den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

describe.each([
  [{ name: 'resnet18', width: 4 } as ModelSpec],
  [{ name: 'cnn' } as ModelSpec],
])('%o on CIFAR-format data: wasm equals cpu', (spec) => {
  it('forward embeddings and every gradient agree to 1e-3', async () => {
    const set = readCifar10([cifarFile(8)]);
    expect(set.n).toBe(8);
    const x = toFloat(set.images);
    const labels = Int32Array.from(set.labels);

    await initBackend('cpu');
    const ref = lossAndGrads(spec, null, x, labels);
    await initBackend('wasm');
    const got = lossAndGrads(spec, ref.weights, x, labels);

    expect(Number.isFinite(ref.loss)).toBe(true);
    expect(Math.abs(got.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-4);
    expect(relErr(got.emb as Float32Array, ref.emb as Float32Array)).toBeLessThan(1e-4);
    expect(got.grads.length).toBe(ref.grads.length);
    const nonzero = ref.grads.filter((g) => g.some((v) => v !== 0)).length;
    expect(nonzero).toBeGreaterThan(ref.grads.length / 2);
    ref.grads.forEach((g, i) => expect(relErr(got.grads[i], g), `gradient ${i}`).toBeLessThan(1e-3));
  }, 120_000);
});

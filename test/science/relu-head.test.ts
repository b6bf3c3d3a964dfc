/**
 * The embedding head never yields NaN: when the ReLU zeroes a whole embedding row (a "dead" row), the L2
 * normalisation z * rsqrt(max(sum z^2, eps^2)) has a finite gradient, so the loss, every gradient and a run
 * with dead rows stay finite. Non-finite values that do occur are reported with what, where and why.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig, type DeepConfig } from '../../src-main/api/schema/config';
import { initBackend } from '../../src-main/compute/backend';
import { deepSpecFromConfig } from '../../src-main/runner/deep-job';
import { DeepTrainer, type DeepData } from '../../src-main/science/deep';
import { buildModel, embed } from '../../src-main/science/models';
import { sclLoss } from '../../src-main/science/scl';

/** n vectors of size dim from a seeded LCG; the rows in `dead` are all zero (with zero biases at init, their ReLU output is 0). */
function vectors(n: number, dim: number, dead: number[], seed = 1): Float32Array {
  let s = seed;
  const x = new Float32Array(n * dim);
  for (let i = 0; i < x.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    x[i] = (s / 2147483648) * 2 - 1;
  }
  for (const r of dead) x.fill(0, r * dim, (r + 1) * dim);
  return x;
}

describe('ReLU head with a dead row', () => {
  beforeAll(async () => {
    await initBackend(process.env.SCL_TEST_BACKEND === 'cpu' ? 'cpu' : 'auto');
  });

  it('the dead row embeds to 0, live rows to unit norm; the loss and every gradient are finite', () => {
    const { model } = buildModel({ name: 'mlp', hidden: [16] }, [6], 8, 3);
    const labels = Int32Array.from([0, 0, 1, 1, 2, 2, 0, 1]);
    const x = tf.tensor2d(vectors(8, 6, [2]), [8, 6]);
    const emb = embed(model, x, true, false);
    const z = emb.arraySync();
    expect(z[2].every((v) => v === 0)).toBe(true);
    for (const [i, row] of z.entries()) if (i !== 2) expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const { value, grads } = tf.variableGrads(() => sclLoss(embed(model, x, true, true), labels, 0.1, 'paper'), vars);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    for (const v of vars) {
      const g = grads[v.name].dataSync();
      expect(g.every(Number.isFinite), `gradient of ${v.name}`).toBe(true);
    }
    expect(Math.max(...grads[vars[0].name].dataSync().map(Math.abs))).toBeGreaterThan(0); // it does learn
    tf.dispose([x, emb, value, ...Object.values(grads)]);
    model.dispose();
  });

  it('a deep run whose data has dead rows trains on: every epoch finite, weights finite at the end', async () => {
    const counts = [6, 6, 6];
    const labels = Int32Array.from(counts.flatMap((c, y) => Array.from({ length: c }, () => y)));
    const n = labels.length;
    const data: DeepData = {
      train: { x: vectors(n, 6, [0, 7, 13], 5), labels, n },
      test: null,
      sampleShape: [6],
      k: 3,
      counts,
    };
    const config = parseRunConfig({
      kind: 'deep', classes: 3, dim: 8, imbalance: { profile: 'custom', counts }, relu: true, temperature: 0.1,
      batching: { strategy: 'fixed', batchSize: 6, stepPer: 'batch' },
      dataset: { name: 'synthetic', shape: { kind: 'vector', dim: 6 } }, model: { name: 'mlp', hidden: [16] },
      augment: false, optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 0 }, epochs: 15, evalEvery: 5, seed: 2,
    }) as DeepConfig;
    const t = new DeepTrainer(deepSpecFromConfig(config), data);
    const losses: number[] = [];
    const { status, last } = await t.run({ onEpoch: (_e, loss) => losses.push(loss) });
    expect(status).toBe('finished');
    expect(losses).toHaveLength(15);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    expect(Number.isFinite(last.rec.deltaOF)).toBe(true);
    for (const w of t.model.getWeights()) expect(w.dataSync().every(Number.isFinite)).toBe(true);
    t.dispose();
  });
});

/**
 * Deep-network runs through the CLI and the store: the paper's Fashion-MNIST finding (issue acceptance),
 * imported embeddings against the spec's exact values, and bad input.
 */
import Database from 'better-sqlite3';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, tempDir, writeJson } from '../cli/helpers';
import { cifarRecord, f8, npyBytes } from '../data/helpers';

const FMNIST = '/usr/share/datasets/fashion-mnist';

export const fashionMlp = {
  kind: 'deep', classes: 10, dim: 128,
  dataset: { name: 'fashion-mnist', testPerClass: 500 },
  model: { name: 'mlp', hidden: [512, 256] },
  imbalance: { profile: 'step', nMax: 300, ratio: 10, minorityFraction: 0.5 },
  relu: true, temperature: 0.1, loss: 'scl', views: 1, augment: false,
  batching: { strategy: 'reshuffle', batchSize: 128, binding: false },
  optimizer: { name: 'adam', lr: 0.001, weightDecay: 0 },
  epochs: 150, evalEvery: 25, seed: 0,
};

describe('deep runs', () => {
  it('Fashion-MNIST MLP, step imbalance R = 10 (300 / 30 per class), 150 epochs: ReLU reaches the OF, no ReLU does not', () => {
    const dir = tempDir();
    const db = join(dir, 'lab.sqlite');
    const spec = writeJson(dir, 'sweep.json', { name: 'fmnist relu', base: fashionMlp, grid: { relu: [true, false] }, seeds: [0] });
    // two deep runs of ~2,000 steps each: minutes on a busy 2-core machine, so a long guard (the test allows 600 s)
    const r = cli(['sweep', '--spec', spec, '--json', '-q', '-j', '2', '--db', db], {}, 540_000);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.statuses).toEqual(['finished', 'finished']);
    const [withRelu, without] = out.runIds.map((id: number) => JSON.parse(cli(['show', String(id), '--json', '--db', db]).stdout));
    expect(withRelu.config.relu).toBe(true);
    expect(without.config.relu).toBe(false);
    const a = withRelu.result.final, b = without.result.final;
    expect(a.classCounts).toEqual([300, 300, 300, 300, 300, 30, 30, 30, 30, 30]);
    expect(a.deltaOF).toBeLessThan(0.2);
    expect(b.deltaOF).toBeGreaterThan(0.4);
    expect(a.nccAccTest).toBeGreaterThanOrEqual(0.75);
    expect(b.nccAccTest).toBeGreaterThanOrEqual(0.75);
    // stored like any run: the geometry series and a cosine matrix per evaluation
    const raw = new Database(db, { readonly: true });
    const n = raw.prepare("SELECT COUNT(*) AS n FROM scalars s JOIN metric_keys k ON k.id = s.key_id WHERE s.run_id = ? AND k.name = 'geom/deltaOF'").get(out.runIds[0]) as { n: number };
    expect(n.n).toBe(7);
    raw.close();
  }, 600_000);

  it('imported embeddings: an exact OF and an exact ETF give the spec values', () => {
    const dir = tempDir();
    const db = join(dir, 'lab.sqlite');
    const k = 10, per = 3, n = k * per;
    const of: number[] = [], etf: number[] = [], labels: number[] = [];
    const norm = Math.sqrt((1 - 1 / k) ** 2 + (k - 1) / (k * k));
    for (let i = 0; i < n; i++) {
      const c = i % k;
      labels.push(c);
      for (let t = 0; t < k + 2; t++) of.push(t === c ? 1 : 0);
      for (let t = 0; t < k; t++) etf.push(((t === c ? 1 : 0) - 1 / k) / norm);
    }
    writeFileSync(join(dir, 'of.npy'), npyBytes('<f8', [n, k + 2], f8(of)));
    writeFileSync(join(dir, 'etf.npy'), npyBytes('<f8', [n, k], f8(etf)));
    writeFileSync(join(dir, 'labels.csv'), 'label\n' + labels.join('\n') + '\n');
    const run = (file: string) => {
      const cfg = writeJson(dir, `${file}.json`, { kind: 'embeddings', file: join(dir, file), labels: join(dir, 'labels.csv') });
      const r = cli(['run', '--config', cfg, '--json', '-q', '--db', db]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout).final;
    };
    const o = run('of.npy');
    expect(o.deltaOF).toBeLessThan(1e-12);
    expect(o.deltaETF).toBeLessThan(1e-12);
    expect(o.cosMax).toBeCloseTo(0, 12);
    expect(o.nccAccTrain).toBe(1);
    const e = run('etf.npy');
    expect(e.deltaOF).toBeCloseTo(0.3204, 4);
    expect(e.deltaETF).toBeLessThan(1e-9);
    expect(e.cosMean).toBeCloseTo(-1 / 9, 9);
    expect(e.normRatio).toBeCloseTo(1, 9);
  });

  it('bad input: missing folder, corrupt IDX, wrong-size CIFAR, NaN embeddings, a model too big for the data', () => {
    const dir = tempDir();
    const db = join(dir, 'lab.sqlite');
    const small = { ...fashionMlp, epochs: 2, evalEvery: 1 };

    const missing = cli(['run', '--config', writeJson(dir, 'm.json', { ...small, dataset: { name: 'fashion-mnist', folder: join(dir, 'nowhere') } }), '--db', db]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/dataset\.folder: .*nowhere/);

    // a copy of Fashion-MNIST whose test labels file has the wrong magic: the run fails before training, with no metrics
    const bad = join(dir, 'fm-bad');
    mkdirSync(bad);
    for (const f of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz']) copyFileSync(join(FMNIST, f), join(bad, f));
    writeFileSync(join(bad, 't10k-labels-idx1-ubyte'), Buffer.from([0, 0, 8, 3, 0, 0, 0, 1, 7]));
    const corrupt = cli(['run', '--config', writeJson(dir, 'c.json', { ...small, dataset: { name: 'fashion-mnist', folder: bad } }), '--json', '--db', db]);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(/t10k-labels-idx1-ubyte.*magic/);
    const failed = JSON.parse(corrupt.stdout);
    expect(failed.status).toBe('failed');
    const raw = new Database(db, { readonly: true });
    expect((raw.prepare('SELECT COUNT(*) AS n FROM scalars WHERE run_id = ?').get(failed.runId) as { n: number }).n).toBe(0);
    raw.close();

    const cifar = join(dir, 'cifar');
    mkdirSync(cifar);
    const rec = cifarRecord([1], () => 7);
    for (let i = 1; i <= 5; i++) writeFileSync(join(cifar, `data_batch_${i}.bin`), Buffer.concat([rec, rec]));
    writeFileSync(join(cifar, 'test_batch.bin'), Buffer.concat([rec, rec.subarray(0, 100)]));
    const cf = cli(['run', '--config', writeJson(dir, 'cf.json', { ...small, imbalance: { profile: 'balanced', nMax: 2 }, batching: { strategy: 'full', binding: false }, dataset: { name: 'cifar10', folder: cifar } }), '--db', db]);
    expect(cf.code).toBe(1);
    expect(cf.stderr).toMatch(/test_batch\.bin.*(size|multiple|record)/);

    const nan = [1, 0, 0, 1, NaN, 0, 1, 1];
    writeFileSync(join(dir, 'nan.npy'), npyBytes('<f8', [4, 2], f8(nan)));
    writeFileSync(join(dir, 'l.csv'), 'label\n0\n1\n0\n1\n');
    const en = cli(['run', '--config', writeJson(dir, 'e.json', { kind: 'embeddings', file: join(dir, 'nan.npy'), labels: join(dir, 'l.csv') }), '--db', db]);
    expect(en.code).toBe(1);
    expect(en.stderr).toMatch(/nan\.npy.*(NaN|not finite).*row 2/i);

    const tiny = { ...small, classes: 3, dataset: { name: 'synthetic', shape: { kind: 'image', height: 2, width: 2, channels: 1 } }, imbalance: { profile: 'balanced', nMax: 4 }, model: { name: 'resnet18', width: 4 }, batching: { strategy: 'full', binding: false } };
    const big = cli(['run', '--config', writeJson(dir, 'big.json', tiny), '--db', db]);
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/model\.name: "resnet18" needs images of at least 8x8; the data are 2x2x1/);
    expect(readFileSync(db).length).toBeGreaterThan(0);
  });
});

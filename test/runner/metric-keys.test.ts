/**
 * One meaning per metric key across run kinds (docs/user-guide.md, "Metric keys"): the UFM objective sums its
 * batches (train/loss, train/epochLoss), a deep run averages them (train/lossMean, train/epochLossMean); the two
 * never share a key, also for runs stored or exported before the split (config schema 2).
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA_VERSION } from '../../src-main/api/schema/config';
import { evalLossKey, metricAxisLabel } from '../../src-main/api/schema/metric-keys';
import type { RunResult } from '../../src-main/api/schema/result';
import { Runner } from '../../src-main/runner/runner';
import { RunService } from '../../src-main/services/runs';
import type { Store } from '../../src-main/store';
import { open, tmpDir } from '../store/helpers';

const deep = {
  kind: 'deep', classes: 3, dim: 8,
  dataset: { name: 'synthetic', shape: { kind: 'vector', dim: 12 }, testPerClass: 6 },
  model: { name: 'mlp', hidden: [16] },
  imbalance: { profile: 'step', nMax: 16, ratio: 2, minorityFraction: 0.34 },
  relu: true, temperature: 0.5, loss: 'scl', views: 1, augment: false,
  batching: { strategy: 'reshuffle', batchSize: 8 },
  optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 },
  epochs: 4, evalEvery: 2, seed: 1,
};
// four batches of 6 per epoch: the objective is the sum of their losses
const ufm = {
  kind: 'ufm', classes: 3, dim: 4, imbalance: { profile: 'balanced', nMax: 8 }, relu: true, temperature: 1,
  batching: { strategy: 'fixed', batchSize: 6 }, optimizer: { name: 'gd', lr: 0.5 }, epochs: 20, evalEvery: 10, seed: 0,
};

async function runBoth(store: Store): Promise<{ deepId: number; ufmId: number }> {
  const runner = new Runner(store, { concurrency: 1 });
  const svc = new RunService(store, runner);
  try {
    const deepId = svc.submit(deep);
    const ufmId = svc.submit(ufm);
    await runner.onIdle();
    for (const id of [deepId, ufmId]) expect(store.getRun(id).status, store.getRun(id).error ?? '').toBe('finished');
    return { deepId, ufmId };
  } finally {
    await runner.shutdown();
  }
}

const values = (store: Store, id: number, key: string) =>
  store.getSeries(id, key, { buckets: 100_000 }).points.filter((p) => p.value !== null).map((p) => [p.step, p.value] as const);

/** Writes the run back as schema 2 wrote it: config version 2, the deep evaluation loss under train/loss. */
function asSchema2(store: Store, file: string, deepId: number, ufmId: number): void {
  store.close();
  const raw = open(file); // a writer: tables current
  raw.close();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require('better-sqlite3') as typeof import('better-sqlite3');
  const db = new Database(file);
  try {
    for (const id of [deepId, ufmId]) db.prepare("UPDATE runs SET config_json = json_set(config_json, '$.schemaVersion', 2) WHERE id = ?").run(id);
    db.prepare("INSERT OR IGNORE INTO metric_keys(name) VALUES ('train/loss')").run();
    const oldKey = db.prepare("SELECT id FROM metric_keys WHERE name = 'train/loss'").pluck(true).get() as number;
    const meanKey = db.prepare("SELECT id FROM metric_keys WHERE name = 'train/lossMean'").pluck(true).get() as number;
    for (const t of ['scalars', 'run_summary', 'scalar_blocks']) db.prepare(`UPDATE ${t} SET key_id = ? WHERE run_id = ? AND key_id = ?`).run(oldKey, deepId, meanKey);
  } finally {
    db.close();
  }
}

describe('metric keys: a sum and a mean never share a name', () => {
  it('a UFM run logs the objective (sum over batches), a deep run the mean batch loss of its epoch', async () => {
    const store = open(join(tmpDir(), 'lab.sqlite'));
    const { deepId, ufmId } = await runBoth(store);
    const deepKeys = store.metricKeys(deepId).scalars;
    expect(deepKeys).toEqual(expect.arrayContaining(['train/lossMean', 'train/epochLossMean']));
    expect(deepKeys).not.toContain('train/loss');
    expect(deepKeys).not.toContain('train/epochLoss');
    // the deep evaluation loss is the mean batch loss of the epoch that ended there
    const epochMean = new Map(values(store, deepId, 'train/epochLossMean'));
    const evalMean = values(store, deepId, 'train/lossMean');
    expect(evalMean.map(([s]) => s)).toEqual([2, 4]);
    for (const [step, v] of evalMean) expect(v).toBe(epochMean.get(step));
    expect((store.getRun(deepId).result as RunResult).final!.loss).toBe(evalMean.at(-1)![1]);

    const ufmKeys = store.metricKeys(ufmId).scalars;
    expect(ufmKeys).toEqual(expect.arrayContaining(['train/loss', 'train/epochLoss', 'train/optimalLoss']));
    expect(ufmKeys).not.toContain('train/lossMean');
    const final = (store.getRun(ufmId).result as RunResult).final!;
    expect(values(store, ufmId, 'train/loss').at(-1)![1]).toBe(final.loss);
    expect(final.loss!).toBeGreaterThanOrEqual(final.optimalLoss!);
  }, 120_000);

  it('deep runs stored by config schema 2 get their mean evaluation loss renamed on open; UFM runs keep the sum', async () => {
    const file = join(tmpDir(), 'lab.sqlite');
    const store = open(file);
    const { deepId, ufmId } = await runBoth(store);
    const deepBefore = values(store, deepId, 'train/lossMean');
    const ufmBefore = values(store, ufmId, 'train/loss');
    asSchema2(store, file, deepId, ufmId);

    const old = open(file, { readonly: true });
    expect(old.metricKeys(deepId).scalars).toContain('train/loss'); // as schema 2 stored it
    old.close();
    const reopened = open(file);
    expect(reopened.getRun(deepId).config['schemaVersion']).toBe(CONFIG_SCHEMA_VERSION);
    expect(values(reopened, deepId, 'train/lossMean')).toEqual(deepBefore);
    expect(reopened.metricKeys(deepId).scalars).not.toContain('train/loss');
    expect(reopened.getRun(deepId).summaries['train/lossMean']!.last).toBe(deepBefore.at(-1)![1]);
    expect(values(reopened, ufmId, 'train/loss')).toEqual(ufmBefore);
    expect(reopened.metricKeys(ufmId).scalars).not.toContain('train/lossMean');
  }, 120_000);

  it('a deep run in a bundle exported under schema 2 is imported with train/lossMean', async () => {
    const store = open(join(tmpDir(), 'lab.sqlite'));
    const { deepId } = await runBoth(store);
    const bundle = JSON.parse(JSON.stringify(store.exportRuns([deepId]))) as { runs: { config: Record<string, unknown>; scalars: Record<string, unknown> }[] };
    const run = bundle.runs[0]!;
    run.config['schemaVersion'] = 2;
    run.scalars['train/loss'] = run.scalars['train/lossMean'];
    delete run.scalars['train/lossMean'];
    const target = open(join(tmpDir(), 'target.sqlite'));
    const { id } = target.importRuns(bundle).imported[0]!;
    expect(values(target, id, 'train/lossMean')).toEqual(values(store, deepId, 'train/lossMean'));
    expect(target.metricKeys(id).scalars).not.toContain('train/loss');
  }, 120_000);

  it('the loss key and its axis label follow the run kind', () => {
    expect(evalLossKey('ufm')).toBe('train/loss');
    expect(evalLossKey('deep')).toBe('train/lossMean');
    expect(metricAxisLabel('train/loss')).toMatch(/^train\/loss: UFM objective .*sum/);
    expect(metricAxisLabel('train/lossMean')).toMatch(/^train\/lossMean: deep runs .*mean/);
  });
});

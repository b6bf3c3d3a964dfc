/**
 * A database written by the first release (config schema 1, test/fixtures/config-v1/README.md) still works:
 * its configs read in the current schema (readers and writers), seed groups and Compare see the migrated
 * configs, export -> import round-trips them, and its interrupted UFM gd run resumes and finishes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIG_SCHEMA_VERSION, parseRunConfig } from '../../src-main/api/schema/config';
import type { RunResult } from '../../src-main/api/schema/result';
import { Runner } from '../../src-main/runner/runner';
import { RunService } from '../../src-main/services/runs';
import { configHash, type Store } from '../../src-main/store';
import { openConnection } from '../../src-main/store/connection';
import { open, tmpDir } from '../store/helpers';

const FIXTURES = join(__dirname, '../fixtures/config-v1');
const fixtureConfig = (name: string): Record<string, unknown> =>
  parseRunConfig(JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'))) as unknown as Record<string, unknown>;

function fixtureDb(): string {
  const file = join(tmpDir(), 'release-v1.sqlite');
  writeFileSync(file, gunzipSync(readFileSync(join(FIXTURES, 'release-v1.sqlite.gz'))));
  return file;
}

let runner: Runner | null = null;
afterEach(async () => {
  await runner?.shutdown();
  runner = null;
});

function expectMigrated(store: Store): void {
  const gd = store.getRun(1).config;
  expect(gd['schemaVersion']).toBe(CONFIG_SCHEMA_VERSION);
  expect(gd['optimizer']).toEqual({ name: 'gd', lr: 0.05 });
  expect(store.getRun(2).config).toMatchObject({ lossForm: 'supcon-mean-positive-anchors', optimizer: { name: 'momentum', lr: 0.05, momentum: 0.9 } });
  expect(store.getRun(3).config).toMatchObject({
    lossForm: 'supcon-mean-positive-anchors',
    optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0.0005 },
  });
  expect(store.getRun(4).config['optimizer']).toEqual({ name: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-7, weightDecay: 0 });
  // the config inside the stored result says the same
  expect((store.getRun(1).result as RunResult).config).toEqual(gd);
}

describe('a database of the first release', () => {
  it('a reader shows its configs in the current schema before any writer has rewritten them', () => {
    const file = fixtureDb();
    // the file predates later table migrations: a reader says so and how to fix it
    expect(() => open(file, { readonly: true })).toThrow(/older than \d+; open it read-write once to migrate it/);
    // tables migrated (as any writer does first), the stored configs still as the first release wrote them
    openConnection(file).close();
    expectMigrated(open(file, { readonly: true }));
  });

  it('a writer rewrites the stored configs and hashes once: seed groups match new runs of the same experiment', () => {
    const store = open(fixtureDb());
    expectMigrated(store);
    expect(store.getRun(1).configHash).toBe(configHash(fixtureConfig('gd.json')));
    expect(store.getRun(5).configHash).toBe(configHash(fixtureConfig('long.json')));
    // the old mean form is not the new one: never one seed group by accident
    expect(store.getRun(2).configHash).not.toBe(configHash(fixtureConfig('supcon.json')));
    const groups = store.seedGroups({ kind: 'ufm' });
    expect(groups.find((g) => g.runIds.includes(1))!.runIds).toEqual([1]);
    // Compare reads the series of old runs side by side
    const series = store.getSeriesMany([1, 2], 'geom/deltaOF');
    expect(series.map((s) => s.points.length)).toEqual([4, 4]);
  });

  it('one meaning per metric key: old deep runs\' mean losses move to train/epochLossMean and train/lossMean, UFM keeps the sums', () => {
    const store = open(fixtureDb());
    expect(store.getSeries(3, 'train/epochLossMean', { buckets: 1000 }).points.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(store.getSeries(3, 'train/epochLoss', { buckets: 1000 }).points).toEqual([]);
    // the evaluation loss of the deep run was its epoch's mean: same values, under the mean's key
    const evalMean = store.getSeries(3, 'train/lossMean', { buckets: 1000 }).points;
    const epochMean = new Map(store.getSeries(3, 'train/epochLossMean', { buckets: 1000 }).points.map((p) => [p.step, p.value]));
    expect(evalMean.filter((p) => p.value !== null).length).toBeGreaterThan(0);
    for (const p of evalMean) if (p.value !== null) expect(p.value).toBe(epochMean.get(p.step));
    expect(store.getSeries(3, 'train/loss', { buckets: 1000 }).points).toEqual([]);
    expect(store.getSeries(1, 'train/loss', { buckets: 1000 }).points.length).toBeGreaterThan(0);
    expect(store.getRun(3).summaries['train/epochLossMean']!.n).toBe(4);
    expect(store.getRun(3).summaries['train/epochLoss']).toBeUndefined();
    expect(store.getSeries(1, 'train/epochLoss', { buckets: 1000 }).points).toHaveLength(300);
    // and the same for a bundle of the first release imported elsewhere
    const bundle = JSON.parse(JSON.stringify(store.exportRuns([3]))) as { runs: { config: Record<string, unknown>; scalars: Record<string, unknown> }[] };
    const run = bundle.runs[0]!;
    run.scalars['train/epochLoss'] = run.scalars['train/epochLossMean'];
    delete run.scalars['train/epochLossMean'];
    run.config = { ...run.config, optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9, weightDecay: 0.0005 }, lossForm: 'supcon-mean' };
    delete run.config['schemaVersion'];
    const target = open(join(tmpDir(), 'target.sqlite'));
    const [{ id }] = target.importRuns(bundle).imported as [{ id: number }];
    expect(target.getSeries(id, 'train/epochLossMean', { buckets: 1000 }).points).toHaveLength(4);
    expect(target.getRun(id).config['lossForm']).toBe('supcon-mean-positive-anchors');
  });

  it('export -> import into a new database keeps the migrated configs', () => {
    const store = open(fixtureDb());
    const bundle = store.exportRuns();
    expect(bundle.runs.map((r) => r.config['schemaVersion'])).toEqual(Array(5).fill(CONFIG_SCHEMA_VERSION));
    const target = open(join(tmpDir(), 'target.sqlite'));
    const report = target.importRuns(JSON.parse(JSON.stringify(bundle)));
    expect(report.imported).toHaveLength(5);
    expectMigrated(target);
  });

  it('importing a bundle exported by the first release migrates its configs on the way in', () => {
    const file = fixtureDb();
    openConnection(file).close(); // table migrations only
    const store = open(file, { readonly: true });
    const bundle = JSON.parse(JSON.stringify(store.exportRuns())) as { runs: { config: Record<string, unknown> }[] };
    // as the first release wrote it: version-1 configs
    bundle.runs[0]!.config = { ...bundle.runs[0]!.config, optimizer: { name: 'gd', lr: 0.05, momentum: 0.9 } };
    delete bundle.runs[0]!.config['schemaVersion'];
    const target = open(join(tmpDir(), 'target.sqlite'));
    target.importRuns(bundle);
    expect(target.listRuns({}).find((r) => r.name === 'fixture ufm gd')!.config['optimizer']).toEqual({ name: 'gd', lr: 0.05 });
  });

  it('its interrupted UFM gd run resumes from the checkpoint and finishes', async () => {
    const store = open(fixtureDb());
    runner = new Runner(store, { concurrency: 1 });
    const svc = new RunService(store, runner);
    expect(store.getRun(5).status).toBe('interrupted');
    expect(store.latestCheckpoint(5)!.step).toBe(250);
    svc.resume(5);
    await runner.onIdle();
    const run = store.getRun(5);
    expect(run.status, run.error ?? '').toBe('finished');
    const result = run.result as RunResult;
    expect(result.config).toMatchObject({ schemaVersion: CONFIG_SCHEMA_VERSION, optimizer: { name: 'gd', lr: 0.05 } });
    expect(result.history.map((h) => h.epoch)).toEqual([0, 250, 500, 750, 1000, 1250, 1500]);
    expect(result.final!.deltaOF).toBeLessThan(0.05);
  }, 120_000);

  it('its old-form run is still runnable, under its honest name', async () => {
    const store = open(fixtureDb());
    runner = new Runner(store, { concurrency: 1 });
    const svc = new RunService(store, runner);
    const id = svc.submit({ ...store.getRun(2).config, epochs: 20, evalEvery: 10 });
    await runner.onIdle();
    const run = store.getRun(id);
    expect(run.status, run.error ?? '').toBe('finished');
    expect(run.config['lossForm']).toBe('supcon-mean-positive-anchors');
  }, 120_000);
});

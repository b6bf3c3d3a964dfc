import * as fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src-main/api/schema/config';
import { EXPORT_FORMAT, StoreError, type Store } from '../../src-main/store';
import { freshStore, newRun, rng, tmpDir } from './helpers';

/** Real run configs in the current schema, as the app stores them (import validates every config). */
const current = (c: Record<string, unknown>) => parseRunConfig(c) as unknown as Record<string, unknown>;
const ufm = (relu: boolean, seed: number) => current({
  kind: 'ufm', classes: 3, dim: 6, imbalance: { profile: 'balanced', nMax: 4 }, relu, temperature: 1, lossForm: 'paper',
  batching: { strategy: 'full', binding: false, stepPer: 'epoch', dropLast: true }, optimizer: { name: 'gd', lr: 0.1 },
  epochs: 300, seed, evalEvery: 10,
});
const deepConfig = current({
  kind: 'deep', classes: 2, dim: 4, imbalance: { profile: 'balanced', nMax: 4 }, relu: true, temperature: 0.1, lossForm: 'supcon-mean',
  batching: { strategy: 'fixed', batchSize: 4, binding: false, stepPer: 'batch', dropLast: true }, epochs: 2, seed: 3, evalEvery: 1,
  dataset: { name: 'synthetic', shape: { kind: 'vector', dim: 8 }, radius: 3, noise: 1, testPerClass: 50 },
  model: { name: 'mlp', hidden: [16] }, loss: 'scl', views: 2, augment: true,
  optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 0 }, schedule: { name: 'none' },
});

function populate(store: Store): { ids: number[]; deleted: number } {
  const rand = rng(5);
  const sweep = store.createSweep('relu vs no relu', { grid: { 'loss.finalRelu': [true, false] } });
  const parent = newRun(store, { name: 'parent', sweepId: sweep, config: ufm(true, 1), seed: 1 });
  const child = newRun(store, { name: 'child "quoted", with comma', sweepId: sweep, resumedFrom: parent, seed: 2, config: ufm(true, 2) });
  const deep = newRun(store, { kind: 'deep', config: deepConfig, seed: 3 });
  const deleted = newRun(store, { name: 'in the trash', config: ufm(false, 1) });
  store.markStarted(parent, { backend: 'wasm', ownerPid: process.pid, env: { os: 'linux', cpus: 2 } });
  store.finishRun(parent, 'interrupted', { detail: 'interrupted: owner process 1 is no longer running' });
  store.markStarted(child, { backend: 'wasm', ownerPid: process.pid });
  store.finishRun(child, 'finished', { result: { nc1: 1e-4, angles: [95.2, 96.1] } });
  store.finishRun(deep, 'failed', { error: 'Error: out of memory\n  at train()' });
  store.addTag(child, 'paper');
  store.addTag(child, 'fig-3');
  store.setNotes(child, 'multi\nline, "notes"');
  store.deleteRun(deleted);
  const w = store.metricWriter();
  for (const id of [parent, child, deep, deleted]) {
    for (let step = 0; step < 300; step++) {
      w.write({ runId: id, key: 'train/loss', step, value: rand() < 0.05 ? Number.NaN : 1 / (step + 1) + rand() / 3 });
      if (step % 10 === 0) w.write({ runId: id, key: 'geom/nc1', step, value: step === 290 ? Number.NEGATIVE_INFINITY : rand() * 1e-3 });
    }
    for (const step of [0, 150, 299]) {
      w.snapshot({ runId: id, key: 'geom/gram', step, rows: 3, cols: 3, data: Array.from({ length: 9 }, () => rand() - 0.5) });
      w.snapshot({ runId: id, key: 'geom/class_norms', step, data: [rand(), rand(), Number.POSITIVE_INFINITY] });
    }
  }
  w.close();
  store.saveCheckpoint(child, 299, Buffer.from('weights'), { epoch: 3 });
  return { ids: [parent, child, deep], deleted };
}

function withoutExportTime(bundle: ReturnType<Store['exportRuns']>): unknown {
  return { ...bundle, exportedAt: 0 };
}

describe('export / import', () => {
  it('round-trips runs, metrics and snapshots exactly through JSON text into an empty database', () => {
    const src = freshStore();
    const { ids } = populate(src);
    const bundle = src.exportRuns();
    expect(bundle.format).toBe(EXPORT_FORMAT);
    expect(bundle.version).toBe(1);
    expect(bundle.runs.map((r) => r.name)).toEqual(['parent', 'child "quoted", with comma', null]); // trash left out
    const text = JSON.stringify(bundle);

    const dst = freshStore();
    const report = dst.importRuns(JSON.parse(text));
    expect(report.imported).toHaveLength(3);
    expect(report.skipped).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(withoutExportTime(dst.exportRuns())).toEqual(withoutExportTime(bundle));

    // and through the read API, value by value
    for (const srcId of ids) {
      const uuid = src.getRun(srcId).uuid;
      const dstRun = dst.getRunByUuid(uuid)!;
      // local ids differ; the owner pid and host are machine-local and not exported
      const { id: _a, resumedFrom: _b, sweepId: _c, ownerPid: _g, ownerHost: _h, ...srcRest } = src.getRun(srcId);
      const { id: _d, resumedFrom: _e, sweepId: _f, ownerPid, ownerHost, ...dstRest } = dstRun;
      expect(dstRest).toEqual(srcRest);
      expect(ownerPid).toBeNull();
      expect(ownerHost).toBeNull();
      for (const key of ['train/loss', 'geom/nc1']) {
        expect(dst.getSeries(dstRun.id, key, { buckets: 10_000 }).points).toEqual(src.getSeries(srcId, key, { buckets: 10_000 }).points);
      }
      const a = src.getSnapshots(srcId, 'geom/gram');
      const b = dst.getSnapshots(dstRun.id, 'geom/gram');
      expect(b.map((s) => Array.from(s.data))).toEqual(a.map((s) => Array.from(s.data)));
    }
    const child = dst.getRunByUuid(src.getRun(ids[1]!).uuid)!;
    expect(dst.getRun(child.resumedFrom!).name).toBe('parent');
    expect(dst.getSweep(child.sweepId!).name).toBe('relu vs no relu');
    expect(dst.check().integrity).toBe('ok');
  });

  it('skips (or refuses) runs whose uuid is already there', () => {
    const src = freshStore();
    populate(src);
    const bundle = src.exportRuns();
    const dst = freshStore();
    dst.importRuns(bundle);
    const before = dst.check().counts;
    const again = dst.importRuns(bundle);
    expect(again.imported).toEqual([]);
    expect(again.skipped.map((s) => s.uuid)).toEqual(bundle.runs.map((r) => r.uuid));
    expect(dst.check().counts).toEqual(before);
    expect(() => dst.importRuns(bundle, { onDuplicate: 'error' })).toThrow(/already exists/);
    expect(dst.check().counts).toEqual(before);
    expect(dst.listSweeps()).toHaveLength(1); // sweeps matched by uuid too
  });

  it('validates with errors naming the field, and changes nothing', () => {
    const src = freshStore();
    const { ids } = populate(src);
    const good = src.exportRuns([ids[1]!]);
    const dst = freshStore();
    const expectInvalid = (mutate: (b: any) => void, pattern: RegExp): void => {
      const bad = JSON.parse(JSON.stringify(good));
      mutate(bad);
      let err: unknown;
      try {
        dst.importRuns(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).message).toMatch(pattern);
      expect(dst.check().counts).toEqual({ runs: 0, scalars: 0, snapshots: 0, checkpoints: 0, sweeps: 0 });
    };
    expectInvalid((b) => (b.runs[0].scalars['train/loss'].values[3] = 'oops'), /runs\[0\]\.scalars\["train\/loss"\]\.values\[3\]/);
    expectInvalid((b) => (b.runs[0].kind = 'cnn'), /runs\[0\]\.kind/);
    expectInvalid((b) => delete b.runs[0].seed, /runs\[0\]\.seed/);
    expectInvalid((b) => (b.runs[0].snapshots[0].data = 'AAAA'), /runs\[0\]\.snapshots\[0\]\.data: expected 1 x 3 Float64 values/);
    expectInvalid((b) => b.runs[0].scalars['geom/nc1'].steps.pop(), /same length/);
    expectInvalid((b) => (b.format = 'mlflow'), /^invalid import file: format/);
    expectInvalid((b) => b.runs.push(b.runs[0]), /appears twice/);
    expect(() => dst.importRuns('not json at all')).toThrow(/invalid import file: \(root\)/);
  });

  it('exports chosen runs, including a deleted one when asked by id', () => {
    const src = freshStore();
    const { deleted } = populate(src);
    expect(src.exportRuns([deleted]).runs.map((r) => r.name)).toEqual(['in the trash']);
    expect(() => src.exportRuns([999])).toThrow(/run 999 does not exist/);
  });
});

describe('CSV export', () => {
  it('writes runs.csv (config leaves + final summaries) and long-format metrics.csv', () => {
    const store = freshStore();
    const { ids } = populate(store);
    const dir = tmpDir();
    const files = store.writeCsvFiles(dir);
    const runs = parse(fs.readFileSync(files.runs, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(runs).toHaveLength(3);
    const child = runs.find((r) => r['run_id'] === String(ids[1]))!;
    expect(child['run_name']).toBe('child "quoted", with comma');
    expect(child['tags']).toBe('fig-3;paper');
    expect(child['config.relu']).toBe('true');
    expect(child['config.optimizer.lr']).toBe('0.1');
    expect(child['config.model.name']).toBe('');
    const summary = store.getRun(ids[1]!).summaries['train/loss']!;
    expect(Number(child['train/loss.last'])).toBe(summary.last);
    expect(child['geom/nc1.last']).toBe('-Infinity');
    expect(Number(child['train/loss.min'])).toBe(summary.min);

    const metrics = parse(fs.readFileSync(files.metrics, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(Object.keys(metrics[0]!)).toEqual(['run_uuid', 'run_name', 'key', 'step', 'value']);
    expect(metrics).toHaveLength(3 * (300 + 30));
    const uuid = store.getRun(ids[1]!).uuid;
    const loss = metrics.filter((m) => m['run_uuid'] === uuid && m['key'] === 'train/loss');
    const series = store.getSeries(ids[1]!, 'train/loss', { buckets: 10_000 }).points;
    expect(loss.map((m) => [Number(m['step']), Number(m['value'])])).toEqual(series.map((p) => [p.step, p.value]));
    expect(loss.some((m) => m['value'] === 'NaN')).toBe(true);
    expect(store.metricsCsv([ids[0]!]).split('\n').filter((l) => l !== '')).toHaveLength(1 + 330);
  });
});

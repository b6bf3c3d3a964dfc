import { describe, expect, it } from 'vitest';
import { configHash, StoreError } from '../../src-main/store';
import { freshStore, newRun, open } from './helpers';

describe('run lifecycle', () => {
  it('creates a queued run with canonical config, hash and metadata', () => {
    const store = freshStore();
    const id = newRun(store, { config: { z: 1, a: { y: 2, b: [3, { d: 4, c: 5 }] } }, seed: 7, name: 'first' });
    const run = store.getRun(id);
    expect(run).toMatchObject({ id, name: 'first', kind: 'ufm', status: 'queued', seed: 7, appVersion: '0.1.0-test' });
    expect(run.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.config).toEqual({ a: { b: [3, { c: 5, d: 4 }], y: 2 }, z: 1 });
    expect(run.configHash).toBe(configHash({ z: 1, a: { y: 2, b: [3, { d: 4, c: 5 }] } }));
    expect(run.startedAt).toBeNull();
    expect(run.tags).toEqual([]);
    expect(run.summaries).toEqual({});
  });

  it('walks queued -> running -> finished and records start info, heartbeat and result', () => {
    const store = freshStore();
    const id = newRun(store);
    store.markStarted(id, { backend: 'tfjs-node', ownerPid: process.pid, env: { node: process.version } });
    let run = store.getRun(id);
    expect(run).toMatchObject({ status: 'running', backend: 'tfjs-node', ownerPid: process.pid, env: { node: process.version } });
    expect(run.startedAt).not.toBeNull();
    store.heartbeat(id, 41);
    expect(store.getRun(id).lastStep).toBe(41);
    store.finishRun(id, 'finished', { result: { nc1: 0.01, accuracy: 0.97 } });
    run = store.getRun(id);
    expect(run.status).toBe('finished');
    expect(run.result).toEqual({ accuracy: 0.97, nc1: 0.01 });
    expect(run.finishedAt).not.toBeNull();
    expect(() => store.finishRun(id, 'failed', { error: 'late' })).toThrow(/run \d+ already ended as finished/);
    expect(() => store.markStarted(id, { backend: 'cpu', ownerPid: 1 })).toThrow(/only a queued run can start/);
  });

  it('records failures with their error text', () => {
    const store = freshStore();
    const id = newRun(store, { status: 'running' });
    store.finishRun(id, 'failed', { error: 'RangeError: loss became NaN' });
    expect(store.getRun(id)).toMatchObject({ status: 'failed', error: 'RangeError: loss became NaN' });
  });

  it('names the run id / field in its errors', () => {
    const store = freshStore();
    let err: unknown;
    try {
      store.getRun(42);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).message).toMatch(/^run 42 does not exist/);
    expect((err as StoreError).code).toBe('NOT_FOUND');
    expect(() => store.heartbeat(42, 1)).toThrow(/run 42 does not exist/);
    expect(() => store.setNotes(42, 'x')).toThrow(/run 42 does not exist/);
    expect(() => newRun(store, { kind: 'cnn' as never })).toThrow(/kind: expected one of ufm, deep, embeddings/);
    expect(() => newRun(store, { seed: 1.5 })).toThrow(/seed: expected an integer/);
    expect(() => newRun(store, { config: { lr: Number.NaN } })).toThrow(/config\.lr: NaN is not a finite number/);
    expect(() => newRun(store, { sweepId: 9 })).toThrow(/sweepId: sweep 9 does not exist/);
    expect(() => newRun(store, { resumedFrom: 77 })).toThrow(/run 77 does not exist/);
    expect(() => store.addTag(newRun(store), '  ')).toThrow(/tag: expected 1 to 64 characters/);
  });

  it('keeps lineage and sweep membership', () => {
    const store = freshStore();
    const sweepId = store.createSweep('tau sweep', { grid: { 'loss.tau': [0.05, 0.1] } });
    const parent = newRun(store, { sweepId });
    const child = newRun(store, { resumedFrom: parent, sweepId });
    expect(store.getRun(child)).toMatchObject({ resumedFrom: parent, sweepId });
    expect(store.listSweeps()).toEqual([
      expect.objectContaining({ id: sweepId, name: 'tau sweep', spec: { grid: { 'loss.tau': [0.05, 0.1] } } }),
    ]);
  });
});

describe('cancel requests and requeue', () => {
  it('passes a cancel request from another connection to the owner through its heartbeat', () => {
    const file = freshStore().file;
    const owner = open(file);
    const cli = open(file);
    const id = newRun(owner);
    owner.markStarted(id, { backend: 'cpu', ownerPid: process.pid });
    expect(owner.heartbeat(id, 1)).toEqual({ cancelRequested: false });
    cli.requestCancel(id);
    expect(owner.heartbeat(id, 2)).toEqual({ cancelRequested: true });
    expect(owner.cancelRequested(id)).toBe(true);
    owner.finishRun(id, 'cancelled');
    expect(() => cli.requestCancel(id)).toThrow(/run \d+ is cancelled; only a queued or running run can be cancelled/);
  });

  it('requeues an interrupted, cancelled or failed run in place, and nothing else', () => {
    const store = freshStore();
    const id = newRun(store);
    store.markStarted(id, { backend: 'cpu', ownerPid: process.pid });
    store.requestCancel(id);
    store.finishRun(id, 'failed', { error: 'worker crashed' });
    store.requeue(id);
    const run = store.getRun(id);
    expect(run).toMatchObject({ status: 'queued', error: null, finishedAt: null, ownerPid: null, cancelRequestedAt: null });
    expect(run.statusDetail).toBe('requeued after it was failed');
    expect(run.startedAt).not.toBeNull();
    expect(() => store.requeue(id)).toThrow(/run \d+ is queued; only an interrupted, cancelled or failed run can be requeued/);
    store.markStarted(id, { backend: 'cpu', ownerPid: process.pid });
    expect(store.getRun(id).status).toBe('running');
  });
});

describe('notes, tags and soft delete', () => {
  it('sets notes and adds / removes tags idempotently', () => {
    const store = freshStore();
    const id = newRun(store);
    store.setNotes(id, 'ReLU collapses minority classes?');
    store.addTag(id, 'relu');
    store.addTag(id, 'relu');
    store.addTag(id, ' imbalance ');
    expect(store.getRun(id)).toMatchObject({ notes: 'ReLU collapses minority classes?', tags: ['imbalance', 'relu'] });
    expect(store.removeTag(id, 'relu')).toBe(true);
    expect(store.removeTag(id, 'relu')).toBe(false);
    expect(store.getRun(id).tags).toEqual(['imbalance']);
    store.setNotes(id, null);
    expect(store.getRun(id).notes).toBeNull();
  });

  it('hides soft-deleted runs from lists but keeps them readable', () => {
    const store = freshStore();
    const a = newRun(store);
    const b = newRun(store);
    store.deleteRun(a);
    expect(store.listRuns().map((r) => r.id)).toEqual([b]);
    expect(store.listRuns({ includeDeleted: true }).map((r) => r.id).sort()).toEqual([a, b]);
    expect(store.getRun(a).deletedAt).not.toBeNull();
    store.restoreRun(a);
    expect(store.countRuns()).toBe(2);
  });
});

describe('listRuns', () => {
  function populate() {
    const store = freshStore();
    const sweep = store.createSweep('s', { n: 2 });
    const ids = {
      queued: newRun(store, { name: 'alpha queued', config: { lr: 0.1 } }),
      running: newRun(store, { name: 'beta running', config: { lr: 0.2 }, sweepId: sweep, status: 'running' }),
      done: newRun(store, { name: 'gamma done', kind: 'deep', config: { lr: 0.3, arch: 'resnet18' }, sweepId: sweep }),
      failed: newRun(store, { name: 'delta_failed 100%', config: { lr: 0.4 } }),
    };
    store.finishRun(ids.done, 'finished');
    store.finishRun(ids.failed, 'failed', { error: 'boom' });
    store.addTag(ids.done, 'paper');
    store.addTag(ids.failed, 'paper');
    store.setNotes(ids.queued, 'check the ETF angle');
    const w = store.metricWriter();
    w.write({ runId: ids.done, key: 'geom/nc1', step: 0, value: 0.5 });
    w.write({ runId: ids.done, key: 'geom/nc1', step: 1, value: 0.25 });
    w.close();
    return { store, sweep, ids };
  }

  it('filters by status, tag, text, sweep, kind, config hash and ids', () => {
    const { store, sweep, ids } = populate();
    const idsOf = (q: Parameters<typeof store.listRuns>[0]) => store.listRuns(q).map((r) => r.id).sort((a, b) => a - b);
    expect(idsOf({ status: 'finished' })).toEqual([ids.done]);
    expect(idsOf({ status: ['queued', 'running'] })).toEqual([ids.queued, ids.running]);
    expect(idsOf({ tag: 'paper' })).toEqual([ids.done, ids.failed]);
    expect(idsOf({ tag: 'nope' })).toEqual([]);
    expect(idsOf({ text: 'GAMMA' })).toEqual([ids.done]); // case-insensitive name
    expect(idsOf({ text: 'ETF angle' })).toEqual([ids.queued]); // notes
    expect(idsOf({ text: 'resnet18' })).toEqual([ids.done]); // config JSON
    expect(idsOf({ text: '_failed 100%' })).toEqual([ids.failed]); // LIKE wildcards are literal
    expect(idsOf({ text: '0%' })).toEqual([ids.failed]);
    expect(idsOf({ sweepId: sweep })).toEqual([ids.running, ids.done]);
    expect(idsOf({ kind: 'deep' })).toEqual([ids.done]);
    expect(idsOf({ configHash: store.getRun(ids.failed).configHash })).toEqual([ids.failed]);
    expect(idsOf({ status: 'finished', tag: 'paper' })).toEqual([ids.done]);
    expect(idsOf({ ids: [ids.failed, ids.queued, 999_999] })).toEqual([ids.queued, ids.failed]); // unknown ids are absent
    expect(idsOf({ ids: [] })).toEqual([]);
    expect(idsOf({ ids: [ids.queued, ids.done, ids.failed], tag: 'paper' })).toEqual([ids.done, ids.failed]);
    expect(store.countRuns({ ids: [ids.queued, ids.done] })).toBe(2);
    expect(() => store.listRuns({ ids: [1.5] })).toThrow(/ids: expected integers/);
    expect(store.countRuns({ tag: 'paper' })).toBe(2);
    expect(() => store.listRuns({ status: 'done' as never })).toThrow(/status: expected one of/);
  });

  it('filters by 40,000 ids in one query (no bound-variable limit), soft-deleted runs excluded', () => {
    const { store, ids } = populate();
    const many = [...Array.from({ length: 40_000 }, (_, i) => 100_000 + i), ids.running, ids.done];
    expect(store.listRuns({ ids: many, orderBy: 'id', descending: false }).map((r) => r.id)).toEqual([ids.running, ids.done]);
    store.deleteRun(ids.done);
    expect(store.listRuns({ ids: many }).map((r) => r.id)).toEqual([ids.running]);
  });

  it('orders, pages and carries tags and latest summaries', () => {
    const { store, ids } = populate();
    const byName = store.listRuns({ orderBy: 'name', descending: false });
    expect(byName.map((r) => r.name)).toEqual(['alpha queued', 'beta running', 'delta_failed 100%', 'gamma done']);
    const page = store.listRuns({ orderBy: 'id', descending: false, limit: 2, offset: 1 });
    expect(page.map((r) => r.id)).toEqual([ids.running, ids.done]);
    const done = store.listRuns({ status: 'finished' })[0]!;
    expect(done.tags).toEqual(['paper']);
    expect(done.summaries['geom/nc1']).toEqual({
      lastStep: 1, last: 0.25, min: 0.25, minStep: 1, max: 0.5, maxStep: 0, n: 2, nNonFinite: 0,
    });
  });
});

describe('seed groups', () => {
  it('groups runs whose configs differ only by seed or name', () => {
    const store = freshStore();
    const cfg = { lr: 0.01, loss: { tau: 0.1, finalRelu: true }, imbalance: { ratio: 10 } };
    const a = newRun(store, { config: { ...cfg, seed: 1, name: 'a' }, seed: 1 });
    const b = newRun(store, { config: { ...cfg, seed: 2, name: 'b' }, seed: 2 });
    const c = newRun(store, { config: { imbalance: { ratio: 10 }, loss: { finalRelu: true, tau: 0.1 }, lr: 0.01 }, seed: 3 });
    const other = newRun(store, { config: { ...cfg, loss: { tau: 0.1, finalRelu: false } }, seed: 1 });
    const hashes = [a, b, c].map((id) => store.getRun(id).configHash);
    expect(new Set(hashes).size).toBe(1);
    expect(store.getRun(other).configHash).not.toBe(hashes[0]);
    expect(store.seedGroups()).toEqual([
      { configHash: hashes[0], kind: 'ufm', runIds: [a, b, c], seeds: [1, 2, 3] },
      { configHash: store.getRun(other).configHash, kind: 'ufm', runIds: [other], seeds: [1] },
    ]);
    expect(() => newRun(store, { config: { ...cfg, seed: 5 }, seed: 6 })).toThrow(/seed: 6 differs from config.seed 5/);
  });
});

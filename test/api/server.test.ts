import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiErrorSchema, methods, METHOD_NAMES } from '../../src-main/api/contract';
import { ApiError } from '../../src-main/api/errors';
import { createEventHub, type EventHub } from '../../src-main/api/events';
import { createApi, type Api } from '../../src-main/api/server';
import { Runner } from '../../src-main/runner/runner';
import { RunService } from '../../src-main/services/runs';
import { openStore, type Store } from '../../src-main/store';
import { recorder, removeTempDirs, smallUfm, tempDir, terminal } from './helpers';

let store: Store;
let runner: Runner;
let api: Api;
let hub: EventHub;
let events: ReturnType<typeof recorder>;
let runId: number;

/** The ApiError a call rejects with (its wire shape checked against the contract). */
async function failure(method: string, input: unknown): Promise<ApiError> {
  try {
    await api.call(method, input);
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect(apiErrorSchema.safeParse((e as ApiError).toJSON()).success).toBe(true);
    return e as ApiError;
  }
  throw new Error(`${method} did not fail`);
}

beforeAll(async () => {
  const dir = tempDir();
  store = openStore(join(dir, 'runs.sqlite'));
  runner = new Runner(store, { concurrency: 1 });
  api = createApi({ service: new RunService(store, runner), dbPath: store.file, mode: 'serve' });
  hub = createEventHub(runner);
  events = recorder(hub);
  runId = ((await api.call('runs.create', { config: smallUfm, name: 'small' })) as { id: number }).id;
  const done = await events.until(terminal(runId));
  expect(done.payload.status).toBe('finished');
});

afterAll(async () => {
  hub?.close();
  await runner?.shutdown();
  store?.close();
  removeTempDirs();
});

describe('the API over a finished UFM run', () => {
  it('lists every contract method', () => {
    expect(api.methods.sort()).toEqual([...METHOD_NAMES].sort());
  });

  it('app.info', async () => {
    const info = (await api.call('app.info', {})) as { dbPath: string; mode: string; cores: number };
    expect(info.dbPath).toBe(store.file);
    expect(info.mode).toBe('serve');
    expect(info.cores).toBeGreaterThan(0);
  });

  it('pushed status, progress and eval events for the run', () => {
    const mine = events.seen.filter((e) => e.payload.runId === runId);
    const statuses = mine.filter((e) => e.event === 'run.status').map((e) => e.payload.status);
    expect(statuses[0]).toBe('running');
    expect(statuses.at(-1)).toBe('finished');
    const progress = mine.filter((e) => e.event === 'run.progress');
    expect(progress.length).toBeGreaterThan(0);
    // throttled: at most 4 per second per run (a little slack for timer jitter)
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.at - progress[i - 1]!.at).toBeGreaterThanOrEqual(240);
    // the last progress is sent before the final status
    const lastProgress = mine.lastIndexOf(progress.at(-1)!);
    expect(lastProgress).toBeLessThan(mine.findIndex((e) => e.event === 'run.status' && e.payload.status === 'finished'));
    expect(progress.at(-1)!.payload.epoch).toBe(200);
    expect(mine.filter((e) => e.event === 'run.eval').length).toBeGreaterThanOrEqual(4);
    const flushed = events.seen.filter((e) => e.event === 'metrics.flushed');
    const keys = new Set(flushed.flatMap((e) => (e.payload.updates as { keys: string[] }[]).flatMap((u) => u.keys)));
    expect(keys.has('train/epochLoss')).toBe(true);
    expect(keys.has('cosine')).toBe(true); // snapshot keys without the snap/ prefix
  });

  it('runs.get returns the run with its result', async () => {
    const r = (await api.call('runs.get', { id: runId })) as { status: string; name: string; result: { final: { classCounts: number[] } }; tags: string[] };
    expect(r.status).toBe('finished');
    expect(r.name).toBe('small');
    expect(r.result.final.classCounts).toEqual([4, 4, 4]);
    expect(methods['runs.get'].output.safeParse(r).success).toBe(true);
  });

  it('runs.series: every point, or min/max/last buckets with the decimation flag', async () => {
    const full = (await api.call('runs.series', { runIds: [runId], key: 'train/epochLoss' })) as {
      series: { points: { step: number; value: number; min: number; max: number }[]; total: number; decimated: boolean }[];
    };
    const s = full.series[0]!;
    expect(s.decimated).toBe(false);
    expect(s.total).toBe(s.points.length);
    expect(s.points.length).toBeGreaterThanOrEqual(200);
    expect(s.points.at(-1)!.step).toBe(200);

    const dec = (await api.call('runs.series', { runIds: [runId], key: 'train/epochLoss', buckets: 10 })) as typeof full;
    const d = dec.series[0]!;
    expect(d.decimated).toBe(true);
    expect(d.total).toBe(s.total);
    expect(d.points.length).toBeLessThanOrEqual(12);
    for (const p of d.points) expect(p.min).toBeLessThanOrEqual(p.max);
    expect(d.points.at(-1)!.value).toBe(s.points.at(-1)!.value);

    const zoom = (await api.call('runs.series', { runIds: [runId], key: 'train/epochLoss', x0: 10, x1: 19 })) as typeof full;
    expect(zoom.series[0]!.points.map((p) => p.step)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);

    const none = (await api.call('runs.series', { runIds: [runId], key: 'no/such' })) as typeof full;
    expect(none.series[0]!.points).toEqual([]);

    // a wall-time x axis: with wall, every point says when it was written (non-decreasing along the run)
    expect(s.points.every((p) => !('wallMs' in p))).toBe(true);
    const timed = (await api.call('runs.series', { runIds: [runId], key: 'train/epochLoss', wall: true })) as {
      series: { points: { step: number; wallMs: number }[] }[];
    };
    const walls = timed.series[0]!.points.map((p) => p.wallMs);
    expect(walls).toHaveLength(s.points.length);
    const created = (await api.call('runs.get', { id: runId })) as { createdAt: number };
    expect(walls[0]!).toBeGreaterThanOrEqual(created.createdAt);
    for (let i = 1; i < walls.length; i++) expect(walls[i]!).toBeGreaterThanOrEqual(walls[i - 1]!);
    expect(methods['runs.series'].input.safeParse({ runIds: [runId], key: 'x', wall: 'yes' }).success).toBe(false);
  });

  it('runs.snapshotSteps / runs.snapshot: a k x k cosine matrix, keys without the snap/ prefix', async () => {
    const { steps } = (await api.call('runs.snapshotSteps', { id: runId, key: 'cosine' })) as { steps: number[] };
    expect(steps).toContain(200);
    const snap = (await api.call('runs.snapshot', { id: runId, key: 'cosine', step: 200 })) as { key: string; rows: number; cols: number; data: number[] };
    expect(snap.key).toBe('cosine');
    expect([snap.rows, snap.cols]).toEqual([3, 3]);
    expect(snap.data).toHaveLength(9);
    for (let i = 0; i < 3; i++) expect(snap.data[i * 3 + i]).toBeCloseTo(1, 6);
    const counts = (await api.call('runs.snapshot', { id: runId, key: 'classCounts', step: 200 })) as { data: number[] };
    expect(counts.data).toEqual([4, 4, 4]);
    expect(await api.call('runs.snapshot', { id: runId, key: 'cosine', step: 7 })).toBeNull();
  });

  it('runs.list, runs.metricKeys, runs.history, runs.seedGroups', async () => {
    const list = (await api.call('runs.list', {})) as { runs: { id: number; summaries: Record<string, { last: number }> }[]; total: number };
    expect(list.total).toBe(1);
    expect(list.runs[0]!.id).toBe(runId);
    expect(list.runs[0]!.summaries['geom/deltaOF']).toBeDefined();
    expect(((await api.call('runs.list', { status: 'failed' })) as typeof list).total).toBe(0);
    // only the named runs (unknown ids are absent): the Compare page reads its selection in one call
    const some = (await api.call('runs.list', { ids: [runId, 999_999] })) as typeof list;
    expect([some.total, some.runs.map((r) => r.id)]).toEqual([1, [runId]]);
    expect(((await api.call('runs.list', { ids: [] })) as typeof list).total).toBe(0);
    expect((await failure('runs.list', { ids: [0] })).issues?.[0]?.field).toBe('ids.0');
    const { keys } = (await api.call('runs.metricKeys', { id: runId })) as { keys: string[] };
    expect(keys).toEqual(expect.arrayContaining(['train/loss', 'train/epochLoss', 'geom/deltaOF']));
    expect(keys.some((k) => k.startsWith('snap/'))).toBe(false);
    const { history } = (await api.call('runs.history', { id: runId })) as { history: { epoch: number }[] };
    expect(history.map((h) => h.epoch)).toEqual(expect.arrayContaining([50, 100, 150, 200]));
    const { groups } = (await api.call('runs.seedGroups', {})) as { groups: { runIds: number[] }[] };
    expect(groups).toEqual([expect.objectContaining({ runIds: [runId], seeds: [0] })]);
  });

  it('tags, notes and export', async () => {
    expect(await api.call('runs.addTag', { id: runId, tag: 'baseline' })).toEqual({ tags: ['baseline'] });
    expect(await api.call('runs.setNotes', { id: runId, notes: 'first try' })).toEqual({ ok: true });
    expect(((await api.call('runs.list', { tag: 'baseline' })) as { total: number }).total).toBe(1);
    expect(await api.call('runs.removeTag', { id: runId, tag: 'baseline' })).toEqual({ tags: [] });
    const json = (await api.call('runs.export', { ids: [runId], format: 'json' })) as { filename: string; mime: string; content: string };
    expect(json.mime).toBe('application/json');
    expect(JSON.parse(json.content).runs).toHaveLength(1);
    const csv = (await api.call('runs.export', { format: 'metrics-csv' })) as { content: string; mime: string };
    expect(csv.mime).toBe('text/csv');
    expect(csv.content.split('\n').length).toBeGreaterThan(200);
  });
});

describe('validation and errors', () => {
  it('runs.validate: issues for a bad config, counts and analysis for a good one', async () => {
    const bad = (await api.call('runs.validate', { config: { ...smallUfm, temperature: -1, batching: { strategy: 'fixed' } } })) as {
      ok: boolean; issues: { field: string }[]; counts: number[] | null; analysis: unknown;
    };
    expect(bad.ok).toBe(false);
    expect(bad.issues.map((i) => i.field)).toContain('temperature');
    expect(bad.counts).toEqual([4, 4, 4]);
    expect(bad.analysis).toBeNull();
    const good = (await api.call('runs.validate', { config: smallUfm, epochs: 2 })) as typeof bad & { analysis: { union: { epochs: number; ofUnique: boolean } } };
    expect(good.ok).toBe(true);
    expect(good.issues).toEqual([]);
    expect(good.counts).toEqual([4, 4, 4]);
    expect(good.analysis.union.epochs).toBe(2);
    expect(good.analysis.union.ofUnique).toBe(true);
  });

  it('INVALID_INPUT names each field by its dotted path', async () => {
    let e = await failure('runs.get', { id: 'x' });
    expect(e.code).toBe('INVALID_INPUT');
    expect(e.issues!.map((i) => i.field)).toEqual(['id']);
    e = await failure('runs.delete', { ids: [1, -2, 3.5] });
    expect(e.issues!.map((i) => i.field)).toEqual(['ids.1', 'ids.2']);
    e = await failure('runs.list', { limit: 0, colour: 'red' });
    expect(e.issues!.map((i) => i.field).sort()).toEqual(['colour', 'limit']);
    e = await failure('runs.series', { runIds: [], key: 'train/loss', buckets: 5 });
    expect(e.issues!.map((i) => i.field).sort()).toEqual(['buckets', 'runIds']);
    e = await failure('runs.get', null);
    expect(e.code).toBe('INVALID_INPUT');
  });

  it('INVALID_CONFIG carries the config field names, and nothing is stored', async () => {
    const before = store.countRuns();
    const e = await failure('runs.create', { config: { ...smallUfm, batching: { strategy: 'fixed' }, optimizer: { name: 'sgd', lr: 1 } } });
    expect(e.code).toBe('INVALID_CONFIG');
    expect(e.issues!.map((i) => i.field)).toContain('optimizer.name');
    const e2 = await failure('runs.create', { config: { ...smallUfm, batching: { strategy: 'fixed' } } });
    expect(e2.issues!.map((i) => i.field)).toEqual(['batching.batchSize']);
    const e3 = await failure('sweeps.create', { spec: { base: smallUfm, grid: { temperature: [1, -1] } } });
    expect(e3.code).toBe('INVALID_CONFIG');
    expect(e3.issues![0]!.field).toBe('base.temperature');
    expect(store.countRuns()).toBe(before);
  });

  it('NOT_FOUND, STATE and UNKNOWN_METHOD', async () => {
    for (const [m, input] of [
      ['runs.get', { id: 9999 }],
      ['runs.series', { runIds: [runId, 9999], key: 'train/loss' }],
      ['runs.snapshot', { id: 9999, key: 'cosine', step: 0 }],
      ['runs.addTag', { id: 9999, tag: 'x' }],
      ['runs.delete', { ids: [runId, 9999] }],
    ] as const) {
      expect((await failure(m, input)).code).toBe('NOT_FOUND');
    }
    expect(((await api.call('runs.get', { id: runId })) as { id: number }).id).toBe(runId); // the failed delete changed nothing
    expect((await failure('runs.resume', { id: runId })).code).toBe('STATE');
    expect((await failure('runs.cancel', { id: runId })).code).toBe('STATE');
    const u = await failure('runs.explode', {});
    expect(u.code).toBe('UNKNOWN_METHOD');
    expect((await failure('toString', {})).code).toBe('UNKNOWN_METHOD');
  });

  it('a sweep and a delete', async () => {
    const { sweepId, runIds } = (await api.call('sweeps.create', {
      spec: { name: 'tiny', base: { ...smallUfm, epochs: 20, evalEvery: 10 }, grid: { relu: [true, false] } },
    })) as { sweepId: number; runIds: number[] };
    expect(runIds).toHaveLength(2);
    for (const id of runIds) await events.until(terminal(id));
    const { sweeps } = (await api.call('sweeps.list', {})) as { sweeps: { id: number; name: string }[] };
    expect(sweeps).toEqual([expect.objectContaining({ id: sweepId, name: 'tiny' })]);
    expect(((await api.call('runs.list', { sweepId })) as { total: number }).total).toBe(2);
    expect(await api.call('runs.delete', { ids: runIds })).toEqual({ deleted: 2 });
    expect(((await api.call('runs.list', { sweepId })) as { total: number }).total).toBe(0);
  });
});

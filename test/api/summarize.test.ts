import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, httpStatus } from '../../src-main/api/errors';
import { createEventHub, type EventHub } from '../../src-main/api/events';
import type { SummarizeOutput } from '../../src-main/api/schema/summarize';
import { createApi, type Api } from '../../src-main/api/server';
import { Runner } from '../../src-main/runner/runner';
import { RunService } from '../../src-main/services/runs';
import { openStore, type Store } from '../../src-main/store';
import { claimSweepSpec } from '../support/claim-sweep';
import { recorder, removeTempDirs, tempDir, terminal } from './helpers';

/** runs.summarize over a real 2 x 2 x 2-seed sweep: ratio x binding, seeds 0 and 1. */

let store: Store;
let runner: Runner;
let api: Api;
let hub: EventHub;
let sweepId: number;
let runIds: number[];


/** A deep run's row (queued, never run): enough to mix kinds in a run set. */
let deep: number | undefined;
function deepId(): number {
  deep ??= store.createRun({ kind: 'deep', config: { kind: 'deep', classes: 4 }, seed: 0, appVersion: 'test' });
  return deep;
}

async function failure(input: unknown): Promise<ApiError> {
  try {
    await api.call('runs.summarize', input);
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('runs.summarize did not fail');
}

const summarize = (input: Record<string, unknown>) => api.call('runs.summarize', { sweepId, ...input }) as Promise<SummarizeOutput>;

beforeAll(async () => {
  store = openStore(join(tempDir(), 'runs.sqlite'));
  runner = new Runner(store, { concurrency: 2 });
  api = createApi({ service: new RunService(store, runner), dbPath: store.file, mode: 'serve' });
  hub = createEventHub(runner);
  const events = recorder(hub);
  const r = (await api.call('sweeps.create', {
    spec: claimSweepSpec({
      name: 'claim-api',
      grid: { 'imbalance.ratio': [1, 10], 'batching.binding': [false, true] },
      seeds: [0, 1],
      batching: { strategy: 'fixed', batchSize: 4, binding: false },
      epochs: 20,
      evalEvery: 5,
    }),
  })) as { sweepId: number; runIds: number[] };
  sweepId = r.sweepId;
  runIds = r.runIds;
  for (const id of runIds) expect((await events.until(terminal(id), 120_000)).payload.status).toBe('finished');
}, 180_000);

afterAll(async () => {
  hub?.close();
  await runner?.shutdown();
  store?.close();
  removeTempDirs();
});

describe('runs.summarize', () => {
  it("pivots a sweep: one cell per (ratio, binding), each seed's final Delta_OF as stored, and the median", async () => {
    const out = await summarize({ x: 'imbalance.ratio', by: 'batching.binding', metric: 'deltaOF' });
    expect(out.runs).toBe(8);
    expect(out.cells.map((c) => [c.x, c.by, c.n])).toEqual([
      [1, false, 2],
      [10, false, 2],
      [1, true, 2],
      [10, true, 2],
    ]);
    expect(out.x.kind).toBe('log'); // a ratio
    for (const c of out.cells) {
      expect(c.seeds).toEqual([0, 1]);
      const finals = await Promise.all(c.runIds.map(async (id) => ((await api.call('runs.get', { id })) as { result: { final: { deltaOF: number } } }).result.final.deltaOF));
      expect(c.values).toEqual(finals);
      expect(c.median).toBeCloseTo((finals[0]! + finals[1]!) / 2, 12);
      expect(c.min).toBe(Math.min(...finals));
      expect(c.std).toBeCloseTo(Math.abs(finals[0]! - finals[1]!) / Math.SQRT2, 12);
    }
    expect(new Set(out.cells.flatMap((c) => c.runIds))).toEqual(new Set(runIds));
    // references of Delta_OF for k = 4: OF 0 and the ETF's sqrt(2 - 2 sqrt(3/4)) = 0.5176
    expect(out.metric.refs.map((r) => r.label)).toEqual(['OF 0', 'ETF 0.5176']);
  });

  it("the batch-condition verdict of each cell's config: binding makes the OF unique, a fixed partition of 4 does not", async () => {
    const out = await summarize({ x: 'imbalance.ratio', by: 'batching.binding', metric: 'deltaOF' });
    for (const c of out.cells) {
      if (c.by === true) expect(c.verdict).toMatchObject({ ofUnique: true, seedsUnique: 2, seedsAnalysed: 2 });
      else {
        expect(c.verdict.ofUnique).toBe(false);
        expect(c.verdict.text).toMatch(/^OF not unique for these batches: class \d+ is split into \d+ parts/);
      }
    }
  });

  it('categorical x, a facet, the best NCC accuracy and epochs to a Delta_OF threshold (checked against the history)', async () => {
    const cat = await summarize({ x: 'batching.binding', facet: 'imbalance.ratio', metric: 'nccAccTrain', stat: 'best' });
    expect(cat.x.kind).toBe('category');
    expect(cat.facet.values).toEqual([1, 10]);
    for (const c of cat.cells)
      for (const [i, id] of c.runIds.entries()) {
        const { history } = (await api.call('runs.history', { id })) as { history: { nccAccTrain: number }[] };
        expect(c.values[i]).toBe(Math.max(...history.map((h) => h.nccAccTrain)));
      }
    const id = runIds[0]!;
    const { history } = (await api.call('runs.history', { id })) as { history: { epoch: number; deltaOF: number }[] };
    const threshold = history[2]!.deltaOF + 1e-9; // reached by the third evaluation at the latest
    const expected = history.find((h) => h.deltaOF <= threshold)!.epoch;
    const t = await api.call('runs.summarize', { runIds: [id], x: 'seed', metric: 'epochsToOF', threshold });
    expect((t as SummarizeOutput).cells[0]!.values).toEqual([expected]);
    const never = (await api.call('runs.summarize', { runIds: [id], x: 'seed', metric: 'epochsToOF', threshold: 1e-12 })) as SummarizeOutput;
    expect(never.cells[0]!.n).toBe(0);
    expect(never.cells[0]!.missing[0]!.reason).toBe('never reached Delta_OF <= 1e-12 in 20 epochs');
  });

  it('names the bad field, metric, stat, sweep or run (INVALID_INPUT, HTTP 400)', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ sweepId, x: 'imbalance.ration', metric: 'deltaOF' }, 'x', /"imbalance.ration" is not a config field of these runs \(fields that vary across them: .*imbalance.ratio/],
      [{ sweepId, x: 'seed', by: '__proto__.x', metric: 'deltaOF' }, 'by', /not allowed in a config path/],
      [{ sweepId, x: 'seed', metric: 'deltaOFF' }, 'metric', /unknown metric "deltaOFF" \(one of deltaOF, /],
      [{ sweepId, x: 'seed', metric: 'cosMean', stat: 'best' }, 'stat', /cosMean has no "best"/],
      [{ sweepId: 999, x: 'seed', metric: 'deltaOF' }, 'sweepId', /sweep 999 does not exist/],
      [{ runIds: [runIds[0], 999], x: 'seed', metric: 'deltaOF' }, 'runIds', /run 999 does not exist/],
      [{ x: 'seed', metric: 'deltaOF' }, 'sweepId', /give either a sweep/],
      // one meaning per metric: a UFM loss is a sum over batches, a deep run's a mean
      [{ runIds: [runIds[0], deepId()], x: 'kind', metric: 'loss' }, 'metric', /loss is a sum over batches for UFM runs and a mean for deep runs/],
    ];
    for (const [input, field, message] of cases) {
      const e = await failure(input);
      expect(e.code).toBe('INVALID_INPUT');
      expect(httpStatus(e.code)).toBe(400);
      expect(e.issues?.[0]?.field).toBe(field);
      expect(e.issues?.[0]?.message).toMatch(message);
    }
  });
});

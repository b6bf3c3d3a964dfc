/** An explicit batching through the API: runs.validate's analysis (checked against the contract) and a stored run. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventHub, type EventHub } from '../../src-main/api/events';
import { createApi, type Api } from '../../src-main/api/server';
import { Runner } from '../../src-main/runner/runner';
import { RunService } from '../../src-main/services/runs';
import { openStore, type Store } from '../../src-main/store';
import { recorder, removeTempDirs, tempDir, terminal } from './helpers';

const counterexample = {
  kind: 'ufm', classes: 3, dim: 6, imbalance: { profile: 'balanced', nMax: 2 }, relu: true, temperature: 1,
  batching: { strategy: 'explicit', batches: [[0, 1, 2, 3], [2, 3, 4, 5], [0, 4]] },
  optimizer: { name: 'gd', lr: 0.5 }, epochs: 1000, evalEvery: 500,
};

let store: Store;
let runner: Runner;
let api: Api;
let hub: EventHub;

beforeAll(() => {
  store = openStore(join(tempDir(), 'runs.sqlite'));
  runner = new Runner(store, { concurrency: 1 });
  api = createApi({ service: new RunService(store, runner), dbPath: store.file, mode: 'serve' });
  hub = createEventHub(runner);
});

afterAll(async () => {
  hub?.close();
  await runner?.shutdown();
  store?.close();
  removeTempDirs();
});

describe('explicit batchings over the API', () => {
  it('runs.validate: the analysis names the pair and its reason; a bad index is an issue on its field', async () => {
    const ok = (await api.call('runs.validate', { config: counterexample, epochs: 2 })) as {
      ok: boolean; counts: number[]; analysis: { oneEpoch: { ofUnique: boolean; uncovered: unknown[]; findings: string[]; rule: string } };
    };
    expect(ok.ok).toBe(true);
    expect(ok.counts).toEqual([2, 2, 2]);
    expect(ok.analysis.oneEpoch.ofUnique).toBe(false);
    expect(ok.analysis.oneEpoch.rule).toBe('positive-in-batch');
    expect(ok.analysis.oneEpoch.uncovered).toEqual([{ classes: [0, 2], reason: 'singletons-only', sharedBatches: 1 }]);
    expect(ok.analysis.oneEpoch.findings).toContain('classes 0 and 2 never interact: they share 1 batch only as singletons (one example of each, no positive, no loss term)');
    const bad = (await api.call('runs.validate', { config: { ...counterexample, batching: { strategy: 'explicit', batches: [[0, 1, 2, 3], [2, 3, 4, 5], [0, 9]] } } })) as {
      ok: boolean; issues: { field: string; message: string }[];
    };
    expect(bad.ok).toBe(false);
    expect(bad.issues).toContainEqual({ field: 'batching.batches.2.1', message: 'index 9 is out of range: the imbalance profile gives 6 examples (0..5)' });
  });

  it('a run on the counterexample is stored with its batches and finishes at L* with classes 0 and 2 not orthogonal', async () => {
    const events = recorder(hub);
    const { id } = (await api.call('runs.create', { config: counterexample })) as { id: number };
    const done = await events.until(terminal(id));
    expect(done.payload.status).toBe('finished');
    const run = (await api.call('runs.get', { id })) as { config: { batching: { batches: number[][] } }; result: { final: { deltaOF: number; gap: number; optimalLoss: number } } };
    expect(run.config.batching.batches).toEqual(counterexample.batching.batches);
    expect(Math.abs(run.result.final.gap / run.result.final.optimalLoss)).toBeLessThan(1e-4);
    expect(run.result.final.deltaOF).toBeGreaterThan(0.2);
  });
});

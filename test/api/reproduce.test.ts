/** reproduce.* over the one server implementation: presets, a quick reproduction, its report (HTML and structured). */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodOutput } from '../../src-main/api/contract';
import { createEventHub, type EventHub } from '../../src-main/api/events';
import { createApi, type Api } from '../../src-main/api/server';
import { Runner } from '../../src-main/runner/runner';
import { RunService } from '../../src-main/services/runs';
import { openStore, type Store } from '../../src-main/store';
import { recorder, removeTempDirs, tempDir, terminal } from './helpers';

let store: Store;
let runner: Runner;
let api: Api;
let hub: EventHub;
let events: ReturnType<typeof recorder>;

beforeAll(() => {
  store = openStore(join(tempDir(), 'runs.sqlite'));
  runner = new Runner(store, { concurrency: 1 });
  api = createApi({ service: new RunService(store, runner), dbPath: store.file, mode: 'serve' });
  hub = createEventHub(runner);
  events = recorder(hub);
});

afterAll(async () => {
  hub?.close();
  await runner?.shutdown();
  store?.close();
  removeTempDirs();
});

describe('reproduce.* through the API', () => {
  it('lists the presets', async () => {
    const { presets } = (await api.call('reproduce.presets', {})) as MethodOutput<'reproduce.presets'>;
    const fixed = presets.find((p) => p.name === 'ufm-fixed-binding')!;
    expect(fixed).toMatchObject({ version: 1, paperSized: false, runs: 2, quickRuns: 2, unavailable: null });
  });

  it('a quick ufm-fixed-binding: the report carries the checks structured, with the runs of each preset', async () => {
    const start = (await api.call('reproduce.start', { presets: ['ufm-fixed-binding'], quick: true })) as MethodOutput<'reproduce.start'>;
    expect(start.runIds).toHaveLength(2);
    expect(start.skipped).toEqual([]);

    const early = (await api.call('reproduce.report', { sweepId: start.sweepId })) as MethodOutput<'reproduce.report'>;
    expect(early.presets.map((p) => p.runs.map((r) => r.id))).toEqual([start.runIds]);

    for (const id of start.runIds) expect((await events.until(terminal(id), 120_000)).payload.status).toBe('finished');
    const rep = (await api.call('reproduce.report', { sweepId: start.sweepId })) as MethodOutput<'reproduce.report'>;
    expect(rep.done).toBe(true);
    expect(rep.quick).toBe(true);
    expect(rep.set).toEqual([]);
    expect(rep.html).toContain('<!doctype html>');
    expect(rep.presets).toHaveLength(1);
    const p = rep.presets[0]!;
    expect(p).toMatchObject({ name: 'ufm-fixed-binding', version: 1, skipped: null, chart: { metric: 'deltaOF', label: 'Delta_OF' } });
    expect(p.runs).toEqual([
      { id: start.runIds[0], label: 'binding=false' },
      { id: start.runIds[1], label: 'binding=true' },
    ]);
    expect(p.outcomes.length).toBe(rep.pass + rep.fail);
    expect(p.outcomes.every((o) => o.status === 'PASS' && o.detail.length > 0)).toBe(true);
    const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    for (const o of p.outcomes) expect(rep.html).toContain(esc(o.text));
    // the run table names the solver that ran, why each run stopped and its loss-and-gradient evaluations
    expect(rep.html).toContain('<th>solver</th><th>stopped</th><th>evaluations</th>');
    expect(rep.html).toContain('<td>gd lr 0.05</td><td>maxEpochs</td><td>2000</td>');

    const { sweeps } = (await api.call('sweeps.list', {})) as MethodOutput<'sweeps.list'>;
    expect(sweeps.find((s) => s.id === start.sweepId)!.name).toMatch(/^reproduce --quick /);
  }, 180_000);

  it('a reproduction with an override reports it; a paper-sized preset in quick mode is not run and says why', async () => {
    const start = (await api.call('reproduce.start', {
      presets: ['deep-cifar10-resnet18'],
      quick: true,
      set: [{ key: 'epochs', value: 3 }],
    })) as MethodOutput<'reproduce.start'>;
    expect(start.runIds).toEqual([]);
    const rep = (await api.call('reproduce.report', { sweepId: start.sweepId })) as MethodOutput<'reproduce.report'>;
    expect(rep.set).toEqual([{ key: 'epochs', value: 3 }]);
    expect(rep.notRun).toBe(1);
    expect(rep.presets[0]!.skipped).toMatch(/paper-sized|missing data/);
    expect(rep.presets[0]!.outcomes).toEqual([]);
  });
});

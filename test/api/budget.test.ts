/**
 * Configs that would exhaust the machine are refused before they are stored (issue 11, item 3): the estimate
 * names the field and the size; runs.validate stays fast (bounded analysis) for big configs it allows.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src-main/api/schema/config';
import { startServer, type RunningServer } from '../../src-main/api/serve';
import { expandPreset, loadPresets } from '../../src-main/reproduce/presets';
import { budgetFrom, budgetIssues, estimateRun, parseBytes } from '../../src-main/services/budget';
import { exampleConfig } from '../cli/helpers';
import { removeTempDirs, tempDir } from './helpers';

const GB = 2 ** 30;
/** The issue's examples. */
const HUGE: [string, string, Record<string, unknown>][] = [
  ['nMax 1e9', 'imbalance.nMax', { ...exampleConfig, classes: 2, relu: false, imbalance: { profile: 'balanced', nMax: 1_000_000_000 } }],
  ['classes 200000', 'classes', { ...exampleConfig, classes: 200_000, dim: 200_000, imbalance: { profile: 'balanced', nMax: 2 } }],
  ['counts [5e6, 5e6]', 'epochs', { ...exampleConfig, classes: 2, relu: false, epochs: 4000, imbalance: { profile: 'custom', counts: [5e6, 5e6] } }],
];
const BIG_BUT_ALLOWED = { ...exampleConfig, classes: 2, relu: false, epochs: 100, imbalance: { profile: 'custom', counts: [5e6, 5e6] } };

describe('the estimator', () => {
  const budget = { memoryBytes: 8 * GB, work: 1e10 };

  it("every preset's runs fit an 8 GB machine", () => {
    for (const p of loadPresets()) for (const c of expandPreset(p)) expect(budgetIssues(estimateRun(c.config), budget), p.name).toEqual([]);
    const resnet = estimateRun(expandPreset(loadPresets().find((p) => p.name === 'deep-cifar10-resnet18')!)[0]!.config);
    expect(resnet.parts.find((p) => p.field === 'model')!.what).toMatch(/model parameters \(11\d{6}\)/);
  });

  it.each(HUGE)('%s is refused naming %s and the estimate', (_name, field, raw) => {
    const issues = budgetIssues(estimateRun(parseRunConfig(raw)), budget);
    expect(issues.map((i) => i.field)).toContain(field);
    expect(issues[0]!.message).toMatch(/about [\d.]+ (GB|TB|PB)|example-epochs/);
  });

  it('nMax 1e9 needs more than a terabyte; the full-batch similarity matrix is n^2', () => {
    expect(estimateRun(parseRunConfig(HUGE[0]![2])).bytes).toBeGreaterThan(2 ** 40);
    const full = estimateRun(parseRunConfig({ ...exampleConfig, batching: { strategy: 'full' }, imbalance: { profile: 'custom', counts: [50_000, 50_000, 50_000, 50_000] } }));
    const sim = full.parts.find((p) => p.field === 'batching.strategy')!;
    expect(sim.bytes).toBeGreaterThanOrEqual(200_000 ** 2 * 4);
  });

  it('the budget: half the memory by default, SCL_LAB_MEMORY_BUDGET / SCL_LAB_WORK_BUDGET override it', () => {
    expect(budgetFrom({}, 16 * GB)).toEqual({ memoryBytes: 8 * GB, work: 1e10 });
    expect(budgetFrom({ SCL_LAB_MEMORY_BUDGET: '2G', SCL_LAB_WORK_BUDGET: '5e6' }, 16 * GB)).toEqual({ memoryBytes: 2 * GB, work: 5e6 });
    expect(budgetFrom({ SCL_LAB_MEMORY_BUDGET: 'lots' }, 16 * GB).memoryBytes).toBe(8 * GB);
    expect(parseBytes('512MB')).toBe(512 * 2 ** 20);
    expect(parseBytes('1000')).toBe(1000);
    const small = estimateRun(parseRunConfig(exampleConfig));
    expect(budgetIssues(small, { memoryBytes: 1024, work: 1e10 })[0]).toMatchObject({ message: expect.stringMatching(/budget of 1\.00 KB/) });
  });
});

describe('over the real HTTP server', () => {
  let srv: RunningServer;
  const post = async (method: string, body: unknown) => {
    const t0 = performance.now();
    const res = await fetch(`${srv.origin}/api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${srv.token}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any>, ms: performance.now() - t0 };
  };
  beforeAll(async () => {
    const dir = tempDir();
    srv = await startServer({ db: join(dir, 'runs.sqlite'), rendererDir: dir, concurrency: 1, log: () => {} });
  });
  afterAll(async () => {
    await srv?.close();
    removeTempDirs();
  });

  it.each(HUGE)('%s: runs.validate says no, fast, naming %s; runs.create and sweeps.create answer 400 and store nothing', async (_n, field, config) => {
    const v = await post('runs.validate', { config, epochs: 5 });
    expect(v.status).toBe(200);
    expect(v.body.ok).toBe(false);
    expect(v.body.issues.map((i: { field: string }) => i.field)).toContain(field);
    expect(v.ms).toBeLessThan(1000);
    const c = await post('runs.create', { config });
    expect(c.status).toBe(400);
    expect(c.body).toMatchObject({ code: 'INVALID_CONFIG' });
    expect(c.body.issues.map((i: { field: string }) => i.field)).toContain(field);
    expect(c.body.message).not.toMatch(/\n\s+at /);
    const s = await post('sweeps.create', { spec: { base: config, grid: { seed: [0, 1] } } });
    expect(s.status).toBe(400);
    expect((await post('runs.list', {})).body.total).toBe(0);
  });

  it('a big config the budget allows (1e7 examples): runs.validate answers within a bounded time, the server keeps answering', async () => {
    const pings: number[] = [];
    let stop = false;
    const pinger = (async () => {
      while (!stop) pings.push((await post('app.info', {})).ms);
    })();
    const v = await post('runs.validate', { config: BIG_BUT_ALLOWED, epochs: 1000 });
    stop = true;
    await pinger;
    expect(v.body).toMatchObject({ ok: true, issues: [], counts: [5e6, 5e6], analysis: null });
    expect(v.ms).toBeLessThan(500);
    expect(Math.max(...pings)).toBeLessThan(500);
    // a mid-sized one gets its analysis over fewer union epochs, said in the report
    const mid = await post('runs.validate', { config: { ...BIG_BUT_ALLOWED, imbalance: { profile: 'custom', counts: [20_000, 20_000] } }, epochs: 1000 });
    expect(mid.body.ok).toBe(true);
    expect(mid.body.analysis.union.epochs).toBeGreaterThanOrEqual(1);
    expect(mid.body.analysis.union.epochs).toBeLessThan(1000);
    expect(mid.ms).toBeLessThan(1000);
  });
});

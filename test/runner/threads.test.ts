/**
 * The thread budget (src-main/runner/thread-budget.ts): runs at once x threads per run <= cores. The policy as
 * numbers, then through the CLI and the store as a user sees it: a sweep of 2 runs on 2 cores gets 1 thread
 * each, one run gets every core (the threaded wasm build), `--threads` / SCL_LAB_THREADS beyond the budget is a
 * clear error (exit 2), and `scl-lab show` prints what ran. CLI checks need the build (`npm run build`).
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeDetail, computeInfo, computeLabel } from '../../src-main/api/compute-info';
import { planBudget, threadsForStart, threadsFromEnv, ThreadBudgetError } from '../../src-main/runner/thread-budget';
import { cli, tempDir, writeJson } from '../cli/helpers';

describe('thread budget policy', () => {
  it('defaults: as many runs as cores, each run sharing the free cores with the runs that start alongside it', () => {
    const plan = planBudget({ cores: 2, threads: undefined });
    expect(plan).toEqual({ concurrency: 2, threads: undefined, cores: 2 });
    // a sweep of 2 runs on 2 cores: the first starts with one run waiting, the second alone on the last core
    expect(threadsForStart(plan, { usedThreads: 0, running: 0, waiting: 1 })).toBe(1);
    expect(threadsForStart(plan, { usedThreads: 1, running: 1, waiting: 0 })).toBe(1);
    // one run: every core
    expect(threadsForStart(plan, { usedThreads: 0, running: 0, waiting: 0 })).toBe(2);
    // 16 cores, 3 runs queued at once: 5 threads each (15 <= 16), never more than the cores
    const big = planBudget({ cores: 16 });
    const a = threadsForStart(big, { usedThreads: 0, running: 0, waiting: 2 });
    const b = threadsForStart(big, { usedThreads: a, running: 1, waiting: 1 });
    const c = threadsForStart(big, { usedThreads: a + b, running: 2, waiting: 0 });
    expect([a, b, c]).toEqual([5, 5, 6]);
    expect(a + b + c).toBeLessThanOrEqual(16);
    // CLI run: concurrency 1, all cores
    expect(threadsForStart(planBudget({ cores: 16, concurrency: 1 }), { usedThreads: 0, running: 0, waiting: 3 })).toBe(16);
  });

  it('UFM and embeddings runs always get 1 thread (small matrices: the threaded hand-off costs more than it saves)', () => {
    const plan = planBudget({ cores: 8 });
    expect(threadsForStart(plan, { usedThreads: 0, running: 0, waiting: 0 }, 'deep')).toBe(8);
    expect(threadsForStart(plan, { usedThreads: 0, running: 0, waiting: 0 }, 'ufm')).toBe(1);
    expect(threadsForStart(planBudget({ cores: 8, threads: 4 }), { usedThreads: 0, running: 0, waiting: 0 }, 'embeddings')).toBe(1);
  });

  it('a fixed thread count limits the runs at once, and an impossible setting is rejected naming both numbers', () => {
    expect(planBudget({ cores: 8, threads: 2 })).toEqual({ concurrency: 4, threads: 2, cores: 8 });
    expect(threadsForStart(planBudget({ cores: 8, threads: 2 }), { usedThreads: 0, running: 0, waiting: 9 })).toBe(2);
    expect(() => planBudget({ cores: 2, threads: 3 })).toThrow(ThreadBudgetError);
    expect(() => planBudget({ cores: 2, threads: 3 })).toThrow('threads 3 is more than the 2 core(s)');
    expect(() => planBudget({ cores: 2, concurrency: 2, threads: 2 })).toThrow('2 runs at once x 2 threads = 4 threads, more than the 2 core(s)');
  });

  it('reads SCL_LAB_THREADS (whole number, "auto" or unset), rejecting anything else', () => {
    expect(threadsFromEnv(undefined)).toBeUndefined();
    expect(threadsFromEnv('auto')).toBeUndefined();
    expect(threadsFromEnv(' 2 ')).toBe(2);
    expect(() => threadsFromEnv('two')).toThrow('SCL_LAB_THREADS must be a whole number >= 1 or "auto" (got "two")');
    expect(() => threadsFromEnv('0')).toThrow(ThreadBudgetError);
  });
});

describe('what a run shows about its threads (api/compute-info.ts, used by show and the Run page)', () => {
  const env = (load: number, threads = 2) => ({
    threads, threadsRequested: 2, wasmBuild: threads > 1 ? 'threaded-simd' : 'simd', wasmReason: 'why',
    threadBudget: { cores: 2, concurrency: 1, policy: 'share', loadAtStart: load },
  });

  it('labels threads, and warns when the machine was busier than its cores at start', () => {
    expect(computeLabel(computeInfo('wasm', env(0.3)))).toBe('wasm · 2 threads');
    expect(computeDetail(computeInfo('wasm', env(0.3)))).toBe('wasm · 2 threads; threaded-simd build; share of 2 core(s), 1 run(s) at once; why');
    expect(computeDetail(computeInfo('wasm', env(10.4)))).toContain('; load 10.4 on 2 core(s) at start: threads may not help (--threads 1)');
    expect(computeDetail(computeInfo('wasm', env(10.4, 1)))).toBe('wasm · 1 thread; simd build; asked for 2; share of 2 core(s), 1 run(s) at once; why');
  });

  it('runs stored before the thread budget (no thread fields) show the backend alone', () => {
    expect(computeDetail(computeInfo('wasm', { node: '20.19.0', backendSkipped: [] }))).toBe('wasm');
    expect(computeLabel(computeInfo(null, null))).toBe('backend: not started');
    expect(computeInfo('wasm', { threads: 'two', threadBudget: { cores: -1 } })).toMatchObject({ threads: null, budget: null });
  });
});

const tinyDeep = {
  kind: 'deep', classes: 10, dim: 16,
  dataset: { name: 'fashion-mnist', testPerClass: 10 },
  model: { name: 'mlp', hidden: [32] },
  imbalance: { profile: 'step', nMax: 20, ratio: 1, minorityFraction: 0.5 },
  relu: true, temperature: 0.1, loss: 'scl', views: 1, augment: false,
  batching: { strategy: 'reshuffle', batchSize: 50, binding: false },
  optimizer: { name: 'adam', lr: 0.001, weightDecay: 0 },
  epochs: 1, evalEvery: 1, seed: 0,
};

interface ShownRun { backend: string; env: { threads: number; threadsRequested: number; wasmBuild: string; threadBudget: { cores: number; concurrency: number; policy: string } } }

function shown(db: string, id: number): ShownRun {
  const r = cli(['show', String(id), '--json', '--db', db]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ShownRun;
}

const CORES = availableParallelism();
/** What the wasm backend runs for a share of `n` threads (the threaded build holds at most 8). */
const ran = (n: number) => ({ threads: Math.min(n, 8), threadsRequested: n, wasmBuild: n > 1 ? 'threaded-simd' : 'simd' });

describe('thread budget through the CLI (this machine: os.availableParallelism() cores)', () => {
  it('a sweep of 2 runs shares the cores (2 cores: 1 thread each); one run gets every core (the threaded build)', () => {
    const dir = tempDir();
    const db = join(dir, 'lab.sqlite');
    const spec = writeJson(dir, 'sweep.json', { name: 'budget', base: tinyDeep, grid: { relu: [true, false] }, seeds: [0] });
    const sw = cli(['sweep', '--spec', spec, '--json', '-q', '--db', db], { SCL_LAB_BACKEND: 'wasm' }, 300_000);
    expect(sw.code, sw.stderr).toBe(0);
    const { runIds, statuses } = JSON.parse(sw.stdout) as { runIds: number[]; statuses: string[] };
    expect(statuses).toEqual(['finished', 'finished']);
    // the first run starts with the second waiting: half the cores; the second gets the rest (2 cores: 1 + 1)
    const shares = [Math.max(1, Math.floor(CORES / 2)), Math.max(1, CORES - Math.floor(CORES / 2))];
    runIds.forEach((id, i) => {
      const run = shown(db, id);
      expect(run.backend).toBe('wasm');
      expect(run.env).toMatchObject({ ...ran(shares[i]), threadBudget: { cores: CORES, concurrency: CORES, policy: 'share' } });
    });
    if (CORES === 2) expect(runIds.map((id) => shown(db, id).env.threads)).toEqual([1, 1]);

    const cfg = writeJson(dir, 'run.json', tinyDeep);
    const one = cli(['run', '-c', cfg, '--json', '-q', '--db', db], { SCL_LAB_BACKEND: 'wasm' }, 300_000);
    expect(one.code, one.stderr).toBe(0);
    const id = (JSON.parse(one.stdout) as { runId: number }).runId;
    expect(shown(db, id).env).toMatchObject({ ...ran(CORES), threadBudget: { cores: CORES, concurrency: 1 } });
    const text = cli(['show', String(id), '--db', db]);
    if (CORES === 2) {
      expect(text.stdout).toMatch(/compute: wasm · 2 threads; threaded-simd build; share of 2 core\(s\), 1 run\(s\) at once; threaded build self-tested, 2 threads/);
    } else {
      expect(text.stdout).toContain(`share of ${CORES} core(s), 1 run(s) at once`);
    }
  }, 400_000);

  it('--threads is honoured and recorded as fixed; a deep run gives the same result on 1 and 2 threads', () => {
    const dir = tempDir();
    const db = join(dir, 'lab.sqlite');
    const cfg = writeJson(dir, 'run.json', { ...tinyDeep, epochs: 2 });
    const final = (threads: number) => {
      const r = cli(['run', '-c', cfg, '--json', '-q', '--threads', String(threads), '--db', db], { SCL_LAB_BACKEND: 'wasm' }, 300_000);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { runId: number; final: unknown };
      expect(shown(db, out.runId).env).toMatchObject({ ...ran(threads), threadBudget: { policy: 'fixed' } });
      return out.final;
    };
    const one = final(1);
    const two = final(Math.min(2, CORES)); // the threaded build on any machine with 2 cores or more
    expect(two).toEqual(one); // every final metric, to the last bit (the loss, geometry and accuracies)
  }, 400_000);

  it('asking for more than the cores is rejected with a clear message and exit code 2, before any run is queued', () => {
    const dir = tempDir();
    const db = join(dir, 'lab.sqlite');
    const cfg = writeJson(dir, 'run.json', tinyDeep);
    const spec = writeJson(dir, 'sweep.json', { name: 'budget', base: tinyDeep, grid: { relu: [true, false] }, seeds: [0] });
    const r1 = cli(['run', '-c', cfg, '--threads', String(CORES + 1), '-q', '--db', db]);
    expect(r1.code).toBe(2);
    expect(r1.stderr.trim()).toBe(`scl-lab: threads ${CORES + 1} is more than the ${CORES} core(s) of this machine (os.availableParallelism())`);
    const r2 = cli(['sweep', '--spec', spec, '-j', '2', '--threads', String(CORES), '-q', '--db', db]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain(`2 runs at once x ${CORES} threads = ${2 * CORES} threads, more than the ${CORES} core(s) of this machine; lower --concurrency or --threads`);
    const r3 = cli(['run', '-c', cfg, '-q', '--db', db], { SCL_LAB_THREADS: 'lots' });
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain('SCL_LAB_THREADS must be a whole number >= 1 or "auto" (got "lots")');
    expect(r3.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const list = cli(['list', '--json', '--db', db]);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });
});

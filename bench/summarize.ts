/**
 * The claim pivot (`runs.summarize`, `scl-lab summarize`, the Claim page) over a stored sweep of N finished UFM
 * runs (k = 10, step R in {1, 10, 100}, relu x binding, reshuffled batches of 50): the first call analyses every
 * run's batches (bounded like the New run page, ~50 ms each), a second call (the next picker change) reuses the
 * verdicts. Prints wall and CPU ms of each, median of 3 (wall >> CPU: the machine was busy).
 *
 *   npm run build && node dist/bench/summarize.js [N=120]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONFIG_SCHEMA_VERSION } from '../src-main/api/schema/config';
import { summarizeInputSchema } from '../src-main/api/schema/summarize';
import { summarizeRuns } from '../src-main/services/summarize';
import { openStore } from '../src-main/store';

const N = Number(process.argv[2] ?? 120);

function timed(fn: () => void): [number, number] {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const c = process.cpuUsage(c0);
  return [performance.now() - t0, (c.user + c.system) / 1000];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scl-bench-summarize-'));
try {
  const store = openStore(path.join(dir, 'lab.sqlite'));
  const sweepId = store.createSweep('bench', {});
  for (let i = 0; i < N; i++) {
    const ratio = [1, 10, 100][i % 3]!;
    const config = {
      kind: 'ufm',
      schemaVersion: CONFIG_SCHEMA_VERSION,
      classes: 10,
      dim: 20,
      imbalance: { profile: 'step', nMax: 500, ratio, minorityFraction: 0.5 },
      relu: i % 2 === 0,
      temperature: 1,
      lossForm: 'paper',
      batching: { strategy: 'reshuffle', batchSize: 50, binding: Math.floor(i / 6) % 2 === 0, stepPer: 'epoch', dropLast: true },
      optimizer: { name: 'gd', lr: 0.1 },
      epochs: 2000,
      seed: i,
      evalEvery: 100,
    };
    const id = store.createRun({ kind: 'ufm', config, seed: i, appVersion: 'bench', sweepId, status: 'running' });
    const rec = { epoch: 2000, loss: 1, optimalLoss: 1, gap: 0, deltaOF: Math.random(), deltaETF: 0.1, nc1: 0.01, cosMean: 0, cosMin: 0, cosMax: 0, normRatio: 1, nccAccTrain: 1 };
    const final = { ...rec, cosGroups: { majMaj: 0, minMin: 0, majMin: 0 }, classNorms: [], classCounts: [] };
    store.finishRun(id, 'finished', { result: { status: 'finished', backend: 'cpu', config, final, history: [rec], seconds: 1 } });
  }
  const q = summarizeInputSchema.parse({ sweepId, x: 'imbalance.ratio', by: 'relu', facet: 'batching.binding', metric: 'deltaOF' });
  const [coldWall, coldCpu] = timed(() => summarizeRuns(store, q));
  const warm = [0, 1, 2].map(() => timed(() => summarizeRuns(store, { ...q, metric: 'nc1' })));
  console.log(`summarize ${N} runs, first call (every run's batches analysed): ${coldWall.toFixed(0)} ms wall, ${coldCpu.toFixed(0)} ms CPU`);
  console.log(`summarize ${N} runs, next call (verdicts reused):             ${median(warm.map((w) => w[0])).toFixed(1)} ms wall, ${median(warm.map((w) => w[1])).toFixed(1)} ms CPU`);
  store.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

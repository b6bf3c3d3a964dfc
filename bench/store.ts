/**
 * Store benchmark (targets from shared/spec/storage-and-views.md): 1e6 metric rows through MetricWriter
 * (< 2 s), listRuns of 10,000 runs with summaries (< 200 ms), 50 runs x 10,000 steps of one metric
 * decimated to <= 1,000 points each keeping min/max/last (< 100 ms). Prints the numbers; exit code 1 if a
 * target is missed and BENCH_STRICT=1.
 *
 *   npx tsc --outDir /tmp/sb --module commonjs --target es2022 --esModuleInterop --skipLibCheck --types node \
 *     bench/store.ts && NODE_PATH=$PWD/node_modules node /tmp/sb/bench/store.js
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openStore, type Store } from '../src-main/store';

interface Result {
  name: string;
  ms: number; // wall clock
  cpuMs: number; // this process's user + system CPU over the same interval (wall >> cpu: the machine was busy)
  target: number;
  note: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function timed<T>(fn: () => T): [T, number, number] {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return [out, wall, (c.user + c.system) / 1000];
}

function createRuns(store: Store, n: number, prefix: string): number[] {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(
      store.createRun({
        name: `${prefix}-${i}`,
        kind: i % 3 === 0 ? 'deep' : 'ufm',
        config: { lr: 0.001 * (1 + (i % 7)), batchSize: 64 << (i % 3), classes: 10, loss: { tau: 0.1, finalRelu: i % 2 === 0 } },
        seed: i % 5,
        appVersion: 'bench',
      }),
    );
  }
  return ids;
}

function benchInsert(store: Store): Result {
  const keys = Array.from({ length: 10 }, (_, k) => `train/metric_${k}`);
  const runIds = createRuns(store, 100, 'insert');
  const writer = store.metricWriter();
  let x = 0.5;
  const [, ms, cpuMs] = timed(() => {
    for (const runId of runIds) {
      for (let step = 0; step < 1000; step++) {
        for (const key of keys) {
          x = (x * 9301 + 49297) % 233280 / 233280;
          writer.write({ runId, key, step, value: x });
        }
      }
    }
    writer.close();
  });
  return {
    name: 'insert 1,000,000 metric rows (100 runs x 10 keys x 1,000 steps; MetricWriter, 1,000-row transactions)',
    ms,
    cpuMs,
    target: 2000,
    note: `${Math.round(1e6 / (ms / 1000)).toLocaleString()} rows/s`,
  };
}

function benchList(store: Store): Result {
  const existing = store.countRuns();
  const ids = createRuns(store, 10_000 - existing, 'list');
  const writer = store.metricWriter();
  for (const runId of ids) for (let k = 0; k < 10; k++) writer.write({ runId, key: `train/metric_${k}`, step: 0, value: k });
  writer.close();
  store.listRuns({ limit: 10_000 }); // warm the page cache
  const times: number[] = [];
  const cpu: number[] = [];
  let n = 0;
  for (let i = 0; i < 5; i++) {
    const [rows, ms, cpuMs] = timed(() => store.listRuns({ limit: 10_000 }));
    times.push(ms);
    cpu.push(cpuMs);
    n = rows.length;
    if (Object.keys(rows[0]!.summaries).length !== 10) throw new Error('summaries missing');
  }
  return {
    name: `listRuns: ${n.toLocaleString()} runs with tags and 10 summaries each`,
    ms: median(times),
    cpuMs: median(cpu),
    target: 200,
    note: `median of 5; first ${times[0]!.toFixed(1)} ms`,
  };
}

function benchSeries(store: Store): Result {
  const ids = createRuns(store, 50, 'series');
  const writer = store.metricWriter();
  let x = 1;
  for (const runId of ids) {
    for (let step = 0; step < 10_000; step++) {
      x = (x * 16807) % 2147483647;
      writer.write({ runId, key: 'train/loss', step, value: 1 / (1 + step) + (x / 2147483647) * 0.01 });
    }
  }
  writer.close();
  store.getSeriesMany(ids, 'train/loss', { buckets: 1000 }); // warm
  const times: number[] = [];
  const cpu: number[] = [];
  let maxPoints = 0;
  for (let i = 0; i < 5; i++) {
    const [series, ms, cpuMs] = timed(() => store.getSeriesMany(ids, 'train/loss', { buckets: 1000 }));
    times.push(ms);
    cpu.push(cpuMs);
    maxPoints = Math.max(...series.map((s) => s.points.length));
    if (!series.every((s) => s.decimated && s.total === 10_000)) throw new Error('expected decimated series');
  }
  return {
    name: `getSeriesMany: 50 runs x 10,000 steps, buckets 1000 -> ${maxPoints} points each (min/max/last)`,
    ms: median(times),
    cpuMs: median(cpu),
    target: 100,
    note: `median of 5; first ${times[0]!.toFixed(1)} ms`,
  };
}

function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scl-store-bench-'));
  const file = path.join(dir, 'bench.sqlite');
  const results: Result[] = [];
  const store = openStore(file);
  try {
    results.push(benchInsert(store));
    store.walCheckpoint();
    results.push(benchList(store));
    results.push(benchSeries(store));
    store.walCheckpoint();
    const size = fs.statSync(file).size;
    console.log(`database: ${(size / 1e6).toFixed(1)} MB, ${store.check({ quick: true }).counts.scalars.toLocaleString()} scalar rows`);
    console.log(`load average while running: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} on ${os.cpus().length} cores`);
  } finally {
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  let missed = 0;
  for (const r of results) {
    const ok = r.ms < r.target;
    if (!ok) missed++;
    console.log(
      `${ok ? 'ok  ' : 'SLOW'} ${r.ms.toFixed(1).padStart(8)} ms wall ${r.cpuMs.toFixed(0).padStart(6)} ms cpu` +
        `  (target < ${r.target} ms)  ${r.name}; ${r.note}`,
    );
  }
  if (missed > 0 && process.env['BENCH_STRICT'] === '1') process.exitCode = 1;
}

main();

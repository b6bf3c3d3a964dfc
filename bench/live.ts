/**
 * Live state across processes (issue 12): how fast a change written by another process reaches an open app's
 * event hub (tag / run start: PRAGMA data_version poll + run_changes), how fast a dead owner's run turns
 * interrupted, and what an idle open app costs with 10,000 runs stored (CPU over 10 s).
 *
 *   npm run build && nice node dist/bench/live.js
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { openSession } from '../src-main/services/session';
import { openStore } from '../src-main/store';

const RUNS = 10_000;
const SAMPLES = 20;

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scl-bench-live-'));
  const db = path.join(dir, 'lab.sqlite');
  try {
    const seed = openStore(db);
    const t0 = performance.now();
    for (let i = 0; i < RUNS; i++) {
      const id = seed.createRun({ kind: 'ufm', config: { classes: 4, epochs: 100, seed: i }, seed: i, appVersion: 'bench' });
      seed.finishRun(id, 'finished');
    }
    seed.close();
    process.stdout.write(`seeded ${RUNS} runs in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

    const s = openSession({ db, concurrency: 1, log: () => {}, watch: true });
    const arrived = new Map<number, number>();
    const interrupted = new Map<number, number>();
    s.hub.subscribe((event, payload) => {
      if (event === 'runs.changed') for (const id of (payload as { runIds: number[] }).runIds) arrived.set(id, Date.now());
      if (event === 'run.status' && (payload as { status: string }).status === 'interrupted') interrupted.set((payload as { runId: number }).runId, Date.now());
    });

    // idle: nothing changes; the app polls data_version every 200 ms and judges liveness every 2 s
    await new Promise((r) => setTimeout(r, 2000));
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, 10_000));
    const cpu = process.cpuUsage(c0);
    const idleMs = performance.now() - w0;
    const idleCpuPct = ((cpu.user + cpu.system) / 1000 / idleMs) * 100;
    process.stdout.write(`idle open app, ${RUNS} runs: ${idleCpuPct.toFixed(2)} % of one core over ${(idleMs / 1000).toFixed(1)} s\n`);

    // another process tags runs; it prints the commit time of each
    const storeJs = path.resolve(__dirname, '../src-main/store/index.js');
    const child = spawn(process.execPath, ['-e', `
      const { openStore } = require(${JSON.stringify(storeJs)});
      const s = openStore(${JSON.stringify(db)});
      require('node:readline').createInterface({ input: process.stdin }).on('line', (l) => {
        const [cmd, id] = l.split(' ');
        if (cmd === 'tag') { s.addTag(Number(id), 'bench'); console.log('tag ' + id + ' ' + Date.now()); }
        if (cmd === 'own') { s.markStarted(Number(id), { backend: 'cpu', ownerPid: process.pid }); console.log('own ' + id + ' ' + Date.now()); s.close(); process.exit(0); }
      });`], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout! });
    const written = new Map<number, number>();
    lines.on('line', (l) => {
      const [, id, at] = l.split(' ');
      written.set(Number(id), Number(at));
    });
    const latencies: number[] = [];
    for (let i = 1; i <= SAMPLES; i++) {
      arrived.delete(i);
      child.stdin!.write(`tag ${i}\n`);
      const t = Date.now();
      while (!(arrived.has(i) && written.has(i)) && Date.now() - t < 5000) await new Promise((r) => setTimeout(r, 5));
      latencies.push(arrived.get(i)! - written.get(i)!);
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 100));
    }
    process.stdout.write(`change by another process -> open app's hub: median ${pct(latencies, 50)} ms, p95 ${pct(latencies, 95)} ms, max ${Math.max(...latencies)} ms (${SAMPLES} tags)\n`);

    // a process owns a running run and dies: how long until the app says interrupted
    const queued = openStore(db);
    const victim = queued.createRun({ kind: 'ufm', config: { classes: 4, epochs: 100, seed: 1 }, seed: 1, appVersion: 'bench' });
    queued.close();
    child.stdin!.write(`own ${victim}\n`);
    await new Promise((r) => child.once('exit', r));
    const diedAt = Date.now();
    while (!interrupted.has(victim) && Date.now() - diedAt < 10_000) await new Promise((r) => setTimeout(r, 5));
    process.stdout.write(`owner exits -> run shown interrupted: ${interrupted.get(victim)! - diedAt} ms (liveness checked every 2 s)\n`);
    await s.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});

/**
 * `npm run bench:peer [-- --json] [-- --reps R]`: our training steps against PyTorch CPU on the same workloads,
 * with 1 thread and with every core, side by side, plus a 2-run sweep throughput check.
 *
 * Workloads (ours: bench/deep.ts and bench/ufm.ts through the real trainers; the peer: bench/peer.py):
 *   mlp-sgd, mlp-adam   MLP 784-512-256-128, B = 256 (SCL loss, SGD momentum 0.9 + weight decay / Adam)
 *   cnn-sgd             the small CNN, 32x32x3, B = 128
 *   ufm-step            UFM full-batch step, n = 1000, d = 64, k = 10, tau = 0.1
 * Every number is steps/s (the UFM too), the median of R repetitions in a fresh process per side and thread
 * count (a process sets its wasm thread count once); ratio = our speed / peer speed (> 1: we are faster).
 *
 * The peer is Debian's python3-torch run by /usr/bin/python3 (env SCL_LAB_PEER_PYTHON overrides), on the BLAS
 * the system selects (libopenblas0-pthread here: without it torch falls back to the reference BLAS and the
 * comparison flatters us). OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which this machine sets and which slow a
 * current OpenBLAS, are removed from the peer's environment only; OMP_NUM_THREADS and OPENBLAS_NUM_THREADS are
 * set to the thread count of the row. When torch is not installed the table says so and shows ours alone.
 *
 * The sweep check runs 2 processes at once, each one run with 1 thread (the thread budget's sweep policy on 2
 * cores), and compares their summed throughput with one process alone (near-linear: ~2x); then the same with
 * every core per process (oversubscribed, what the budget prevents).
 */
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { initBackend } from '../src-main/compute/backend';
import { stepsPerSecond } from './deep';
import { ufmFullBatchMs } from './ufm';

export const WORKLOADS = ['mlp-sgd', 'mlp-adam', 'cnn-sgd', 'ufm-step'] as const;
type Workload = (typeof WORKLOADS)[number];

interface SideResult {
  rows: { workload: string; steps_per_s: number; all: number[] }[];
  info?: unknown;
  torch?: string;
  blas?: string[];
  error?: string;
}

export interface PeerRow {
  workload: string;
  threads: number;
  ours: number | null;
  peer: number | null;
  ratio: number | null;
  unit: 'steps/s';
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function oursOnce(w: Workload): number {
  switch (w) {
    case 'mlp-sgd':
      return stepsPerSecond({ name: 'mlp', hidden: [512, 256] }, [784], 256, 40, 'sgd');
    case 'mlp-adam':
      return stepsPerSecond({ name: 'mlp', hidden: [512, 256] }, [784], 256, 40, 'adam');
    case 'cnn-sgd':
      return stepsPerSecond({ name: 'cnn' }, [32, 32, 3], 128, 8, 'sgd');
    case 'ufm-step':
      return 1000 / ufmFullBatchMs(40);
  }
}

/** Child mode: our workloads in this process with `threads` threads; one JSON line on stdout. */
async function oursChild(threads: number, only: Workload[], reps: number): Promise<void> {
  const info = await initBackend('wasm', { threads });
  const rows = only.map((w) => {
    const all = Array.from({ length: reps }, () => oursOnce(w));
    return { workload: w, steps_per_s: median(all), all };
  });
  process.stdout.write(JSON.stringify({ info, rows } satisfies SideResult) + '\n');
}

function parseSide(stdout: string, stderr: string, what: string): SideResult {
  const line = stdout.trim().split('\n').filter(Boolean).pop();
  try {
    const r = JSON.parse(line ?? '') as Partial<SideResult>;
    return { ...r, rows: Array.isArray(r.rows) ? r.rows : [] };
  } catch {
    return { rows: [], error: `${what} printed no result${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}` };
  }
}

function oursArgs(threads: number, only: readonly Workload[], reps: number): string[] {
  return [__filename, '--child', '--threads', String(threads), '--only', only.join(','), '--reps', String(reps)];
}

function runOurs(threads: number, only: readonly Workload[], reps: number): SideResult {
  const r = spawnSync(process.execPath, oursArgs(threads, only, reps), { encoding: 'utf8', maxBuffer: 1 << 24 });
  return parseSide(r.stdout ?? '', r.stderr ?? '', `ours (${threads} threads)`);
}

export const PEER_PYTHON = process.env.SCL_LAB_PEER_PYTHON ?? '/usr/bin/python3';

/** The peer's environment: ours without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, with the thread count pinned. */
export function peerEnv(threads: number, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  delete e.OPENBLAS_CORETYPE;
  delete e.OPENBLAS_L2_SIZE;
  return e;
}

export function runPeer(threads: number, reps: number): SideResult {
  const script = resolve(__dirname, '../../bench/peer.py');
  const r = spawnSync(PEER_PYTHON, [script, '--threads', String(threads), '--reps', String(reps)], { encoding: 'utf8', env: peerEnv(threads), maxBuffer: 1 << 24 });
  if (r.error) return { rows: [], error: `${PEER_PYTHON} could not be started (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}): no PyTorch to compare with` };
  return parseSide(r.stdout ?? '', r.stderr ?? '', 'the peer (PyTorch)');
}

/** `n` processes of ours at once, each `threads` threads, one workload; their steps/s. */
function concurrentOurs(n: number, threads: number, w: Workload, reps: number): Promise<number[]> {
  return Promise.all(
    Array.from({ length: n }, () =>
      new Promise<number>((res) => {
        const p = spawn(process.execPath, oursArgs(threads, [w], reps), { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        p.stdout.on('data', (d) => (out += d));
        p.stderr.on('data', (d) => (err += d));
        p.on('close', () => res(parseSide(out, err, 'a sweep run').rows[0]?.steps_per_s ?? NaN));
      }),
    ),
  );
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const reps = Math.max(1, Number(arg('--reps') ?? 3));
  if (argv.includes('--child')) {
    const only = (arg('--only') ?? WORKLOADS.join(',')).split(',') as Workload[];
    return oursChild(Number(arg('--threads') ?? 1), only, reps);
  }
  const json = argv.includes('--json');
  const log = (s: string) => (json ? process.stderr : process.stdout).write(s + '\n');
  const cores = availableParallelism();
  const threadCounts = [...new Set([1, cores])];
  const loadBefore = load();
  log(`machine: ${cores} cores, load average ${loadBefore} (1/5/15 min); ${reps} repetition(s) per number, medians`);
  const rows: PeerRow[] = [];
  const sides: Record<string, { ours: SideResult; peer: SideResult }> = {};
  let peerNote: string | null = null;
  for (const t of threadCounts) {
    log(`-- ${t} thread(s): ours ...`);
    const ours = runOurs(t, WORKLOADS, reps);
    log(`-- ${t} thread(s): PyTorch ...`);
    const peer = runPeer(t, reps);
    if (peer.error) peerNote = peer.error;
    sides[t] = { ours, peer };
    for (const w of WORKLOADS) {
      const o = ours.rows.find((r) => r.workload === w)?.steps_per_s ?? null;
      const p = peer.rows.find((r) => r.workload === w)?.steps_per_s ?? null;
      rows.push({ workload: w, threads: t, ours: o, peer: p, ratio: o !== null && p !== null ? o / p : null, unit: 'steps/s' });
    }
  }
  log('-- 2-run sweep throughput (mlp-adam) ...');
  const alone = (await concurrentOurs(1, 1, 'mlp-adam', reps))[0];
  const pair = await concurrentOurs(2, 1, 'mlp-adam', reps);
  const over = cores > 1 ? await concurrentOurs(2, cores, 'mlp-adam', reps) : null;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const sweep = {
    workload: 'mlp-adam',
    aloneStepsPerS: alone,
    twoRunsStepsPerS: pair,
    speedup: sum(pair) / alone,
    oversubscribed: over ? { threadsPerRun: cores, twoRunsStepsPerS: over, speedup: sum(over) / alone } : null,
  };
  const loadAfter = load();
  if (json) {
    const peerInfo = Object.values(sides)[0]?.peer;
    process.stdout.write(
      JSON.stringify({ rows, sweep, machine: { cores, loadBefore, loadAfter, reps }, peer: peerNote ? { error: peerNote } : { torch: peerInfo?.torch, blas: peerInfo?.blas, python: PEER_PYTHON } }) + '\n',
    );
    return;
  }
  if (peerNote) log(`\nPyTorch: not available: ${peerNote}`);
  else log(`\nPyTorch ${sides[threadCounts[0]].peer.torch} (${PEER_PYTHON}), BLAS: ${(sides[threadCounts[0]].peer.blas ?? []).join(', ') || 'unknown'}`);
  log(`${'workload'.padEnd(10)} ${'threads'.padStart(7)} ${'ours'.padStart(9)} ${'PyTorch'.padStart(9)} ${'ratio'.padStart(7)}  (steps/s; ratio = ours / PyTorch)`);
  const f = (x: number | null, d = 1) => (x === null ? '—' : x.toFixed(d));
  for (const r of rows) log(`${r.workload.padEnd(10)} ${String(r.threads).padStart(7)} ${f(r.ours).padStart(9)} ${f(r.peer).padStart(9)} ${f(r.ratio, 2).padStart(7)}`);
  log(`\nsweep: one run alone ${alone.toFixed(1)} steps/s; 2 runs at once x 1 thread: ${pair.map((x) => x.toFixed(1)).join(' + ')} = ${sum(pair).toFixed(1)} (${sweep.speedup.toFixed(2)}x)`);
  if (over) log(`       oversubscribed, 2 runs x ${cores} threads: ${over.map((x) => x.toFixed(1)).join(' + ')} = ${sum(over).toFixed(1)} (${(sum(over) / alone).toFixed(2)}x)`);
  log(`load average before ${loadBefore}, after ${loadAfter}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

/**
 * `scl-lab sweep --slurm` on a real one-node Slurm (slurm-wlm + munge, brought up on loopback for this file):
 * submit, wait, collect, same final metrics as the same configs run locally; `scontrol requeue` of a running
 * task resumes from its shard's checkpoint; `scl-lab slurm cancel` stops the rest cleanly.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir, writeJson } from '../cli/helpers';
import { startSlurmCluster, type SlurmCluster } from './slurm-cluster';

let cluster: SlurmCluster;
let dir: string;

const base = {
  kind: 'ufm', classes: 4, dim: 8,
  imbalance: { profile: 'custom', counts: [20, 20, 2, 2] },
  relu: true, temperature: 1.0,
  batching: { strategy: 'fixed', batchSize: 4, binding: true, stepPer: 'epoch' },
  optimizer: { name: 'gd', lr: 0.05 }, epochs: 200, seed: 0, evalEvery: 20,
};
const spec = { name: 'grid', base, grid: { relu: [true, false] }, seeds: [0, 1] };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface TaskStatus {
  index: number;
  runId: number;
  slurmState: string;
  shard: { status: string; epoch: number } | null;
}

function status(db: string, sweepId: number): TaskStatus[] {
  const r = cli(['slurm', 'status', String(sweepId), '--json', '--db', db], cluster.env);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).tasks;
}

/** Quick looks while waiting (no CLI start-up per poll): squeue's state and the shard's run and checkpoint. */
function slurmState(jobId: string, index: number): string | undefined {
  const r = cluster.cmd('squeue', ['-h', '-r', '-t', 'all', '-j', jobId, '-o', '%K|%T']);
  return r.stdout.split('\n').map((l) => l.trim().split('|')).find(([k]) => k === String(index))?.[1];
}
function shardLook(folder: string, index: number): { status: string; checkpoint: number | null } | null {
  const file = join(folder, 'shards', `task-${index}.sqlite`);
  if (!existsSync(file)) return null;
  try {
    const db = new Database(file, { readonly: true, timeout: 2000 });
    try {
      return db.prepare('SELECT status, (SELECT MAX(step) FROM checkpoints) AS checkpoint FROM runs').get() as { status: string; checkpoint: number | null };
    } finally {
      db.close();
    }
  } catch {
    return null; // being created
  }
}

async function until<T>(what: string, fn: () => T | undefined | false, ms = 90_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

interface Exported {
  uuid: string;
  name: string;
  status: string;
  statusDetail: string | null;
  result: { final: Record<string, unknown> } | null;
  scalars: Record<string, { steps: number[]; wallMs: number[] }>;
}

/** Every run of a database (each test's database holds one sweep), in id order, as `scl-lab export` writes them. */
function runs(db: string): Exported[] {
  const r = cli(['export', '--db', db]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).runs;
}

beforeAll(async () => {
  const t0 = Date.now();
  cluster = await startSlurmCluster();
  expect(Date.now() - t0).toBeLessThan(15_000); // seconds, not minutes
  dir = tempDir('scl-slurm-test-');
});

afterAll(async () => {
  const t0 = Date.now();
  await cluster?.stop();
  expect(Date.now() - t0).toBeLessThan(20_000);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('sweeps on a real Slurm', () => {
  it('runs a 2 x 2 UFM sweep as an array, resumes a requeued task from its checkpoint, and matches local runs', async () => {
    const db = join(dir, 'main.sqlite');
    const specFile = writeJson(dir, 'spec.json', spec);
    const sub = cli(['sweep', '--spec', specFile, '--slurm', '--slurm-dir', join(dir, 'sweeps'), '--backend', 'cpu', '--time', '10', '--json', '--db', db], cluster.env);
    expect(sub.code, sub.stderr).toBe(0);
    const { sweepId, jobId, folder, runIds } = JSON.parse(sub.stdout);
    expect(jobId).toMatch(/^\d+$/);
    expect(runIds).toHaveLength(4);
    const script = readFileSync(join(folder, 'job.sbatch'), 'utf8');
    expect(script).toMatch(/#SBATCH --array=0-3/);
    expect(script).toMatch(/#SBATCH --requeue/);
    expect(script).toContain(`SCL_LAB='${join(__dirname, '..', '..', 'bin', 'scl-lab.js')}'`);
    // the main database holds queued placeholders until collect
    expect(runs(db).map((r) => r.status)).toEqual(['queued', 'queued', 'queued', 'queued']);

    // requeue a task once it runs past a checkpoint (every 20 epochs) and is not done
    const { target } = await until('a task running past its first checkpoint', () => {
      const i = [0, 1, 2, 3].find((k) => {
        const sh = shardLook(folder, k);
        return sh?.status === 'running' && (sh.checkpoint ?? 0) >= 20 && slurmState(jobId, k) === 'RUNNING';
      });
      return i !== undefined && { target: i };
    });
    const requeuedAt = Date.now();
    const rq = cluster.cmd('scontrol', ['requeue', `${jobId}_${target}`]);
    expect(rq.code, rq.stderr).toBe(0);
    // Slurm holds a requeued job back (BeginTime); start it again now
    await until('the requeued task restarted', () => {
      cluster.cmd('scontrol', ['update', `JobId=${jobId}_${target}`, 'StartTime=now']);
      return /resuming run/.test(readFileSync(join(folder, 'logs', `task-${target}.out`), 'utf8'));
    });
    await until('every task COMPLETED', () => [0, 1, 2, 3].every((i) => slurmState(jobId, i) === 'COMPLETED'));
    expect(status(db, sweepId).map((t) => t.slurmState)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED', 'COMPLETED']);

    const col = cli(['slurm', 'collect', String(sweepId), '--json', '--db', db], cluster.env);
    expect(col.code, col.stderr).toBe(0);
    const report = JSON.parse(col.stdout);
    expect(report.collected.map((c: { status: string }) => c.status)).toEqual(['finished', 'finished', 'finished', 'finished']);
    expect(report.collected.map((c: { runId: number }) => c.runId)).toEqual(runIds); // same ids, replaced in place
    // idempotent
    const again = JSON.parse(cli(['slurm', 'collect', String(sweepId), '--json', '--db', db], cluster.env).stdout);
    expect(again.collected.map((c: { action: string }) => c.action)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);

    // the requeued task resumed from its checkpoint: its log says so, and the epochs before the requeue kept their times
    const log0 = readFileSync(join(folder, 'logs', `task-${target}.out`), 'utf8');
    const resumed = log0.match(/resuming run \S+ from its checkpoint at epoch (\d+) of 200/);
    expect(resumed, log0).not.toBeNull();
    expect(Number(resumed![1])).toBeGreaterThanOrEqual(20);
    expect(log0).toMatch(/SIGTERM: stopping the run/);
    const there = runs(db);
    const loss = there[target]!.scalars['train/epochLoss']!;
    expect(loss.steps).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(loss.wallMs[0]).toBeLessThan(requeuedAt); // epoch 1 was not trained again
    expect(loss.wallMs[199]).toBeGreaterThan(requeuedAt);

    // the same configs run locally (same seeds, same backend) end with the same final metrics
    const localDb = join(dir, 'local.sqlite');
    const local = cli(['sweep', '--spec', specFile, '--backend', 'cpu', '-j', '2', '--json', '-q', '--db', localDb]);
    expect(local.code, local.stderr).toBe(0);
    const here = runs(localDb);
    expect(there.map((r) => r.status)).toEqual(['finished', 'finished', 'finished', 'finished']);
    for (const r of there) {
      const twin = here.find((l) => l.name === r.name)!;
      expect(twin, r.name).toBeDefined();
      expect(r.result!.final).toEqual(twin.result!.final);
    }
  }, 110_000);

  it('slurm cancel stops the running tasks cleanly and records where each run stopped', async () => {
    const db = join(dir, 'cancel.sqlite');
    const specFile = writeJson(dir, 'long.json', { name: 'long', base: { ...base, epochs: 1_000_000, evalEvery: 50 }, grid: { relu: [true, false] }, seeds: [0, 1] });
    const sub = cli(['sweep', '--spec', specFile, '--slurm', '--slurm-dir', join(dir, 'sweeps'), '--backend', 'cpu', '--array-limit', '2', '--json', '--db', db], cluster.env);
    expect(sub.code, sub.stderr).toBe(0);
    const { sweepId, folder, jobId } = JSON.parse(sub.stdout);
    await until('two tasks training', () => [0, 1].every((i) => shardLook(folder, i)?.status === 'running' && (shardLook(folder, i)?.checkpoint ?? 0) >= 50 && slurmState(jobId, i) === 'RUNNING'));

    // --partial brings the runs so far in, as interrupted (no local runner may take them), metrics included
    const part = JSON.parse(cli(['slurm', 'collect', String(sweepId), '--partial', '--json', '--db', db], cluster.env).stdout);
    expect(part.collected.map((x: { status: string }) => x.status)).toEqual(['interrupted', 'interrupted']);
    const partRun = runs(db).find((x) => x.uuid === part.collected[0].uuid)!;
    expect(partRun.statusDetail).toMatch(/^partial: collected at epoch \d+ while the run was running \(RUNNING on Slurm\)/);
    expect(partRun.scalars['train/epochLoss']!.steps.length).toBeGreaterThan(0);

    const t0 = Date.now();
    const c = cli(['slurm', 'cancel', String(sweepId), '--json', '--db', db], cluster.env);
    expect(c.code, c.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const r = JSON.parse(c.stdout);
    expect(r.stopped).toBe(true);
    const tasks = status(db, sweepId);
    expect(tasks.every((t) => t.slurmState === 'CANCELLED'), JSON.stringify(tasks)).toBe(true);
    // the two that ran stopped at an epoch boundary and say so; the two that never started are cancelled too
    const all = runs(db);
    expect(all.map((x) => x.status)).toEqual(['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    const ran = tasks.filter((t) => t.shard !== null);
    expect(ran).toHaveLength(2);
    for (const t of ran) {
      expect(t.shard!.status).toBe('cancelled');
      expect(readFileSync(join(folder, 'logs', `task-${t.index}.out`), 'utf8')).toMatch(/SIGTERM: stopping the run[\s\S]*cancelled at epoch \d+/);
    }
  }, 90_000);

  it('shows sbatch refusing the script, and records the runs as failed, not queued', () => {
    const db = join(dir, 'refused.sqlite');
    const specFile = writeJson(dir, 'small.json', { ...spec, seeds: [0] });
    const r = cli(['sweep', '--spec', specFile, '--slurm', '--slurm-dir', join(dir, 'sweeps'), '--partition', 'nosuch', '--db', db], cluster.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sbatch refused .*job\.sbatch: .*invalid partition/i);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(runs(db).map((x) => x.status)).toEqual(['failed', 'failed']);
  });
});

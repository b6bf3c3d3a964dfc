/**
 * `scl-lab sweep --slurm` on a real one-node Slurm (slurm-wlm + munge, brought up on loopback for this file):
 * submit, wait, collect, same final metrics as the same configs run locally; `scontrol requeue` of a running
 * task resumes from its shard's checkpoint; `scl-lab slurm cancel` stops the rest cleanly.
 */
import { readFileSync, rmSync } from 'node:fs';
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
  optimizer: { name: 'gd', lr: 0.05 }, epochs: 240, seed: 0, evalEvery: 30,
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

async function until<T>(what: string, fn: () => T | undefined | false, ms = 90_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(300);
  }
}

function runs(db: string, sweepId: number): { id: number; name: string; status: string; result: { final: Record<string, unknown> } | null }[] {
  const r = cli(['list', '--sweep', String(sweepId), '--json', '--db', db]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).map((x: { id: number }) => JSON.parse(cli(['show', String(x.id), '--json', '--db', db]).stdout));
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
    expect(runs(db, sweepId).map((r) => r.status)).toEqual(['queued', 'queued', 'queued', 'queued']);

    // requeue task 0 once it has a checkpoint (every 30 epochs) and is not done
    await until('task 0 running past its first checkpoint', () =>
      status(db, sweepId).find((t) => t.index === 0 && t.slurmState === 'RUNNING' && (t.shard?.epoch ?? 0) >= 40 && t.shard?.status === 'running'));
    const requeuedAt = Date.now();
    const rq = cluster.cmd('scontrol', ['requeue', `${jobId}_0`]);
    expect(rq.code, rq.stderr).toBe(0);
    // Slurm holds a requeued job back (BeginTime); start it again now
    await until('task 0 restarted', () => {
      cluster.cmd('scontrol', ['update', `JobId=${jobId}_0`, 'StartTime=now']);
      return status(db, sweepId).find((t) => t.index === 0 && t.slurmState === 'RUNNING' && t.shard?.status === 'running');
    });
    await until('every task COMPLETED', () => status(db, sweepId).every((t) => t.slurmState === 'COMPLETED'));

    const col = cli(['slurm', 'collect', String(sweepId), '--json', '--db', db], cluster.env);
    expect(col.code, col.stderr).toBe(0);
    const report = JSON.parse(col.stdout);
    expect(report.collected.map((c: { status: string }) => c.status)).toEqual(['finished', 'finished', 'finished', 'finished']);
    expect(report.collected.map((c: { runId: number }) => c.runId)).toEqual(runIds); // same ids, replaced in place
    // idempotent
    const again = JSON.parse(cli(['slurm', 'collect', String(sweepId), '--json', '--db', db], cluster.env).stdout);
    expect(again.collected.map((c: { action: string }) => c.action)).toEqual(['unchanged', 'unchanged', 'unchanged', 'unchanged']);

    // task 0 resumed from its checkpoint: its log says so, and the epochs before the requeue kept their times
    const log0 = readFileSync(join(folder, 'logs', 'task-0.out'), 'utf8');
    const resumed = log0.match(/resuming run \S+ from its checkpoint at epoch (\d+) of 240/);
    expect(resumed, log0).not.toBeNull();
    expect(Number(resumed![1])).toBeGreaterThanOrEqual(30);
    expect(log0).toMatch(/SIGTERM: stopping the run/);
    const exported = JSON.parse(cli(['export', String(runIds[0]), '--db', db]).stdout);
    const loss = exported.runs[0].scalars['train/epochLoss'];
    expect(loss.steps).toEqual(Array.from({ length: 240 }, (_, i) => i + 1));
    expect(loss.wallMs[0]).toBeLessThan(requeuedAt); // epoch 1 was not trained again
    expect(loss.wallMs[239]).toBeGreaterThan(requeuedAt);

    // the same configs run locally (same seeds, same backend) end with the same final metrics
    const localDb = join(dir, 'local.sqlite');
    const local = cli(['sweep', '--spec', specFile, '--backend', 'cpu', '-j', '2', '--json', '-q', '--db', localDb]);
    expect(local.code, local.stderr).toBe(0);
    const here = runs(localDb, JSON.parse(local.stdout).sweepId);
    const there = runs(db, sweepId);
    expect(there.map((r) => r.status)).toEqual(['finished', 'finished', 'finished', 'finished']);
    for (const r of there) {
      const twin = here.find((l) => l.name === r.name)!;
      expect(twin, r.name).toBeDefined();
      expect(r.result!.final).toEqual(twin.result!.final);
    }
  }, 110_000);

  it('slurm cancel stops the running tasks cleanly and records where each run stopped', async () => {
    const db = join(dir, 'cancel.sqlite');
    const specFile = writeJson(dir, 'long.json', { name: 'long', base: { ...base, epochs: 1_000_000, evalEvery: 200 }, grid: { relu: [true, false] }, seeds: [0, 1] });
    const sub = cli(['sweep', '--spec', specFile, '--slurm', '--slurm-dir', join(dir, 'sweeps'), '--backend', 'cpu', '--array-limit', '2', '--json', '--db', db], cluster.env);
    expect(sub.code, sub.stderr).toBe(0);
    const { sweepId, folder } = JSON.parse(sub.stdout);
    await until('two tasks training', () => status(db, sweepId).filter((t) => t.slurmState === 'RUNNING' && (t.shard?.epoch ?? 0) > 0).length === 2);

    // --partial brings the runs so far in, as interrupted (no local runner may take them), metrics included
    const part = JSON.parse(cli(['slurm', 'collect', String(sweepId), '--partial', '--json', '--db', db], cluster.env).stdout);
    expect(part.collected.map((x: { status: string }) => x.status)).toEqual(['interrupted', 'interrupted']);
    const partRun = JSON.parse(cli(['show', String(part.collected[0].runId), '--json', '--db', db]).stdout);
    expect(partRun.statusDetail).toMatch(/^partial: collected at epoch \d+ while the run was running \(RUNNING on Slurm\)/);
    expect(partRun.summaries['train/epochLoss'].lastStep).toBeGreaterThan(0);

    const t0 = Date.now();
    const c = cli(['slurm', 'cancel', String(sweepId), '--json', '--db', db], cluster.env);
    expect(c.code, c.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    const r = JSON.parse(c.stdout);
    expect(r.stopped).toBe(true);
    const tasks = status(db, sweepId);
    expect(tasks.every((t) => t.slurmState === 'CANCELLED'), JSON.stringify(tasks)).toBe(true);
    // the two that ran stopped at an epoch boundary and say so; the two that never started are cancelled too
    const all = runs(db, sweepId);
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
    expect(runs(db, 1).map((x) => x.status)).toEqual(['failed', 'failed']);
  });
});

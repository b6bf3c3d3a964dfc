/**
 * Slurm's own commands, nothing of ours in between: sbatch submits, squeue (and sacct where accounting is on)
 * report, scancel cancels. They find the cluster the usual way (slurm.conf, or $SLURM_CONF).
 */
import { spawnSync } from 'node:child_process';
import { ClusterError } from './script';

export interface TaskState {
  /** PENDING, RUNNING, COMPLETED, FAILED, TIMEOUT, PREEMPTED, CANCELLED, REQUEUED, ... */
  state: string;
  reason: string | null;
  /** Where the state came from. */
  source: 'squeue' | 'sacct';
}

/** Slurm states in which the task will still run (or runs): its shard is not final yet. */
export const ACTIVE_STATES = ['PENDING', 'RUNNING', 'REQUEUED', 'REQUEUE_HOLD', 'REQUEUE_FED', 'CONFIGURING', 'COMPLETING', 'RESIZING', 'SUSPENDED', 'STOPPED', 'SIGNALING', 'STAGE_OUT'];

function run(cmd: string, args: string[], cwd?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd, timeout: 60_000 });
  if (r.error) {
    if ((r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ClusterError(`no \`${cmd}\` on PATH: run this on a machine with Slurm's commands (a login node), or install them`);
    }
    throw new ClusterError(`${cmd} failed: ${r.error.message}`);
  }
  return { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: (r.stderr ?? '').trim() };
}

/** Submits the script; returns the job id. sbatch's own message when it refuses. */
export function sbatch(script: string, cwd: string): string {
  const r = run('sbatch', ['--parsable', script], cwd);
  if (r.code !== 0) throw new ClusterError(`sbatch refused ${script}: ${r.stderr || `exit code ${r.code}`}`);
  const id = r.stdout.trim().split(';')[0]!;
  if (!/^\d+$/.test(id)) throw new ClusterError(`sbatch printed no job id for ${script}: ${JSON.stringify(r.stdout.trim())}`);
  return id;
}

/** squeue's view of the array's tasks (those the controller still remembers), by array index. */
export function squeue(jobId: string): Map<number, TaskState> {
  const r = run('squeue', ['-h', '-r', '-t', 'all', '-j', jobId, '-o', '%K|%T|%r']);
  const out = new Map<number, TaskState>();
  if (r.code !== 0) {
    if (/invalid job id/i.test(r.stderr)) return out; // the controller forgot the job
    throw new ClusterError(`squeue failed: ${r.stderr || `exit code ${r.code}`}`);
  }
  for (const l of r.stdout.split('\n')) {
    const [k, state, reason] = l.trim().split('|');
    if (!k || !state || !/^\d+$/.test(k)) continue;
    out.set(Number(k), { state, reason: reason && reason !== 'None' ? reason : null, source: 'squeue' });
  }
  return out;
}

/** sacct's view (finished tasks too), or null where accounting storage is off. */
export function sacct(jobId: string): Map<number, TaskState> | null {
  let r;
  try {
    r = run('sacct', ['-n', '-P', '-X', '-j', jobId, '-o', 'JobID,State,Reason']);
  } catch {
    return null;
  }
  if (r.code !== 0) return null;
  const out = new Map<number, TaskState>();
  for (const l of r.stdout.split('\n')) {
    const [id, state, reason] = l.trim().split('|');
    const m = id?.match(/^\d+_(\d+)$/);
    if (!m || !state) continue;
    out.set(Number(m[1]), { state: state.split(' ')[0]!, reason: reason && reason !== 'None' ? reason : null, source: 'sacct' });
  }
  return out;
}

/** The state of every task: squeue first (live), then sacct (history). */
export function taskStates(jobId: string): Map<number, TaskState> {
  const live = squeue(jobId);
  const past = sacct(jobId);
  if (past) for (const [k, v] of past) if (!live.has(k)) live.set(k, v);
  return live;
}

export function scancel(jobId: string): void {
  const r = run('scancel', [jobId]);
  if (r.code !== 0) throw new ClusterError(`scancel ${jobId} failed: ${r.stderr || `exit code ${r.code}`}`);
}

/** Whether `cmd` is an executable on PATH (checked before anything is recorded). */
export function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).status === 0;
}

/**
 * The Slurm options of `scl-lab sweep --slurm` (checked before anything is written) and the job-array script
 * they become: readable and editable by hand, every line commented.
 */
import { APP_ROOT } from '../services/version';
import { join } from 'node:path';

/** An error the user can fix (bad option, no sbatch, sbatch refusing the script): exit code 2, no stack. */
export class ClusterError extends Error {}

export interface SlurmOptions {
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  mem?: string;
  gres?: string;
  account?: string;
  qos?: string;
  /** At most this many array tasks at once (`--array=0-N%limit`). */
  arrayLimit?: number;
  /** Passed to sbatch as they are, e.g. `--constraint=a100`. */
  sbatchArgs?: string[];
  /** Shell lines run before the task, e.g. `module load cuda`. */
  setup?: string[];
  /** tfjs backend for the tasks (SCL_LAB_BACKEND). */
  backend?: string;
}

const NAME = /^[A-Za-z0-9_.,+-]+$/;
// minutes | MM:SS | HH:MM:SS | D-HH | D-HH:MM | D-HH:MM:SS (sbatch --time)
const TIME = /^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d{1,2}|\d+-\d{1,2}:\d{1,2}|\d+-\d{1,2}:\d{1,2}:\d{1,2}|UNLIMITED|INFINITE)$/;
const MEM = /^\d+[KMGT]?$/i;
const GRES = /^[A-Za-z0-9_]+(:[A-Za-z0-9_.-]+)*(,[A-Za-z0-9_]+(:[A-Za-z0-9_.-]+)*)*$/;

/** Checks every option; the error names the flag. */
export function checkSlurmOptions(o: SlurmOptions): SlurmOptions {
  const bad = (flag: string, v: unknown, want: string) => new ClusterError(`${flag}: ${JSON.stringify(v)} is not ${want}`);
  for (const [flag, v] of [['--partition', o.partition], ['--account', o.account], ['--qos', o.qos]] as const) {
    if (v !== undefined && !NAME.test(v)) throw bad(flag, v, 'a Slurm name (letters, digits, _ . , + -)');
  }
  if (o.time !== undefined && !TIME.test(o.time)) throw bad('--time', o.time, 'a Slurm time (minutes, HH:MM:SS or D-HH:MM:SS)');
  if (o.mem !== undefined && !MEM.test(o.mem)) throw bad('--mem', o.mem, 'a Slurm memory size (e.g. 4G, 500M)');
  if (o.gres !== undefined && !GRES.test(o.gres)) throw bad('--gres', o.gres, 'a Slurm gres (e.g. gpu:1, gpu:a100:2)');
  for (const a of o.sbatchArgs ?? []) {
    if (!a.startsWith('-') || /[\n\r]/.test(a)) throw bad('--sbatch-arg', a, 'one sbatch option on one line (starting with -)');
  }
  for (const s of o.setup ?? []) if (/[\n\r]/.test(s) || s.trim() === '') throw bad('--setup', s, 'one non-empty shell line');
  return o;
}

/** The scl-lab this process runs from, by absolute path (the tasks run the same installation). */
export function installedCli(): { node: string; bin: string } {
  return { node: process.execPath, bin: join(APP_ROOT, 'bin', 'scl-lab.js') };
}

const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** Pads a directive to a column so the comments line up. */
const line = (text: string, comment: string): string => `${text.padEnd(44)} # ${comment}`;

export function jobScript(p: {
  sweepId: number;
  name: string;
  folder: string;
  tasks: number;
  options: SlurmOptions;
  appVersion: string;
  cli?: { node: string; bin: string };
}): string {
  const o = p.options;
  const cli = p.cli ?? installedCli();
  const array = `0-${p.tasks - 1}${o.arrayLimit ? `%${o.arrayLimit}` : ''}`;
  const d: string[] = [
    line(`#SBATCH --job-name=scl-sweep-${p.sweepId}`, 'the name squeue shows'),
    line(`#SBATCH --array=${array}`, `one task per run (runs/task-N.json)${o.arrayLimit ? `; %${o.arrayLimit}: at most ${o.arrayLimit} at once` : ''}`),
    line(`#SBATCH --output=${join(p.folder, 'logs', 'task-%a.out')}`, "each task's output and errors"),
    line('#SBATCH --open-mode=append', 'keep the output of earlier attempts'),
    line('#SBATCH --requeue', 'a preempted task goes back to the queue and resumes'),
    line(`#SBATCH --cpus-per-task=${o.cpusPerTask ?? 1}`, 'cores per run'),
  ];
  if (o.partition) d.push(line(`#SBATCH --partition=${o.partition}`, 'the partition (queue)'));
  if (o.time) d.push(line(`#SBATCH --time=${o.time}`, 'wall-clock limit per task'));
  if (o.mem) d.push(line(`#SBATCH --mem=${o.mem}`, 'memory per task'));
  if (o.gres) d.push(line(`#SBATCH --gres=${o.gres}`, 'GPUs (generic resources) per task'));
  if (o.account) d.push(line(`#SBATCH --account=${o.account}`, 'the account charged'));
  if (o.qos) d.push(line(`#SBATCH --qos=${o.qos}`, 'quality of service'));
  for (const a of o.sbatchArgs ?? []) d.push(line(`#SBATCH ${a}`, 'from --sbatch-arg'));
  const setup = (o.setup ?? []).map((s) => `${s}\n`).join('');
  return `#!/bin/bash
# SCL Geometry Lab sweep ${p.sweepId} "${p.name.replace(/[\n\r]/g, ' ')}": ${p.tasks} run(s), one Slurm array task each.
# Written by scl-lab ${p.appVersion}. Edit freely; resubmit with: sbatch ${q(join(p.folder, 'job.sbatch'))}
# Each task runs one run into its own SQLite shard (shards/task-N.sqlite), never the main database;
# \`scl-lab slurm collect\` merges the shards into it. A requeued task resumes from its shard's last checkpoint.
${d.join('\n')}

${line('set -euo pipefail', 'stop at the first failing line')}

# --setup lines (environment modules, conda, scratch folders...)
${setup || '# (none)\n'}
${o.backend ? `${line(`export SCL_LAB_BACKEND=${q(o.backend)}`, 'the tfjs backend of every run')}\n` : ''}${line(`SWEEP_DIR=${q(p.folder)}`, 'on a file system every node shares')}
${line(`NODE=${q(cli.node)}`, 'the Node.js that runs scl-lab')}
${line(`SCL_LAB=${q(cli.bin)}`, 'the installed scl-lab (absolute path)')}

# exactly one run: runs/task-$SLURM_ARRAY_TASK_ID.json -> shards/task-$SLURM_ARRAY_TASK_ID.sqlite
exec "$NODE" "$SCL_LAB" slurm task --folder "$SWEEP_DIR" --index "$SLURM_ARRAY_TASK_ID"
`;
}

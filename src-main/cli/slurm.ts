/** `scl-lab sweep --slurm ...` and `scl-lab slurm status|collect|cancel` (plus the hidden `slurm task` of the job script). */
import { Command, InvalidArgumentError } from 'commander';
import { cancelSweep, collectFolder, collectSweep, sweepStatus, type CollectReport } from '../cluster/collect';
import { submitSlurmSweep } from '../cluster/launch';
import { ClusterError } from '../cluster/script';
import { runArrayTask } from '../cluster/task';
import { readJsonFile } from '../cluster/folder';
import { parsePositiveInt, parseSweepId } from './args';
import { openDb } from './session';

// (not imported from ./commands: it imports this file for the sweep flags; no cycles)
const out = (s: string): void => void process.stdout.write(s.endsWith('\n') ? s : s + '\n');

const collectList = (v: string, prev: string[] = []): string[] => [...prev, v];

function parseIndex(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${v}" is not an array task index (a whole number >= 0)`);
  return n;
}

// ClusterError (bad flag, no sbatch, sbatch refusing, unreadable folder): main.ts prints it, exit code 2, no stack

/** The Slurm flags of `scl-lab sweep` (used with --slurm). */
export function addSlurmSweepOptions(cmd: Command): Command {
  return cmd
    .option('--slurm', 'run the sweep on a Slurm cluster: one job-array task per run (see docs/cluster.md)')
    .option('--slurm-dir <dir>', 'where the sweep folder goes (default: slurm/ next to the database); must be shared with the compute nodes')
    .option('--partition <p>', 'Slurm partition')
    .option('--time <t>', 'wall-clock limit per task (minutes, HH:MM:SS, D-HH:MM:SS)')
    .option('--cpus-per-task <n>', 'cores per task (default 1)', parsePositiveInt)
    .option('--mem <m>', 'memory per task, e.g. 4G')
    .option('--gres <gres>', 'generic resources per task, e.g. gpu:1')
    .option('--account <a>', 'Slurm account')
    .option('--qos <q>', 'Slurm quality of service')
    .option('--array-limit <n>', 'at most this many tasks at once', parsePositiveInt)
    .option('--sbatch-arg <arg>', 'an extra sbatch option for the script (repeatable), e.g. --sbatch-arg=--constraint=a100', collectList, [])
    .option('--setup <cmd>', 'a shell line run before each task (repeatable), e.g. "module load cuda"', collectList, [])
    .option('--dry-run', 'with --slurm: write the sweep folder and print the script, do not submit');
}

export interface SlurmSweepCliOptions {
  spec: string;
  db?: string;
  backend?: string;
  json?: boolean;
  slurmDir?: string;
  partition?: string;
  time?: string;
  cpusPerTask?: number;
  mem?: string;
  gres?: string;
  account?: string;
  qos?: string;
  arrayLimit?: number;
  sbatchArg?: string[];
  setup?: string[];
  dryRun?: boolean;
}

/** `scl-lab sweep --spec FILE --slurm ...`: returns the exit code. */
export async function slurmSweepCommand(opts: SlurmSweepCliOptions): Promise<number> {
  const spec = readJsonFile(opts.spec, 'sweep spec');
  const store = openDb(opts);
  try {
    const r = submitSlurmSweep(store, spec, opts.spec, {
      slurmDir: opts.slurmDir,
      partition: opts.partition,
      time: opts.time,
      cpusPerTask: opts.cpusPerTask,
      mem: opts.mem,
      gres: opts.gres,
      account: opts.account,
      qos: opts.qos,
      arrayLimit: opts.arrayLimit,
      sbatchArgs: opts.sbatchArg?.length ? opts.sbatchArg : undefined,
      setup: opts.setup?.length ? opts.setup : undefined,
      backend: opts.backend,
      dryRun: opts.dryRun,
    });
  if (opts.json) out(JSON.stringify({ sweepId: r.sweepId, jobId: r.jobId, folder: r.folder, runIds: r.runIds }));
    else if (r.jobId === null) {
      out(r.script);
      process.stderr.write(`sweep ${r.sweepId}: wrote ${r.folder} (${r.runIds.length} runs, not submitted); submit with: sbatch ${r.folder}/job.sbatch\n`);
    } else {
      out(`sweep ${r.sweepId}: submitted as Slurm job ${r.jobId} (${r.runIds.length} array tasks, runs ${r.runIds.join(', ')})`);
      out(`  folder: ${r.folder}`);
      out(`  watch: scl-lab slurm status ${r.sweepId}    collect: scl-lab slurm collect ${r.sweepId}`);
    }
    return 0;
  } finally {
    store.close();
  }
}

function printCollect(r: CollectReport, json: boolean | undefined): void {
  if (json) return out(JSON.stringify(r));
  const n = r.collected.filter((c) => c.action !== 'unchanged').length;
  out(`collected ${n} run(s) from ${r.folder} (${r.collected.length - n} unchanged, ${r.waiting.length} not ready)`);
  for (const c of r.collected) out(`  task ${c.index}: run ${c.runId} ${c.status} (${c.action})`);
  for (const w of r.waiting) out(`  task ${w.index}: ${w.why}`);
}

const dbOption = ['--db <file>', 'database file (default: the app data folder, env SCL_LAB_DB)'] as const;

export function registerSlurmCommands(program: Command, setExit: (code: number) => void): void {
  const slurm = program.command('slurm').description('sweeps submitted with `scl-lab sweep --slurm`: status, collect, cancel');

  slurm
    .command('status <sweepId>')
    .description("each task's Slurm state (squeue/sacct) with its shard's progress")
    .option('--json', 'print one JSON object')
    .option(...dbOption)
    .action(async (id: string, opts) => {
      const store = openDb(opts, true);
      try {
        const s = sweepStatus(store, parseSweepId(id));
        if (s.schedulerError) process.stderr.write(`scl-lab: warning: ${s.schedulerError}\n`);
        if (opts.json) return out(JSON.stringify(s));
        out(`sweep ${s.sweepId}: Slurm job ${s.jobId ?? '(not submitted)'}, folder ${s.folder}`);
        out(`${'task'.padStart(4)} ${'run'.padStart(5)} ${'slurm'.padEnd(12)} ${'shard'.padEnd(11)} ${'epoch'.padEnd(11)} ${'loss'.padEnd(11)} reason / error`);
        for (const t of s.tasks) {
          const sh = t.shard;
          out([
            String(t.index).padStart(4),
            String(t.runId ?? '').padStart(5),
            t.slurmState.padEnd(12),
            (sh?.status ?? '—').padEnd(11),
            (sh ? `${sh.epoch}/${sh.epochs ?? '?'}` : '—').padEnd(11),
            (sh?.loss != null ? sh.loss.toPrecision(5) : '—').padEnd(11),
            [t.reason, sh?.error].filter(Boolean).join('; '),
          ].join(' '));
        }
      } finally {
        store.close();
      }
    });

  slurm
    .command('collect [sweepId]')
    .description('merge finished shards into the database (idempotent, by run uuid); --folder for a copied sweep folder')
    .option('--folder <dir>', 'a sweep folder (e.g. copied from a cluster) instead of a sweep id')
    .option('--partial', 'also bring in runs still going (as interrupted, with their metrics so far)')
    .option('--json', 'print the report as JSON')
    .option(...dbOption)
    .action(async (id: string | undefined, opts) => {
      if ((id === undefined) === (opts.folder === undefined)) throw new ClusterError('slurm collect: give a sweep id or --folder DIR (one of them)');
      const store = openDb(opts);
      try {
        const r = opts.folder ? collectFolder(store, opts.folder, { partial: opts.partial }) : collectSweep(store, parseSweepId(id!), { partial: opts.partial });
        printCollect(r, opts.json);
      } finally {
        store.close();
      }
    });

  slurm
    .command('cancel <sweepId>')
    .description("scancel the sweep's job, wait for its tasks to stop, and record where each run stopped")
    .option('--no-wait', 'return right after scancel')
    .option('--json', 'print one JSON object')
    .option(...dbOption)
    .action(async (id: string, opts) => {
      const store = openDb(opts);
      try {
        const r = await cancelSweep(store, parseSweepId(id), opts.wait === false ? 0 : 60_000);
        if (opts.json) return out(JSON.stringify(r));
        out(`sweep ${id}: scancel ${r.jobId}${opts.wait === false ? '' : r.stopped ? '; every task stopped' : '; some tasks were still stopping after 60 s'}`);
        if (r.report) printCollect(r.report, false);
        if (opts.wait !== false && !r.stopped) setExit(1);
      } finally {
        store.close();
      }
    });

  slurm
    .command('task', { hidden: true })
    .description('(used by the job script) run array task N of a sweep folder into its shard')
    .requiredOption('--folder <dir>', 'the sweep folder')
    .requiredOption('--index <n>', 'the array task index ($SLURM_ARRAY_TASK_ID)', parseIndex)
    .action(async (opts: { folder: string; index: number }) => {
      const r = await runArrayTask(opts.folder, opts.index, (l) => out(`[${new Date().toISOString()}] ${l}`));
      setExit(r.code);
    });
}

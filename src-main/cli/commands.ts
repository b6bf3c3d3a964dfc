/** The store-backed commands: run, list, show, cancel, resume, sweep, export, import, db check, tag, notes. */
import { Command, InvalidArgumentError } from 'commander';
import { parsePositiveInt, parseRunId, parseSweepId } from './args';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunConfigText, type RunConfig } from '../api/schema/config';
import type { RunResult } from '../api/schema/result';
import { BACKEND_CHOICES, type BackendChoice } from '../compute/backend';
import { computeDetail, computeInfo } from '../api/compute-info';
import { RUN_STATUSES, type RunRecord, type RunStatus } from '../store';
import { formatResult } from './format';
import { cancelRun, deleteRuns } from '../services/runs';
import { openDb, openSession, waitForRuns } from './session';
import { addSlurmSweepOptions, slurmSweepCommand } from './slurm';
import { terminalField, terminalSafe } from './terminal-text';

/** An error the user can fix: printed without a stack, exit code 2. */
export class UsageError extends Error {}

export function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/^\uFEFF/, ''); // a UTF-8 byte-order mark is not part of the JSON
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export function readConfig(file: string): RunConfig {
  return parseRunConfigText(readText(file, 'config file'), file);
}

export function readJson(file: string, what: string): unknown {
  const text = readText(file, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

export function parseBackend(v: string): BackendChoice {
  if (!BACKEND_CHOICES.includes(v as BackendChoice)) throw new InvalidArgumentError(`must be one of ${BACKEND_CHOICES.join(', ')}`);
  return v as BackendChoice;
}

export { parsePositiveInt };

function parseStatus(v: string): RunStatus {
  if (!(RUN_STATUSES as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${RUN_STATUSES.join(', ')}`);
  return v as RunStatus;
}

/** One block of stdout; control characters in it (from stored text) are escaped, see terminal-text.ts. */
export function out(s: string): void {
  const safe = terminalSafe(s);
  process.stdout.write(safe.endsWith('\n') ? safe : safe + '\n');
}

/** One block of stderr, escaped the same way. */
export function err(s: string): void {
  const safe = terminalSafe(s);
  process.stderr.write(safe.endsWith('\n') ? safe : safe + '\n');
}

const dbOption = ['--db <file>', 'database file (default: the app data folder, env SCL_LAB_DB)'] as const;
const threadsOption = ['--threads <n>', 'compute threads for the run (default: env SCL_LAB_THREADS, else all cores; at most the core count)', parsePositiveInt] as const;

/** The result object of a run as stored, or a failure object for runs that did not produce one. */
function resultOf(r: { id: number; status: string; result: RunResult | null; error: string | null }, run: RunRecord): RunResult {
  if (r.result) return { ...r.result, runId: r.id, status: run.status };
  return {
    runId: r.id,
    status: run.status,
    backend: run.backend ?? 'unknown',
    config: run.config as unknown as RunConfig,
    final: null,
    history: [],
    seconds: 0,
    ...(r.error ? { error: r.error } : {}),
  };
}

async function runToEnd(
  opts: { db?: string; backend?: BackendChoice; threads?: number; json?: boolean; quiet?: boolean },
  start: (s: ReturnType<typeof openSession>) => number,
): Promise<number> {
  const s = openSession({ db: opts.db, backend: opts.backend, concurrency: 1, threads: opts.threads });
  try {
    const id = start(s);
    const [r] = await waitForRuns(s, [id], opts.quiet);
    const result = resultOf(r, s.store.getRun(id));
    out(opts.json ? JSON.stringify(result) : formatResult(result));
    if (r.status === 'failed') {
      err(`scl-lab: run ${id} failed: ${r.error}`);
      return 1;
    }
    return r.status === 'cancelled' ? 130 : 0;
  } finally {
    await s.close();
  }
}

function statusLine(r: RunRecord): string {
  const s = r.summaries;
  const v = (k: string) => (s[k] ? s[k].last.toPrecision(4) : '—');
  return [
    String(r.id).padStart(5),
    (r.orphaned ? 'orphaned' : r.status).padEnd(11),
    terminalField(r.backend ?? '').padEnd(8),
    terminalField(r.name ?? '').slice(0, 40).padEnd(40),
    `ΔOF ${v('geom/deltaOF')}`.padEnd(14),
    `ΔETF ${v('geom/deltaETF')}`.padEnd(15),
    `epoch ${r.lastStep ?? 0}`,
    r.tags.length ? `[${r.tags.map(terminalField).join(', ')}]` : '',
  ].join(' ');
}

export function statusLineOf(r: RunRecord): string {
  return statusLine(r);
}

export function registerStoreCommands(program: Command, setExit: (code: number) => void): void {
  program
    .command('run')
    .description('run an experiment from a config file, record it in the database and print its geometry')
    .requiredOption('-c, --config <file>', 'run config (JSON)')
    .option('--json', 'print exactly one JSON result object on stdout')
    .option('--name <name>', 'a name for the run')
    .option('--backend <name>', `tfjs backend: ${BACKEND_CHOICES.join(' | ')} (env SCL_LAB_BACKEND)`, parseBackend)
    .option(...threadsOption)
    .option(...dbOption)
    .option('-q, --quiet', 'no progress bar')
    .action(async (opts) => {
      const config = readConfig(opts.config);
      setExit(await runToEnd(opts, (s) => s.service.submit(config, { name: opts.name })));
    });

  program
    .command('resume <id>')
    .description('continue an interrupted, cancelled or failed run from its last checkpoint')
    .option('--json', 'print exactly one JSON result object on stdout')
    .option('--backend <name>', 'tfjs backend', parseBackend)
    .option(...threadsOption)
    .option(...dbOption)
    .option('-q, --quiet', 'no progress bar')
    .action(async (id: string, opts) => {
      const runId = parseRunId(id);
      setExit(await runToEnd(opts, (s) => s.service.resume(runId).id));
    });

  addSlurmSweepOptions(program
    .command('sweep')
    .description('expand a sweep spec (base config x grid x seeds) into queued runs and run them (here, or on Slurm with --slurm)')
    .requiredOption('-s, --spec <file>', 'sweep spec (JSON): { "name", "base": {config}, "grid": {"relu": [true, false]}, "seeds": [0, 1] }')
    .option('-j, --concurrency <n>', 'runs at once (default: number of cores, or cores / --threads)', parsePositiveInt)
    .option('--threads <n>', 'compute threads per run (default: env SCL_LAB_THREADS, else one each while the runs fill the cores); runs x threads <= cores', parsePositiveInt)
    .option('--backend <name>', 'tfjs backend', parseBackend)
    .option('--json', 'print one JSON object')
    .option(...dbOption)
    .option('-q, --quiet', 'no progress bars'))
    .action(async (opts) => {
      if (opts.slurm) return setExit(await slurmSweepCommand(opts));
      const spec = readJson(opts.spec, 'sweep spec');
      const s = openSession({ db: opts.db, backend: opts.backend, concurrency: opts.concurrency, threads: opts.threads });
      try {
        const { sweepId, runIds } = s.service.sweep(spec, opts.spec);
        if (!opts.json) err(`sweep ${sweepId}: queued runs ${runIds.join(', ')}`);
        const results = await waitForRuns(s, runIds, opts.quiet);
        const groups = s.store.seedGroups({ sweepId });
        if (opts.json) out(JSON.stringify({ sweepId, runIds, statuses: results.map((r) => r.status), seedGroups: groups }));
        else {
          out(`sweep ${sweepId}: ${runIds.length} runs in ${groups.length} seed group(s)`);
          for (const r of runIds) out(statusLine(s.store.getRun(r)));
        }
        if (results.some((r) => r.status === 'failed')) setExit(1);
      } finally {
        await s.close();
      }
    });

  program
    .command('list')
    .description('list runs with their latest metrics')
    .option('--status <status>', `filter: ${RUN_STATUSES.join(' | ')}`, parseStatus)
    .option('--tag <tag>', 'only runs with this tag')
    .option('--text <text>', 'substring of name, notes or config')
    .option('--sweep <id>', 'only runs of this sweep', parseSweepId)
    .option('--limit <n>', 'at most this many (newest first)', parsePositiveInt, 100)
    .option('--json', 'print one JSON array')
    .option(...dbOption)
    .action((opts) => {
      const store = openDb(opts, true);
      try {
        const runs = store.listRuns({ status: opts.status, tag: opts.tag, text: opts.text, sweepId: opts.sweep, limit: opts.limit });
        if (opts.json) out(JSON.stringify(runs));
        else if (runs.length === 0) out('no runs');
        else runs.forEach((r) => out(statusLine(r)));
      } finally {
        store.close();
      }
    });

  program
    .command('show <id>')
    .description('one run: status, config, backend, final geometry')
    .option('--json', 'print the run record as JSON')
    .option(...dbOption)
    .action((id: string, opts) => {
      const store = openDb(opts, true);
      try {
        const run = store.getRun(parseRunId(id));
        if (opts.json) return out(JSON.stringify(run));
        out(statusLine(run));
        if (run.backend) out(`  compute: ${terminalField(computeDetail(computeInfo(run.backend, run.env)))}`);
        if (run.error) out(`  error: ${run.error}`);
        if (run.statusDetail) out(`  detail: ${terminalField(run.statusDetail)}`);
        if (run.notes) out(`  notes: ${terminalField(run.notes)}`);
        if (run.result) out(formatResult({ ...(run.result as RunResult), runId: run.id, status: run.status }));
        out(`  config: ${JSON.stringify(run.config)}`);
      } finally {
        store.close();
      }
    });

  program
    .command('cancel <id>')
    .description('cancel a queued or running run, whichever process runs it (it stops at its next epoch)')
    .option(...dbOption)
    .action((id: string, opts) => {
      const runId = parseRunId(id); // before the database is opened (or created)
      const store = openDb(opts);
      try {
        const what = cancelRun(store, null, runId); // the one cancel path: the store's cancel request
        out(`run ${runId}: ${what === 'cancelled' ? 'cancelled' : 'cancel requested'}`);
      } finally {
        store.close();
      }
    });

  program
    .command('delete <ids...>')
    .description('move runs to the trash (an active run is cancelled first; see scl-lab trash)')
    .option(...dbOption)
    .action(async (ids: string[], opts) => {
      const runIds = ids.map(parseRunId);
      const store = openDb(opts);
      try {
        const n = await deleteRuns(store, null, runIds);
        out(`moved ${n} run(s) to the trash (scl-lab trash restore ID brings them back)`);
      } finally {
        store.close();
      }
    });

  program
    .command('export [ids...]')
    .description('export runs (all when no ids): JSON bundle (round-trips through import) or CSV (runs.csv + metrics.csv)')
    .option('-f, --format <format>', 'json | csv', 'json')
    .option('-o, --out <path>', 'output file (json; default stdout) or folder (csv)')
    .option(...dbOption)
    .action((ids: string[], opts) => {
      if (!['json', 'csv'].includes(opts.format)) throw new UsageError(`--format must be json or csv (got "${opts.format}")`);
      const runIds = ids.length ? ids.map(parseRunId) : undefined;
      const store = openDb(opts, true);
      try {
        if (opts.format === 'json') {
          const text = JSON.stringify(store.exportRuns(runIds));
          if (opts.out) writeFileSync(opts.out, text);
          else out(text);
        } else {
          if (!opts.out) throw new UsageError('--out <folder> is required for --format csv (it writes runs.csv and metrics.csv)');
          mkdirSync(opts.out, { recursive: true });
          writeFileSync(join(opts.out, 'runs.csv'), store.runsCsv(runIds));
          writeFileSync(join(opts.out, 'metrics.csv'), store.metricsCsv(runIds));
          out(`wrote ${join(opts.out, 'runs.csv')} and ${join(opts.out, 'metrics.csv')}`);
        }
      } finally {
        store.close();
      }
    });

  program
    .command('import <file>')
    .description('import a JSON bundle written by export (runs already present, by uuid, are skipped)')
    .option('--json', 'print the import report as JSON')
    .option(...dbOption)
    .action((file: string, opts) => {
      const bundle = readJson(file, 'export bundle');
      const store = openDb(opts);
      try {
        const report = store.importRuns(bundle);
        if (opts.json) out(JSON.stringify(report));
        else {
          out(`imported ${report.imported.length} run(s), skipped ${report.skipped.length}`);
          for (const s of report.skipped) out(`  skipped ${terminalField(s.uuid)}: ${s.reason}`);
          for (const w of report.warnings) out(`  warning: ${terminalField(w)}`);
        }
      } finally {
        store.close();
      }
    });

  program
    .command('tag <id> <tags...>')
    .description('add tags to a run (prefix a tag with - to remove it)')
    .option(...dbOption)
    .action((id: string, tags: string[], opts) => {
      const runId = parseRunId(id);
      const store = openDb(opts);
      try {
        for (const t of tags) (t.startsWith('-') ? store.removeTag(runId, t.slice(1)) : store.addTag(runId, t));
        out(`run ${runId}: [${store.getRun(runId).tags.join(', ')}]`);
      } finally {
        store.close();
      }
    });

  program
    .command('rename <id> <name>')
    .description('name a run ("" clears the name: the app then names it from its distinguishing config)')
    .option(...dbOption)
    .action((id: string, name: string, opts) => {
      const runId = parseRunId(id);
      const store = openDb(opts);
      try {
        store.renameRun(runId, name);
        const now = store.getRun(runId).name;
        out(now === null ? `run ${runId}: name cleared` : `run ${runId}: ${now}`);
      } finally {
        store.close();
      }
    });

  program
    .command('views')
    .description('list the saved views (names for app URLs with a Compare or claim view\'s whole state)')
    .option('--json', 'print one JSON array')
    .option(...dbOption)
    .action((opts) => {
      const store = openDb(opts, true);
      try {
        const views = store.listViews();
        if (opts.json) out(JSON.stringify(views));
        else if (!views.length) out('no saved views');
        else for (const v of views) out(`${v.name}\t${v.url}`);
      } finally {
        store.close();
      }
    });

  program
    .command('notes <id> <text>')
    .description("set a run's notes")
    .option(...dbOption)
    .action((id: string, text: string, opts) => {
      const runId = parseRunId(id);
      const store = openDb(opts);
      try {
        store.setNotes(runId, text);
      } finally {
        store.close();
      }
    });

  const db = program.command('db').description('database maintenance');
  db.command('check')
    .description('integrity check and counts')
    .option('--json', 'print one JSON object')
    .option(...dbOption)
    .action((opts) => {
      const store = openDb(opts, true);
      try {
        const r = store.check();
        if (opts.json) out(JSON.stringify({ file: store.file, ...r }));
        else {
          out(`database ${store.file}: schema version ${r.userVersion}, integrity ${r.integrity}`);
          out(Object.entries(r.counts).map(([k, v]) => `  ${k}: ${v < 0 ? 'unreadable' : v}`).join('\n'));
          if (r.integrity !== 'ok') err('scl-lab: the database is malformed; restore it from a backup (or move it aside to start a new one)');
        }
        if (r.integrity !== 'ok') setExit(2);
      } finally {
        store.close();
      }
    });
}

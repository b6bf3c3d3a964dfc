/**
 * `scl-lab`: the command line over the same services as the app.
 * Exit codes: 0 ok, 1 the run failed, 2 bad input (config, arguments, files).
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { readFileSync } from 'node:fs';
import { ConfigError, parseRunConfigText, type RunConfig } from '../api/schema/config';
import { BACKEND_CHOICES, initBackend, type BackendChoice } from '../compute/backend';
import { runJob } from '../runner/job';
import { analyseConfigBatching } from '../services/analysis';
import { formatAnalysis, formatResult } from './format';
import { makeProgress } from './progress';

/** An error the user can fix: printed without a stack, exit code 2. */
export class UsageError extends Error {}

function readConfig(file: string): RunConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read config file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseRunConfigText(text, file);
}

function parseBackend(v: string): BackendChoice {
  if (!BACKEND_CHOICES.includes(v as BackendChoice)) throw new InvalidArgumentError(`must be one of ${BACKEND_CHOICES.join(', ')}`);
  return v as BackendChoice;
}

function parsePositiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number >= 1');
  return n;
}

function out(s: string): void {
  process.stdout.write(s.endsWith('\n') ? s : s + '\n');
}

export function buildProgram(): Command {
  const program = new Command('scl-lab')
    .description('SCL Geometry Lab: run, store and compare supervised-contrastive geometry experiments')
    .version(require('../../../package.json').version)
    .exitOverride()
    .showHelpAfterError();

  program
    .command('run')
    .description('run an experiment from a config file and print its geometry')
    .requiredOption('-c, --config <file>', 'run config (JSON)')
    .option('--json', 'print exactly one JSON result object on stdout')
    .option('--backend <name>', `tfjs backend: ${BACKEND_CHOICES.join(' | ')} (env SCL_LAB_BACKEND)`, parseBackend)
    .option('-q, --quiet', 'no progress bar')
    .action(async (opts: { config: string; json?: boolean; backend?: BackendChoice; quiet?: boolean }) => {
      const config = readConfig(opts.config);
      const backend = await initBackend(opts.backend);
      const bar = makeProgress(config.epochs, 'training', opts.quiet);
      let lastDeltaOF = NaN;
      const result = runJob(
        config,
        {
          progress: (p) => bar.update(p.epoch, `loss ${p.loss.toPrecision(6)} ΔOF ${lastDeltaOF.toFixed(4)}`),
          metrics: (_s, v) => {
            if (v['geom/deltaOF'] !== undefined && v['geom/deltaOF'] !== null) lastDeltaOF = v['geom/deltaOF'];
          },
        },
        { backend: backend.name },
      );
      bar.stop();
      out(opts.json ? JSON.stringify(result) : formatResult(result));
    });

  program
    .command('analyze-batching')
    .alias('analyse-batching')
    .description("check the config's batching against the OF uniqueness conditions (within-class connectivity, class-pair coverage)")
    .requiredOption('-c, --config <file>', 'run config (JSON)')
    .option('-e, --epochs <n>', 'unite the batches of this many epochs', parsePositiveInt, 1)
    .option('--json', 'print one JSON object')
    .action((opts: { config: string; epochs: number; json?: boolean }) => {
      const config = readConfig(opts.config);
      const a = analyseConfigBatching(config, opts.epochs);
      out(opts.json ? JSON.stringify(a) : formatAnalysis(a));
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof ConfigError || e instanceof UsageError) {
      process.stderr.write(`scl-lab: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`scl-lab: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}

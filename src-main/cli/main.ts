/**
 * `scl-lab`: the command line over the same services as the app.
 * Exit codes: 0 ok, 1 the run failed, 2 bad input (config, arguments, files).
 */
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { ConfigError } from '../api/schema/config';
import { ClusterError } from '../cluster/script';
import { analyseConfigBatching } from '../services/analysis';
import { budgetCheck } from '../services/preflight';
import { APP_VERSION } from '../services/version';
import { StoreError } from '../store';
import { ThreadBudgetError } from '../runner/thread-budget';
import { isCorruptionError } from '../store/health';
import { err, out, parsePositiveInt, readConfig, registerStoreCommands, UsageError } from './commands';
import { formatAnalysis } from './format';
import { registerReproduceCommand } from './reproduce';
import { registerServeCommand } from './serve';
import { registerSummarizeCommand } from './summarize';
import { registerTrashCommands } from './trash';
import { registerSlurmCommands } from './slurm';
import { DataError, listDatasets } from '../data';

export function buildProgram(setExit: (code: number) => void = () => {}): Command {
  const program = new Command('scl-lab')
    .description('SCL Geometry Lab: run, store and compare supervised-contrastive geometry experiments')
    .version(APP_VERSION)
    .exitOverride()
    .showHelpAfterError();

  registerStoreCommands(program, setExit);
  registerTrashCommands(program);
  registerServeCommand(program);
  registerReproduceCommand(program, setExit);
  registerSlurmCommands(program, setExit);
  registerSummarizeCommand(program);

  program
    .command('datasets')
    .description('list the datasets found on this machine and where (folders, $SCL_LAB_DATA, system packages)')
    .option('--json', 'print one JSON array')
    .action((opts: { json?: boolean }) => {
      const all = listDatasets();
      if (opts.json) return out(JSON.stringify(all));
      for (const d of all) out(d.found ? `${d.kind.padEnd(14)} ${d.location.folder} (${d.location.source})` : `${d.kind.padEnd(14)} not found: ${d.reason}`);
      out('synthetic      always available (seeded Gaussian mixture)');
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
      const over = budgetCheck(config);
      if (over.length) throw new ConfigError(over, opts.config);
      const a = analyseConfigBatching(config, opts.epochs);
      out(opts.json ? JSON.stringify(a) : formatAnalysis(a));
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof InvalidArgumentError) {
      // thrown by an argument parser called from an action (not by commander's own option parsing, which prints
      // the message itself and throws a plain CommanderError): commander has printed nothing
      err(`scl-lab: ${e.message}`);
      return 2;
    }
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors were already printed by commander
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof ConfigError || e instanceof UsageError || e instanceof ThreadBudgetError || e instanceof ClusterError || e instanceof DataError || (e instanceof StoreError && e.code !== 'IO')) {
      err(`scl-lab: ${e.message}`);
      return 2;
    }
    if (isCorruptionError(e)) {
      err(`scl-lab: the database is malformed (${(e as Error).message}); run "scl-lab db check" for the details and restore the file from a backup`);
      return 2;
    }
    err(`scl-lab: ${(e as Error).message ?? String(e)}`);
    return 1;
  }
}

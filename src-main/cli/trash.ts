/** `scl-lab trash list | restore <ids...> | empty [ids...]`: the runs deleted from the app or with `scl-lab delete`. */
import { Command } from 'commander';
import { emptyTrash, restoreRuns } from '../services/runs';
import { out, statusLineOf } from './commands';
import { parseRunId } from './args';
import { openDb } from './session';

const dbOption = ['--db <file>', 'database file (default: the app data folder, env SCL_LAB_DB)'] as const;

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

export function registerTrashCommands(program: Command): void {
  const trash = program.command('trash').description('deleted runs: list, restore, or empty for good (frees the space)');

  trash
    .command('list')
    .description('the runs in the trash, most recently deleted first')
    .option('--json', 'print one JSON array')
    .option(...dbOption)
    .action((opts: { json?: boolean; db?: string }) => {
      const store = openDb(opts, true);
      try {
        const runs = store.listRuns({ onlyDeleted: true, orderBy: 'deleted' });
        if (opts.json) out(JSON.stringify(runs));
        else if (runs.length === 0) out('the trash is empty');
        else runs.forEach((r) => out(`${statusLineOf(r)}  deleted ${new Date(r.deletedAt!).toISOString()}`));
      } finally {
        store.close();
      }
    });

  trash
    .command('restore <ids...>')
    .description('bring runs back from the trash, with their metrics, snapshots, checkpoints, tags and notes')
    .option(...dbOption)
    .action((ids: string[], opts: { db?: string }) => {
      const runIds = ids.map(parseRunId); // before the database is opened (or created)
      const store = openDb(opts);
      try {
        const n = restoreRuns(store, runIds);
        out(`restored ${n} run(s)`);
      } finally {
        store.close();
      }
    });

  trash
    .command('empty [ids...]')
    .description('delete the runs in the trash (all, or these) for good, then compact the database file')
    .option('--json', 'print one JSON object')
    .option(...dbOption)
    .action((ids: string[], opts: { json?: boolean; db?: string }) => {
      const runIds = ids.length ? ids.map(parseRunId) : undefined;
      const store = openDb(opts);
      try {
        const r = emptyTrash(store, runIds);
        const freed = Math.max(0, r.bytesBefore - r.bytesAfter);
        if (opts.json) out(JSON.stringify({ purged: r.purged, bytesBefore: r.bytesBefore, bytesAfter: r.bytesAfter, bytesFreed: freed }));
        else if (r.purged.length === 0) out('the trash is empty');
        else out(`purged ${r.purged.length} run(s) (${r.purged.join(', ')}); freed ${formatBytes(freed)} (database ${formatBytes(r.bytesBefore)} -> ${formatBytes(r.bytesAfter)})`);
      } finally {
        store.close();
      }
    });
}

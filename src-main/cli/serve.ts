/** `scl-lab serve`: the API over HTTP + WebSocket on 127.0.0.1 (see src-main/api/serve.ts); Ctrl-C stops it cleanly. */
import { Command, InvalidArgumentError } from 'commander';
import { startServer } from '../api/serve';
import { out, parseBackend, parsePositiveInt } from './commands';

function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number 0-65535 (0 = any free port)');
  return n;
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the app to a browser on this machine (127.0.0.1 only; the printed URL carries a random token)')
    .option('-p, --port <port>', 'port (0 = any free port)', parsePort, 0)
    .option('--db <file>', 'database file (default: the app data folder, env SCL_LAB_DB)')
    .option('--backend <name>', 'tfjs backend for runs', parseBackend)
    .option('-j, --concurrency <n>', 'runs at once (default: number of cores)', parsePositiveInt)
    .option('--renderer <dir>', 'built renderer folder (default: dist-renderer/ of the project)')
    .action(async (opts: { port: number; db?: string; backend?: string; concurrency?: number; renderer?: string }) => {
      const srv = await startServer({ port: opts.port, db: opts.db, backend: opts.backend, concurrency: opts.concurrency, rendererDir: opts.renderer });
      out(srv.url); // first line of stdout: scripts and tests read it
      process.stderr.write(`scl-lab serve: database ${srv.store.file}; open the URL above in a browser; Ctrl-C stops\n`);
      await new Promise<void>((done) => {
        let signals = 0;
        const onSignal = () => {
          signals++;
          if (signals > 1) {
            process.stderr.write('scl-lab serve: stopping now\n');
            process.exit(130);
          }
          process.stderr.write('scl-lab serve: shutting down (cancelling running runs; Ctrl-C again to stop at once)...\n');
          srv.close().then(
            () => {
              process.off('SIGINT', onSignal);
              process.off('SIGTERM', onSignal);
              done();
            },
            (e: unknown) => {
              process.stderr.write(`scl-lab serve: shutdown failed: ${(e as Error).message}\n`);
              process.exit(1);
            },
          );
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
    });
}

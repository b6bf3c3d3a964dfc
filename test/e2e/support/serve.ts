/**
 * Start the real `scl-lab serve` (the built CLI) on a random port with its own database, as a child
 * process; its first stdout line is the URL with the token.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../../..');

export interface Served {
  url: string;
  origin: string;
  token: string;
  proc: ChildProcess;
  stderr: () => string;
  stop(): Promise<void>;
}

export function assertBuilt(): void {
  const missing = [join(ROOT, 'dist/src-main/cli/main.js'), join(ROOT, 'dist-renderer/index.html')].filter((f) => !existsSync(f));
  if (missing.length) throw new Error(`not built: ${missing.join(', ')} missing; run \`npm run build\` first`);
}

export async function startServe(db: string, extra: string[] = []): Promise<Served> {
  assertBuilt();
  const proc = spawn(process.execPath, [join(ROOT, 'bin/scl-lab.js'), 'serve', '--port', '0', '--db', db, ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((ok, fail) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`scl-lab serve printed no URL in 30 s; stderr:\n${err}`)), 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        ok(out.slice(0, nl).trim());
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`scl-lab serve exited (${code}); stderr:\n${err}`));
    });
  });
  const u = new URL(url);
  return {
    url,
    origin: u.origin,
    token: u.searchParams.get('token') ?? '',
    proc,
    stderr: () => err,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise<void>((ok) => proc.once('exit', () => ok()));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

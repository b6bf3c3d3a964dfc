/** Another process that holds the database's write lock (`BEGIN IMMEDIATE`) for a while, as an import would. */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const SCRIPT = `
const Database = require(process.argv[2]);
const db = new Database(process.argv[3]);
db.pragma('busy_timeout = 30000');
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
setTimeout(() => { db.exec('COMMIT'); db.close(); process.stdout.write('released\\n'); process.exit(0); }, Number(process.argv[4]));
`;

export interface HeldLock {
  child: ChildProcess;
  /** Resolves with the time the lock was released (the child committed and exited). */
  released: Promise<number>;
}

/** Resolves once the child holds the lock; it releases it after `ms`. */
export function holdWriteLock(dir: string, db: string, ms: number): Promise<HeldLock> {
  const script = join(dir, 'hold-lock.cjs');
  writeFileSync(script, SCRIPT);
  const child = spawn(process.execPath, [script, resolve(__dirname, '../../node_modules/better-sqlite3'), db, String(ms)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    let out = '';
    let releasedAt: (t: number) => void = () => {};
    const released = new Promise<number>((r) => (releasedAt = r));
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (c: string) => {
      out += c;
      if (out.includes('locked\n')) ok({ child, released });
    });
    child.on('exit', (code) => {
      releasedAt(Date.now());
      if (!out.includes('locked\n')) fail(new Error(`the lock holder exited (code ${code}) before locking`));
    });
  });
}

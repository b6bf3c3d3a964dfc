/** `scl-lab run` while another process holds the database's write lock for 7 s: exit 0, no stack trace, no lost epoch. */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { holdWriteLock } from '../runner/lock-helper';
import { BIN, exampleConfig, tempDir, writeJson } from './helpers';

const dir = tempDir('scl-cli-lock-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function statusOf(file: string): string | null {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT status FROM runs ORDER BY id DESC LIMIT 1').get() as { status: string } | undefined)?.status ?? null;
    } finally {
      db.close();
    }
  } catch {
    return null;
  }
}

describe('scl-lab run under a held lock', () => {
  it('a 7 s BEGIN IMMEDIATE from another process during the run: exit 0, the run finished with every epoch', async () => {
    const db = join(dir, 'runs.sqlite');
    const epochs = 3000;
    const config = writeJson(dir, 'run.json', { ...exampleConfig, epochs, evalEvery: 100 });
    const child = spawn(process.execPath, [BIN, 'run', '-c', config, '--json', '-q', '--db', db], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
    while (statusOf(db) !== 'running') await new Promise((r) => setTimeout(r, 30));
    const lock = await holdWriteLock(dir, db, 7_000);
    const code = await exited;
    await lock.released;
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'finished' });
    const r = new Database(db, { readonly: true });
    try {
      const n = r
        .prepare("SELECT COUNT(*) AS n FROM scalars s JOIN metric_keys k ON k.id = s.key_id WHERE k.name = 'train/epochLoss'")
        .get() as { n: number };
      expect(n.n).toBe(epochs);
      expect((r.prepare('SELECT status FROM runs').get() as { status: string }).status).toBe('finished');
    } finally {
      r.close();
    }
  }, 120_000);
});

/**
 * A malformed database (corrupted pages) is found when it is opened for writing, before anything is written
 * into it: writing on would spread the damage. PRAGMA quick_check reads every page, so its time grows with the
 * file; up to QUICK_CHECK_FULL_MAX_BYTES (well under a second on a laptop disk) the whole file is checked,
 * beyond that only the tables that describe runs (the metric tables are the big ones; `scl-lab db check` checks
 * everything).
 */
import * as fs from 'node:fs';
import type Database from 'better-sqlite3';
import { StoreError } from './errors';

export const QUICK_CHECK_FULL_MAX_BYTES = 256 * 1024 * 1024;
/** The small tables checked in a large file (with their indexes). */
const RUN_TABLES = ['runs', 'sweeps', 'tags', 'run_tags', 'metric_keys', 'run_summary', 'sqlite_schema'];

const size = (f: string): number => {
  try {
    return fs.statSync(f).size;
  } catch {
    return 0;
  }
};

/** True for the SQLite errors that mean the file's pages are damaged. */
export function isCorruptionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CORRUPT' || (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT_'));
}

/** The one message for a malformed database: what is wrong and the way out. */
export function corruptDatabase(file: string, detail: string, cause?: unknown, writing = true): StoreError {
  return new StoreError(
    'CORRUPT',
    `database ${file} is malformed (${detail})${writing ? '; refusing to write into it' : ''}. ` +
      `Run "scl-lab db check --db ${file}" for the details, then restore the file from a backup ` +
      '(or move it aside to start a new database)',
    cause === undefined ? undefined : { cause },
  );
}

/** The problems quick_check finds (empty when the file is sound), bounded as described above. */
export function quickCheckProblems(db: Database.Database, file: string, fullMaxBytes = QUICK_CHECK_FULL_MAX_BYTES): string[] {
  const full = size(file) + size(`${file}-wal`) <= fullMaxBytes;
  const run = (arg: string): string[] =>
    (db.pragma(`quick_check(${arg})`, { simple: false }) as Record<string, string>[])
      .map((r) => String(Object.values(r)[0]))
      .filter((m) => m !== 'ok');
  try {
    if (full) return run('10');
    const present = new Set(db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").pluck(true).all() as string[]);
    present.add('sqlite_schema');
    return RUN_TABLES.filter((t) => present.has(t)).flatMap((t) => run(`'${t}'`));
  } catch (err) {
    if (isCorruptionError(err)) return [(err as Error).message];
    throw err;
  }
}

/** Throws CORRUPT (with the way out) when quick_check finds damage. */
export function assertNotMalformed(db: Database.Database, file: string): void {
  const problems = quickCheckProblems(db, file);
  if (problems.length > 0) throw corruptDatabase(file, problems.slice(0, 3).join('; '));
}

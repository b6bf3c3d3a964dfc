import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { StoreError, wrapError } from './errors';
import { assertNotMalformed, corruptDatabase, isCorruptionError } from './health';
import { LATEST_VERSION, migrate, userVersion, type Migration, MIGRATIONS } from './migrations';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
export const BUSY_TIMEOUT_MS = 5000;
/**
 * Auto-checkpoint after this many WAL pages (SQLite's default is 1000, ~4 MB). Each checkpoint costs two
 * fsyncs; at 1000 pages they were ~15% of a heavy metric-logging burst. The WAL may grow to ~16 MB between
 * checkpoints; Store.walCheckpoint() (TRUNCATE) at the end of a run shrinks it.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 4000;

/**
 * The better-sqlite3 addon to load instead of node_modules' own build: the Electron main sets an Electron-ABI copy
 * here (see docs/electron.md); env SCL_LAB_SQLITE_BINDING does the same. Unset: the default build (Node's ABI).
 */
let sqliteBinding: string | undefined;
/** Runs fn with the connection's busy timeout set to ms, then puts the previous timeout back. */
export function withBusyTimeout<T>(db: Database.Database, ms: number, fn: () => T): T {
  const before = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma(`busy_timeout = ${Math.max(0, Math.floor(ms))}`);
  try {
    return fn();
  } finally {
    db.pragma(`busy_timeout = ${before}`);
  }
}

export function setSqliteBinding(file: string | undefined): void {
  sqliteBinding = file;
}

export interface ConnectionOptions {
  readonly readonly?: boolean;
  /**
   * Writers only: 'wal' (default) for the user's database; 'delete' (a rollback journal) for files on a shared or
   * network file system, such as a Slurm task's shard: WAL needs shared memory, so one host only.
   */
  readonly journalMode?: 'wal' | 'delete';
  /** Tests only: a different migration list. */
  readonly migrations?: readonly Migration[];
}

/**
 * Reads the 100-byte header without opening the file through SQLite, so a foreign or too-new file is refused
 * before anything (not even a -wal or -shm file) is created. Returns the header's user_version, or null for a
 * missing or empty file (a new database).
 */
function probeHeader(file: string): number | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw wrapError(err, `cannot read database file ${file}`);
  }
  try {
    if (fs.fstatSync(fd).isDirectory()) throw new StoreError('IO', `${file} is a directory, not a database file`);
    const header = Buffer.alloc(100);
    const n = fs.readSync(fd, header, 0, 100, 0);
    if (n === 0) return null;
    if (n < 100 || !header.subarray(0, 16).equals(SQLITE_MAGIC)) {
      throw new StoreError('NOT_SQLITE', `${file} is not an SQLite database (bad header); refusing to open it`);
    }
    return header.readUInt32BE(60);
  } finally {
    fs.closeSync(fd);
  }
}

function tooNew(file: string, version: number): StoreError {
  return new StoreError(
    'TOO_NEW',
    `${file} has schema version ${version}, newer than this app understands (${LATEST_VERSION}); ` +
      'update the app to open it (the file was not modified)',
  );
}

/**
 * Opens one connection with the store's pragmas. Writers get WAL, synchronous=NORMAL, foreign keys and all
 * pending migrations; readers (`readonly`) open the file read-only with query_only=1 and never write.
 */
export function openConnection(file: string, opts: ConnectionOptions = {}): Database.Database {
  const readonly = opts.readonly === true;
  const migrations = opts.migrations ?? MIGRATIONS;
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  const headerVersion = probeHeader(file);
  if (headerVersion !== null && headerVersion > latest) throw tooNew(file, headerVersion);
  if (readonly && headerVersion === null) {
    throw new StoreError('NOT_FOUND', `database ${file} does not exist (or is empty); a reader cannot create it`);
  }
  if (!readonly) {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
    } catch (err) {
      throw wrapError(err, `cannot create the folder for database ${file}`);
    }
  }

  let db: Database.Database;
  try {
    db = new Database(file, { readonly, fileMustExist: readonly, nativeBinding: sqliteBinding ?? (process.env.SCL_LAB_SQLITE_BINDING || undefined) });
  } catch (err) {
    throw wrapError(err, `cannot open database ${file}`);
  }
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    const version = userVersion(db); // the header may be stale when a WAL holds newer pages
    if (version > latest) throw tooNew(file, version);
    db.pragma('foreign_keys = ON');
    if (readonly) {
      if (version < latest) {
        throw new StoreError(
          'NEEDS_MIGRATION',
          `${file} has schema version ${version}, older than ${latest}; open it read-write once to migrate it`,
        );
      }
      db.pragma('query_only = 1');
    } else {
      assertNotMalformed(db, file); // before the first write
      const journal = opts.journalMode ?? 'wal';
      if (db.pragma('journal_mode', { simple: true }) !== journal) db.pragma(`journal_mode = ${journal.toUpperCase()}`);
      if (journal === 'wal') {
        db.pragma('synchronous = NORMAL');
        db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      } else db.pragma('synchronous = FULL'); // a rollback journal needs FULL to survive a node's power cut
      migrate(db, migrations);
    }
    return db;
  } catch (err) {
    db.close();
    if (err instanceof StoreError) throw err;
    if (isCorruptionError(err)) throw corruptDatabase(file, (err as Error).message, err, !readonly);
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new StoreError('NOT_SQLITE', `${file} is not an SQLite database; refusing to open it`, { cause: err });
    }
    throw wrapError(err, `cannot open database ${file}`);
  }
}

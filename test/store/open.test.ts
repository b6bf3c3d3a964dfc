import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { defaultDbPath, LATEST_VERSION, openStore, StoreError } from '../../src-main/store';
import { migrate, MIGRATIONS, type Migration } from '../../src-main/store/migrations';
import { newRun, open, tmpDbPath, tmpDir } from './helpers';

function expectStoreError(fn: () => unknown, code: string, pattern: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(StoreError);
  expect((caught as StoreError).code).toBe(code);
  expect((caught as StoreError).message).toMatch(pattern);
}

describe('opening and migrating', () => {
  it("opens a shard for a shared file system with a rollback journal, not WAL (journalMode: 'delete')", () => {
    const file = path.join(tmpDir(), 'shard.sqlite');
    const store = openStore(file, { journalMode: 'delete' });
    try {
      const inner = (store as unknown as { ctx: { db: Database.Database } }).ctx.db;
      expect(inner.pragma('journal_mode', { simple: true })).toBe('delete');
      expect(inner.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(store.check().userVersion).toBe(LATEST_VERSION);
    } finally {
      store.close();
    }
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('creates the schema from an empty file with the pragmas the store relies on', () => {
    const file = path.join(tmpDir(), 'nested', 'deeper', 'runs.sqlite'); // parent folders are created
    const store = open(file);
    const report = store.check();
    expect(report.userVersion).toBe(LATEST_VERSION);
    expect(report.integrity).toBe('ok');
    expect(report.counts).toEqual({ runs: 0, scalars: 0, snapshots: 0, checkpoints: 0, sweeps: 0 });

    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
      expect(tables).toEqual([
        'checkpoints', 'cluster_sweeps', 'cluster_tasks', 'metric_keys', 'run_changes', 'run_summary', 'run_tags', 'runs', 'saved_views', 'scalar_blocks', 'scalars', 'snapshots', 'sweeps',
        'tags',
      ]);
    } finally {
      db.close();
    }
    // the store's own connection
    const inner = (store as unknown as { ctx: { db: Database.Database } }).ctx.db;
    expect(inner.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(inner.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(inner.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
  });

  it('keeps data across close and reopen', () => {
    const file = tmpDbPath();
    const a = openStore(file);
    const id = newRun(a, { name: 'kept' });
    a.addTag(id, 'baseline');
    const w = a.metricWriter();
    w.write({ runId: id, key: 'train/loss', step: 0, value: 1.5 });
    a.close(); // flushes the writer
    const b = open(file);
    const run = b.getRun(id);
    expect(run.name).toBe('kept');
    expect(run.tags).toEqual(['baseline']);
    expect(run.summaries['train/loss']?.last).toBe(1.5);
    expect(b.check().userVersion).toBe(LATEST_VERSION);
  });

  it('refuses a database from a newer app and leaves the file byte-for-byte unchanged', () => {
    const file = tmpDbPath();
    openStore(file).close();
    const db = new Database(file);
    db.pragma('journal_mode = DELETE'); // fold the WAL in so the file alone is the database
    db.pragma(`user_version = ${LATEST_VERSION + 1}`);
    db.close();
    const before = fs.readFileSync(file);
    expectStoreError(() => openStore(file), 'TOO_NEW', new RegExp(`${file}.*schema version ${LATEST_VERSION + 1}`));
    expectStoreError(() => openStore(file, { readonly: true }), 'TOO_NEW', /newer than this app/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('refuses a file that is not SQLite, naming it, and does not touch it', () => {
    const file = path.join(tmpDir(), 'notes.txt');
    const content = 'experiment notes, definitely not a database\n'.repeat(20);
    fs.writeFileSync(file, content);
    expectStoreError(() => openStore(file), 'NOT_SQLITE', new RegExp(`${file.replace(/[.]/g, '\\.')} is not an SQLite database`));
    expect(fs.readFileSync(file, 'utf8')).toBe(content);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['notes.txt']);
  });

  it('applies only pending migrations, each atomically', () => {
    const file = tmpDbPath();
    const db = new Database(file);
    try {
      expect(migrate(db)).toEqual(MIGRATIONS.map((m) => m.version));
      expect(migrate(db)).toEqual([]); // nothing pending
      const broken: Migration = {
        version: LATEST_VERSION + 1,
        name: 'fails half way',
        up: (d) => {
          d.exec('CREATE TABLE half_done(x)');
          throw new Error('boom');
        },
      };
      expect(() => migrate(db, [...MIGRATIONS, broken])).toThrow('boom');
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION);
      expect(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half_done'").pluck().get()).toBe(0);
      const next: Migration = { version: LATEST_VERSION + 1, name: 'adds a column', up: (d) => d.exec('ALTER TABLE sweeps ADD COLUMN method TEXT') };
      expect(migrate(db, [...MIGRATIONS, next])).toEqual([LATEST_VERSION + 1]);
      expect(db.pragma('user_version', { simple: true })).toBe(LATEST_VERSION + 1);
    } finally {
      db.close();
    }
  });

  it('migrates a database written at version 1 forward, keeping its runs', () => {
    const file = tmpDbPath();
    const db = new Database(file);
    migrate(db, MIGRATIONS.slice(0, 1));
    db.prepare(
      `INSERT INTO runs(uuid, name, kind, status, config_json, config_hash, seed, app_version, created_at)
       VALUES ('u-1', 'old run', 'ufm', 'finished', '{}', 'h', 3, '0.0.1', 1)`,
    ).run();
    db.close();
    expectStoreError(() => openStore(file, { readonly: true }), 'NEEDS_MIGRATION', /schema version 1, older than/);
    const store = open(file);
    expect(store.check().userVersion).toBe(LATEST_VERSION);
    expect(store.getRunByUuid('u-1')).toMatchObject({ name: 'old run', seed: 3, cancelRequestedAt: null });
  });

  it('opens readers read-only: queries work, writes are refused, a missing file is not created', () => {
    const file = tmpDbPath();
    const writer = open(file);
    const id = newRun(writer);
    const reader = open(file, { readonly: true });
    expect(reader.readonly).toBe(true);
    expect(reader.getRun(id).id).toBe(id);
    expectStoreError(() => newRun(reader), 'READONLY', /read-only/);
    expectStoreError(() => reader.metricWriter(), 'READONLY', /read-only/);
    // even raw SQL through the reader connection cannot write
    const inner = (reader as unknown as { ctx: { db: Database.Database } }).ctx.db;
    expect(() => inner.exec("UPDATE runs SET name = 'x'")).toThrow();
    const missing = path.join(tmpDir(), 'absent.sqlite');
    expectStoreError(() => openStore(missing, { readonly: true }), 'NOT_FOUND', /does not exist/);
    expect(fs.existsSync(missing)).toBe(false);
  });

  it('opens a reader on a WAL database whose writer has gone (no -shm file yet)', () => {
    const file = tmpDbPath();
    const w = openStore(file);
    const id = newRun(w, { name: 'left behind' });
    w.close();
    expect(fs.existsSync(`${file}-shm`)).toBe(false);
    const reader = open(file, { readonly: true });
    expect(reader.getRun(id).name).toBe('left behind');
  });

  it('truncates the WAL on request and reports a clean check', () => {
    const file = tmpDbPath();
    const store = open(file);
    const id = newRun(store);
    const w = store.metricWriter();
    for (let step = 0; step < 5000; step++) w.write({ runId: id, key: 'loss', step, value: step });
    w.close();
    expect(fs.statSync(`${file}-wal`).size).toBeGreaterThan(0);
    expect(store.walCheckpoint()).toMatchObject({ busy: false });
    expect(fs.statSync(`${file}-wal`).size).toBe(0);
    expect(store.check({ quick: true })).toMatchObject({ integrity: 'ok', counts: { runs: 1, scalars: 5000 } });
    const db = (store as unknown as { ctx: { db: Database.Database } }).ctx.db;
    db.prepare('INSERT INTO run_summary(run_id, key_id, last_step, last_flag, n, n_nonfinite) VALUES (99, 1, 0, 0, 1, 0)').run();
    expect(store.check().integrity).toMatch(/scalars of run 99: the run does not exist/);
  });

  it('refuses use after close', () => {
    const store = openStore(tmpDbPath());
    store.close();
    store.close(); // idempotent
    expectStoreError(() => store.listRuns(), 'CLOSED', /closed/);
  });
});

describe('defaultDbPath', () => {
  it('follows each platform convention and honours SCL_LAB_DB', () => {
    expect(defaultDbPath({}, 'linux', '/home/ana')).toBe('/home/ana/.config/SCL Geometry Lab/scl-lab.sqlite');
    expect(defaultDbPath({ XDG_CONFIG_HOME: '/xdg' }, 'linux', '/home/ana')).toBe('/xdg/SCL Geometry Lab/scl-lab.sqlite');
    expect(defaultDbPath({}, 'darwin', '/Users/ana')).toBe(
      '/Users/ana/Library/Application Support/SCL Geometry Lab/scl-lab.sqlite',
    );
    expect(defaultDbPath({ APPDATA: 'C:\\Users\\ana\\AppData\\Roaming' }, 'win32', 'C:\\Users\\ana')).toBe(
      'C:\\Users\\ana\\AppData\\Roaming\\SCL Geometry Lab\\scl-lab.sqlite',
    );
    expect(defaultDbPath({ SCL_LAB_DB: '/data/lab.sqlite' }, 'linux', '/home/ana')).toBe('/data/lab.sqlite');
  });
});

import * as fs from 'node:fs';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore, StoreError, type Store } from '../../src-main/store';
import { quickCheckProblems } from '../../src-main/store/health';
import { newRun, open, tmpDbPath } from './helpers';

/** A real database with runs and a few thousand metric rows, WAL folded in so the file alone is the database. */
function populated(): string {
  const file = tmpDbPath();
  const s = openStore(file);
  for (let r = 0; r < 3; r++) {
    const id = newRun(s, { name: `run ${r}` });
    const w = s.metricWriter();
    for (let i = 0; i < 5000; i++) w.write({ runId: id, key: 'train/loss', step: i, value: 1 / (i + 1) });
    w.close();
  }
  s.close();
  const db = new Database(file);
  db.pragma('journal_mode = DELETE');
  db.close();
  return file;
}

/** The page numbers of a table's b-tree (from SQLite's dbstat), and the page size. */
function pagesOf(file: string, table: string): { pages: number[]; pageSize: number } {
  const db = new Database(file, { readonly: true });
  try {
    const pages = db.prepare('SELECT pageno FROM dbstat WHERE name = ? ORDER BY pageno').pluck().all(table) as number[];
    return { pages, pageSize: db.pragma('page_size', { simple: true }) as number };
  } finally {
    db.close();
  }
}

/** Overwrites whole pages with garbage, as a failing disk would. */
function corrupt(file: string, table: string, count = 2): void {
  const { pages, pageSize } = pagesOf(file, table);
  expect(pages.length).toBeGreaterThan(0);
  const fd = fs.openSync(file, 'r+');
  try {
    for (const p of pages.slice(-count)) fs.writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (p - 1) * pageSize);
  } finally {
    fs.closeSync(fd);
  }
}

function storeError(fn: () => unknown): StoreError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error('expected a StoreError');
}

describe('a malformed database', () => {
  it.each(['scalars', 'runs'])('with corrupted %s pages is refused for writing with the way out, and not written', (table) => {
    const file = populated();
    corrupt(file, table);
    const before = fs.readFileSync(file);
    const err = storeError(() => openStore(file));
    expect(err.code).toBe('CORRUPT');
    expect(err.message).toContain(`database ${file} is malformed`);
    expect(err.message).toContain('refusing to write into it');
    expect(err.message).toContain(`scl-lab db check --db ${file}`);
    expect(err.message).toMatch(/restore the file from a backup/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.existsSync(`${file}-wal`)).toBe(false);
  });

  it('a reader can still run the check, which reports the damage instead of throwing', () => {
    const file = populated();
    corrupt(file, 'scalars');
    const reader = open(file, { readonly: true });
    const report = reader.check();
    expect(report.integrity).not.toBe('ok');
    expect(report.counts.runs).toBe(3);
  });

  it('a sound database opens as before', () => {
    const file = populated();
    const s: Store = open(file);
    expect(s.listRuns({}).map((r) => r.name).sort()).toEqual(['run 0', 'run 1', 'run 2']);
  });

  it('a file larger than the full-check bound is checked on its run tables only', () => {
    const file = populated();
    corrupt(file, 'scalars');
    const db = new Database(file, { readonly: true });
    try {
      expect(quickCheckProblems(db, file)).not.toEqual([]); // small: the whole file
      expect(quickCheckProblems(db, file, 0)).toEqual([]); // "large": metric pages are not read
    } finally {
      db.close();
    }
    const file2 = populated();
    corrupt(file2, 'runs');
    const db2 = new Database(file2, { readonly: true });
    try {
      expect(quickCheckProblems(db2, file2, 0)).not.toEqual([]);
    } finally {
      db2.close();
    }
  });
});

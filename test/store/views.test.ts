/** Saved views (migration 6) and run names in the store. */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { LATEST_VERSION, StoreError } from '../../src-main/store';
import { freshStore, newRun, open, tmpDbPath } from './helpers';

const invalid = (fn: () => unknown, field: RegExp) => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(StoreError);
    expect((e as StoreError).code).toBe('INVALID');
    expect((e as Error).message).toMatch(field);
    return;
  }
  throw new Error('expected a StoreError');
};

describe('saved views', () => {
  it('migration 6 makes the table; a view is stored, listed by name, replaced by name, deleted', () => {
    const file = tmpDbPath();
    const store = open(file);
    expect(LATEST_VERSION).toBe(6);
    const a = store.saveView('  ReLU vs none  ', '#/compare?ids=1,2&band=iqr');
    expect(a).toMatchObject({ name: 'ReLU vs none', url: '#/compare?ids=1,2&band=iqr' });
    store.saveView('binding', '#/compare?ids=3,4');
    expect(store.listViews().map((v) => v.name)).toEqual(['binding', 'ReLU vs none']);
    const again = store.saveView('ReLU vs none', '#/compare?ids=1,2,5');
    expect(again.id).toBe(a.id);
    expect(store.listViews().find((v) => v.name === 'ReLU vs none')!.url).toBe('#/compare?ids=1,2,5');
    store.deleteView('binding');
    expect(store.listViews().map((v) => v.name)).toEqual(['ReLU vs none']);
    expect(() => store.deleteView('binding')).toThrow(/no saved view named "binding"/);
    store.close();
    // in the file, as the issue asks: saved_views(id, name UNIQUE, url, created_at)
    const db = new Database(file, { readonly: true });
    expect(db.prepare('SELECT name, url FROM saved_views').all()).toEqual([{ name: 'ReLU vs none', url: '#/compare?ids=1,2,5' }]);
    expect(db.pragma('user_version', { simple: true })).toBe(6);
    db.close();
  });

  it('refuses bad names and URLs, naming the field', () => {
    const store = freshStore();
    invalid(() => store.saveView('', '#/compare?ids=1'), /^name:/);
    invalid(() => store.saveView('x'.repeat(201), '#/compare?ids=1'), /^name: at most 200/);
    invalid(() => store.saveView('v', 'https://evil.example/'), /^url: expected an app route/);
    invalid(() => store.saveView('v', '#/compare?ids=1" onload="x'), /^url: must not contain/);
    expect(store.listViews()).toEqual([]);
  });
});

describe('run names', () => {
  it('renames, trims, clears with "" or null, refuses control characters and unknown runs', () => {
    const store = freshStore();
    const id = newRun(store);
    store.renameRun(id, '  UFM+ baseline ');
    expect(store.getRun(id).name).toBe('UFM+ baseline');
    store.renameRun(id, '');
    expect(store.getRun(id).name).toBeNull();
    store.renameRun(id, 'again');
    store.renameRun(id, null);
    expect(store.getRun(id).name).toBeNull();
    invalid(() => store.renameRun(id, 'two\nlines'), /^name: must not contain control characters/);
    invalid(() => store.renameRun(id, 'n'.repeat(201)), /^name: at most 200/);
    expect(() => store.renameRun(id + 99, 'x')).toThrow(/does not exist/);
  });
});

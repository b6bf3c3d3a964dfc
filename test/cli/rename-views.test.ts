/** `scl-lab rename` and `scl-lab views` as a user runs them (the built CLI): names stored, bad input exit 2. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src-main/store';
import { cli, exampleConfig, tempDir } from './helpers';

function dbWithRun(): { db: string; id: number } {
  const db = join(tempDir(), 'lab.db');
  const store = openStore(db);
  const id = store.createRun({ kind: 'ufm', config: exampleConfig, seed: 0, appVersion: '0.1.0-test' });
  store.saveView('relu vs none', '#/compare?ids=1,2&band=iqr');
  store.close();
  return { db, id };
}

describe('scl-lab rename / views', () => {
  it('renames a run, clears the name with "", and lists saved views', () => {
    const { db, id } = dbWithRun();
    let r = cli(['rename', String(id), 'UFM+ baseline', '--db', db]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`run ${id}: UFM+ baseline`);
    let store = openStore(db, { readonly: true });
    expect(store.getRun(id).name).toBe('UFM+ baseline');
    store.close();
    r = cli(['rename', String(id), '', '--db', db]);
    expect(r.stdout.trim()).toBe(`run ${id}: name cleared`);
    store = openStore(db, { readonly: true });
    expect(store.getRun(id).name).toBeNull();
    store.close();
    r = cli(['views', '--json', '--db', db]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject([{ name: 'relu vs none', url: '#/compare?ids=1,2&band=iqr' }]);
    expect(cli(['views', '--db', db]).stdout.trim()).toBe('relu vs none\t#/compare?ids=1,2&band=iqr');
  });

  it('bad input: exit 2 with a message naming what is wrong, no stack trace', () => {
    const { db, id } = dbWithRun();
    for (const [args, msg] of [
      [['rename', 'abc', 'x'], /"abc" is not a run id/],
      [['rename', '999', 'x'], /run 999 does not exist/],
      [['rename', String(id), 'a\tb'], /name: must not contain control characters/],
      [['rename', String(id), 'n'.repeat(201)], /name: at most 200 characters/],
    ] as const) {
      const r = cli([...args, '--db', db]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

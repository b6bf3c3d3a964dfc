/**
 * Every command that takes run ids, given something that is not one, exits 2 with a message that names the bad
 * value (no silent exit 2, no stack trace) and leaves the database as it was.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src-main/store';
import { cli, exampleConfig, tempDir } from './helpers';

describe('scl-lab: bad run ids', () => {
  it('names the bad id, exit 2, for every command that takes one', () => {
    const db = join(tempDir(), 'lab.db');
    const store = openStore(db);
    const id = store.createRun({ kind: 'ufm', config: exampleConfig, seed: 0, appVersion: '0.1.0-test' });
    store.addTag(id, 'keep');
    store.setNotes(id, 'original notes');
    store.close();
    const cases: string[][] = [
      ['show', 'abc'],
      ['tag', 'abc', 'x'],
      ['notes', 'abc', 'text'],
      ['cancel', 'abc'],
      ['resume', 'abc'],
      ['delete', String(id), 'abc'],
      ['export', 'abc', '-o', join(tempDir(), 'out.json')],
      ['trash', 'restore', 'abc'],
      ['trash', 'empty', '0'],
    ];
    for (const args of cases) {
      const r = cli([...args, '--db', db]);
      const what = args.join(' ');
      expect(r.code, what).toBe(2);
      const bad = args.find((a) => a === 'abc' || a === '0')!;
      expect(r.stderr, what).toContain(`"${bad}" is not a run id`);
      expect(r.stderr, what).not.toMatch(/\n\s+at /);
    }
    // a bad id is rejected before any database is opened: a path that did not exist still does not
    const none = join(tempDir(), 'never.db');
    for (const args of [['tag', 'abc', 'x'], ['notes', 'abc', 't'], ['cancel', 'abc'], ['delete', 'abc'], ['trash', 'restore', 'abc'], ['trash', 'empty', '0']]) {
      expect(cli([...args, '--db', none]).code, args.join(' ')).toBe(2);
      expect(existsSync(none), args.join(' ')).toBe(false);
    }
    // a sweep id is called a sweep id
    const list = cli(['list', '--sweep', 'x1', '--db', db]);
    expect(list.code).toBe(2);
    expect(list.stderr).toContain('"x1" is not a sweep id');
    const after = openStore(db, { readonly: true });
    const run = after.getRun(id);
    expect(run.tags).toEqual(['keep']);
    expect(run.notes).toBe('original notes');
    after.close();
  });
});

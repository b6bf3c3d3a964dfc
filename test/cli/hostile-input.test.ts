/** The CLI against hostile or damaged input: stored escape sequences, bad bundles, a malformed database, BOMs. */
import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src-main/store';
import { cli, exampleConfig, writeJson } from './helpers';
import { tempDir } from '../support/tmp';

const dir = tempDir('scl-lab-hostile-');

const EVIL = '\u001b[2J\u001b]0;pwned\u0007';
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const config = { ...exampleConfig, epochs: 100, evalEvery: 50 };
const noStack = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);

function storeWithEvilRun(file: string): number {
  const s = openStore(file);
  try {
    const id = s.createRun({ name: `run ${EVIL} \u009b31m red`, kind: 'ufm', config, seed: 0, appVersion: 'test' });
    s.setNotes(id, `notes ${EVIL}`);
    s.finishRun(id, 'failed', { error: `boom ${EVIL}` });
    return id;
  } finally {
    s.close();
  }
}

describe('stored text cannot drive the terminal', () => {
  const db = join(dir, 'evil.sqlite');
  const id = storeWithEvilRun(db);

  it('list and show print control characters as visible escapes', () => {
    for (const args of [['list'], ['show', String(id)]]) {
      const r = cli([...args, '--db', db]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toMatch(CONTROL);
      expect(r.stdout).toContain('\\u001b[2J\\u001b]0;pwned\\u0007');
      expect(r.stdout).toContain('\\u009b');
    }
    expect(cli(['show', String(id), '--db', db]).stdout).toMatch(/error: boom \\u001b\[2J/);
  });

  it('--json output stays JSON with the same text', () => {
    const r = cli(['list', '--json', '--db', db]);
    expect(r.stdout).not.toMatch(CONTROL);
    expect(JSON.parse(r.stdout)[0].name).toBe(`run ${EVIL} \u009b31m red`);
  });
});

describe('import refuses a bad bundle with exit 2, the run and field named, and no stack trace', () => {
  const db = join(dir, 'import.sqlite');
  const src = join(dir, 'import-src.sqlite');
  const s = openStore(src);
  s.createRun({ name: 'good', kind: 'ufm', config, seed: 0, appVersion: 'test' });
  const bundle = JSON.parse(JSON.stringify(s.exportRuns()));
  s.close();

  it('epochs: -5', () => {
    const bad = structuredClone(bundle);
    bad.runs[0].config.epochs = -5;
    const r = cli(['import', writeJson(dir, 'neg.json', bad), '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/runs\[0\] \(uuid .*, "good"\): config\.epochs: epochs must be > 0/);
    noStack(r.stderr);
  });

  it('a 50 000-deep value', () => {
    const text = JSON.stringify(bundle).replace('"env":null', `"env":${'['.repeat(50_000)}${']'.repeat(50_000)}`);
    expect(text.length).toBeGreaterThan(100_000);
    const r = cli(['import', writeJson(dir, 'deep.json', text), '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/runs\[0\]\.env(\[0\])+: nested more than 64 levels deep/);
    expect(r.stderr).not.toMatch(/call stack/);
    noStack(r.stderr);
  });

  it('a bundle with a BOM imports', () => {
    const r = cli(['import', writeJson(dir, 'bom.json', '\uFEFF' + JSON.stringify(bundle)), '--json', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).imported).toHaveLength(1);
  });
});

describe('a malformed database', () => {
  const db = join(dir, 'broken.sqlite');
  const s = openStore(db);
  for (let r = 0; r < 3; r++) {
    const id = s.createRun({ name: `r${r}`, kind: 'ufm', config: { ...config, seed: r }, seed: r, appVersion: 'test' });
    const w = s.metricWriter();
    for (let i = 0; i < 5000; i++) w.write({ runId: id, key: 'train/loss', step: i, value: 1 / (i + 1) });
    w.close();
  }
  s.close();
  const d = new Database(db);
  d.pragma('journal_mode = DELETE');
  const pages = d.prepare("SELECT pageno FROM dbstat WHERE name = 'scalars' ORDER BY pageno").pluck().all() as number[];
  const pageSize = d.pragma('page_size', { simple: true }) as number;
  d.close();
  const bytes = readFileSync(db);
  for (const p of pages.slice(-3)) bytes.fill(0x5a, (p - 1) * pageSize, p * pageSize);
  writeFileSync(db, bytes);

  it('run refuses to write into it: exit 2, the way out, the file unchanged', () => {
    const r = cli(['run', '-c', writeJson(dir, 'c.json', config), '-q', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`database ${db} is malformed`);
    expect(r.stderr).toContain('refusing to write into it');
    expect(r.stderr).toContain(`scl-lab db check --db ${db}`);
    expect(r.stderr).toMatch(/restore the file from a backup/);
    noStack(r.stderr);
    expect(readFileSync(db).equals(bytes)).toBe(true);
  });

  it('db check reports the damage with exit 2', () => {
    const r = cli(['db', 'check', '--json', '--db', db]);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout);
    expect(report.integrity).not.toBe('ok');
    expect(report.counts.runs).toBe(3);
  });
});

describe('messages', () => {
  it('epochs 10000001 names the maximum', () => {
    const r = cli(['analyze-batching', '-c', writeJson(dir, 'big.json', { ...config, epochs: 10_000_001 })]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/epochs: epochs must be <= 10000000/);
  });

  it('a config file with a UTF-8 BOM is read', () => {
    const r = cli(['analyze-batching', '-c', writeJson(dir, 'bom-config.json', '\uFEFF' + JSON.stringify(config)), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).oneEpoch).toBeDefined();
  });

  it('an all-zero embeddings file fails naming the file and the row, not the worker protocol', () => {
    const csv = join(dir, 'zeros.csv');
    writeFileSync(csv, 'a,b,label\n0,0,0\n0,0,0\n0,0,1\n0,0,1\n');
    const r = cli(['run', '-c', writeJson(dir, 'emb.json', { kind: 'embeddings', file: csv }), '-q', '--db', join(dir, 'emb.sqlite')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${csv}: row 1 (line 2): all its features are 0`);
    expect(r.stderr).not.toMatch(/malformed message/);
  }, 60_000);
});

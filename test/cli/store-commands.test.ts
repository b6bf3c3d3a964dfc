import Database from 'better-sqlite3';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, exampleConfig, tempDir, writeJson } from './helpers';

describe('scl-lab store commands', () => {
  const dir = tempDir();
  const db = join(dir, 'lab.sqlite');

  it('sweep 2 ReLU x 2 seeds -> 4 runs in 2 seed groups; export then import into an empty database reproduces them', () => {
    const spec = writeJson(dir, 'sweep.json', { name: 'relu-vs-not', base: { ...exampleConfig, epochs: 200, evalEvery: 50 }, grid: { relu: [true, false] }, seeds: [0, 1] });
    const s = cli(['sweep', '--spec', spec, '--json', '-q', '--db', db]);
    expect(s.code, s.stderr).toBe(0);
    const sw = JSON.parse(s.stdout);
    expect(sw.runIds).toHaveLength(4);
    expect(sw.statuses).toEqual(['finished', 'finished', 'finished', 'finished']);
    expect(sw.seedGroups).toHaveLength(2);

    const listed = JSON.parse(cli(['list', '--sweep', String(sw.sweepId), '--json', '--db', db]).stdout);
    expect(listed).toHaveLength(4);

    const bundle = join(dir, 'export.json');
    const e = cli(['export', '--format', 'json', '--out', bundle, '--db', db]);
    expect(e.code, e.stderr).toBe(0);
    const db2 = join(dir, 'other.sqlite');
    const i = cli(['import', bundle, '--json', '--db', db2]);
    expect(i.code, i.stderr).toBe(0);
    expect(JSON.parse(i.stdout).imported).toHaveLength(4);

    // the re-export of the imported database equals the original export, run for run
    const again = join(dir, 'export2.json');
    cli(['export', '--format', 'json', '--out', again, '--db', db2]);
    const a = JSON.parse(readFileSync(bundle, 'utf8'));
    const b = JSON.parse(readFileSync(again, 'utf8'));
    const strip = (x: { runs: Record<string, unknown>[] }) => x.runs.map(({ id: _id, sweepId: _s, ...r }) => r).sort((p, q) => String(p.uuid).localeCompare(String(q.uuid)));
    expect(strip(b)).toEqual(strip(a));

    // importing again skips every run (matched by uuid)
    const twice = JSON.parse(cli(['import', bundle, '--json', '--db', db2]).stdout);
    expect(twice.imported).toHaveLength(0);
    expect(twice.skipped).toHaveLength(4);

    const csvDir = join(dir, 'csv');
    expect(cli(['export', '--format', 'csv', '--out', csvDir, '--db', db]).code).toBe(0);
    const metrics = readFileSync(join(csvDir, 'metrics.csv'), 'utf8').split('\n');
    expect(metrics[0]).toMatch(/run_uuid,run_name,key,step,value/);
    expect(metrics.some((l) => l.includes('geom/deltaOF'))).toBe(true);

    const chk = JSON.parse(cli(['db', 'check', '--json', '--db', db]).stdout);
    expect(chk.integrity).toBe('ok');
    expect(chk.counts.runs).toBe(4);
  }, 120_000);

  it('show, tag and notes', () => {
    expect(cli(['tag', '1', 'baseline', 'relu', '--db', db]).stdout).toMatch(/\[.*baseline.*\]/);
    expect(cli(['notes', '1', 'first try', '--db', db]).code).toBe(0);
    const shown = JSON.parse(cli(['show', '1', '--json', '--db', db]).stdout);
    expect(shown.tags).toEqual(expect.arrayContaining(['baseline', 'relu']));
    expect(shown.notes).toBe('first try');
    expect(JSON.parse(cli(['list', '--tag', 'baseline', '--json', '--db', db]).stdout)).toHaveLength(1);
  });

  it('bad input: unknown run id, malformed sweep spec, a file that is not SQLite, a newer schema: clear errors, nothing modified', () => {
    const u = cli(['show', '999', '--db', db]);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/run 999 does not exist/);
    const r = cli(['resume', '999', '--db', db]);
    expect(r.code).toBe(2);

    const badSpec = writeJson(dir, 'bad-sweep.json', { base: exampleConfig, grid: { relu: 'yes' }, seeds: [] });
    const bs = cli(['sweep', '--spec', badSpec, '--db', db]);
    expect(bs.code).toBe(2);
    expect(bs.stderr).toMatch(/bad-sweep\.json/);
    expect(bs.stderr).toMatch(/grid\.relu/);
    expect(bs.stderr).toMatch(/seeds/);
    const badCell = writeJson(dir, 'bad-cell.json', { base: exampleConfig, grid: { temperature: [1, -1] } });
    const bc = cli(['sweep', '--spec', badCell, '--db', db]);
    expect(bc.code).toBe(2);
    expect(bc.stderr).toMatch(/base\.temperature: .*grid cell temperature=-1/);
    expect(JSON.parse(cli(['db', 'check', '--json', '--db', db]).stdout).counts.runs).toBe(4); // nothing was queued

    const notDb = join(dir, 'notes.txt');
    writeFileSync(notDb, 'these are my notes, not a database\n'.repeat(200));
    const before = readFileSync(notDb);
    const n = cli(['list', '--db', notDb]);
    expect(n.code).toBe(2);
    expect(n.stderr).toMatch(/notes\.txt/);
    expect(n.stderr).toMatch(/not an SQLite database/i);
    expect(cli(['run', '--config', writeJson(dir, 'ok.json', exampleConfig), '--db', notDb]).code).toBe(2);
    expect(readFileSync(notDb).equals(before)).toBe(true);

    const newer = join(dir, 'newer.sqlite');
    const raw = new Database(newer);
    raw.pragma('user_version = 999');
    raw.exec('CREATE TABLE future(x)');
    raw.close();
    const bytes = readFileSync(newer);
    const t = cli(['list', '--db', newer]);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/newer/i);
    expect(t.stderr).toMatch(/999/);
    expect(cli(['tag', '1', 'x', '--db', newer]).code).toBe(2);
    expect(readFileSync(newer).equals(bytes)).toBe(true);
  });
});

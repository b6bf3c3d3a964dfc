import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { claimSweepSpec } from '../support/claim-sweep';
import { cli, tempDir, writeJson } from './helpers';

/** `scl-lab summarize` over a real 2 x 2 x 2-seed sweep (built CLI: npm run build). */

let db: string;
type Cell = { x: unknown; by: unknown; facet: unknown; n: number; runIds: number[]; values: number[]; median: number; min: number; max: number; mean: number; std: number };

beforeAll(() => {
  const dir = tempDir();
  db = join(dir, 'lab.db');
  const spec = writeJson(
    dir,
    'spec.json',
    claimSweepSpec({
      name: 'claim-cli',
      grid: { 'imbalance.ratio': [1, 10], relu: [true, false] },
      seeds: [0, 1],
      batching: { strategy: 'fixed', batchSize: 4, binding: true },
      epochs: 20,
      evalEvery: 5,
    }),
  );
  const r = cli(['sweep', '-s', spec, '--db', db, '-q', '--json'], {}, 240_000);
  expect(r.code, r.stderr).toBe(0);
}, 300_000);

describe('scl-lab summarize', () => {
  it('--json prints { cells } whose values are the runs\' final Delta_OF, one per seed', () => {
    const r = cli(['summarize', '--sweep', '1', '--x', 'imbalance.ratio', '--by', 'relu', '--metric', 'deltaOF', '--json', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { cells: Cell[] };
    expect(Object.keys(out)).toEqual(['cells']);
    expect(out.cells.map((c) => [c.x, c.by, c.n])).toEqual([
      [1, false, 2],
      [10, false, 2],
      [1, true, 2],
      [10, true, 2],
    ]);
    for (const c of out.cells) {
      for (const k of ['x', 'by', 'facet', 'n', 'runIds', 'values', 'median', 'min', 'max', 'mean', 'std']) expect(c).toHaveProperty(k);
      const finals = c.runIds.map((id) => {
        const show = cli(['show', String(id), '--json', '--db', db]);
        return (JSON.parse(show.stdout) as { result: { final: { deltaOF: number } }; config: { relu: boolean; imbalance: { ratio: number } } });
      });
      expect(finals.every((f) => f.config.relu === c.by && f.config.imbalance.ratio === c.x)).toBe(true);
      expect(c.values).toEqual(finals.map((f) => f.result.final.deltaOF));
      expect(c.median).toBeCloseTo((c.values[0]! + c.values[1]!) / 2, 12);
      expect(c.facet).toBeNull();
    }
  });

  it('--csv has one row per cell with the same numbers, and --runs takes a selection', () => {
    const json = JSON.parse(cli(['summarize', '--sweep', '1', '--x', 'imbalance.ratio', '--by', 'relu', '--metric', 'deltaOF', '--json', '--db', db]).stdout) as { cells: Cell[] };
    const r = cli(['summarize', '--sweep', '1', '--x', 'imbalance.ratio', '--by', 'relu', '--metric', 'deltaOF', '--csv', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const [head, ...rows] = r.stdout.trim().split('\n');
    const cols = head!.split(',');
    expect(cols.slice(0, 5)).toEqual(['imbalance.ratio', 'relu', 'metric', 'n', 'median']);
    expect(rows).toHaveLength(4);
    rows.forEach((row, i) => {
      const f = row.split(',');
      expect(Number(f[cols.indexOf('median')])).toBe(json.cells[i]!.median);
      expect(Number(f[cols.indexOf('seed_0')])).toBe(json.cells[i]!.values[0]);
      expect(Number(f[cols.indexOf('seed_1')])).toBe(json.cells[i]!.values[1]);
    });
    const some = json.cells[0]!.runIds;
    const sel = cli(['summarize', '--runs', some.join(','), '--x', 'imbalance.ratio', '--metric', 'deltaOF', '--json', '--db', db]);
    expect(sel.code, sel.stderr).toBe(0);
    expect((JSON.parse(sel.stdout) as { cells: Cell[] }).cells.map((c) => c.values)).toEqual([json.cells[0]!.values]);
  });

  it('the table names the verdict of the batches (binding: OF unique)', () => {
    const r = cli(['summarize', '--sweep', '1', '--x', 'imbalance.ratio', '--by', 'relu', '--metric', 'nccAccTrain', '--stat', 'best', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('NCC acc train (best) vs imbalance.ratio by relu — sweep 1 "claim-cli"');
    expect(r.stdout.match(/OF unique/g)).toHaveLength(4);
  });

  it('bad field, metric, stat or sweep: exit 2 naming it, no stack trace', () => {
    const cases: [string[], RegExp][] = [
      [['--sweep', '1', '--x', 'imbalance.ration', '--metric', 'deltaOF'], /--x: "imbalance.ration" is not a config field of these runs \(fields that vary across them: imbalance.ratio, relu, seed\)/],
      [['--sweep', '1', '--x', 'relu', '--metric', 'deltaOFF'], /--metric: unknown metric "deltaOFF"/],
      [['--sweep', '1', '--x', 'relu', '--metric', 'cosMean', '--stat', 'best'], /--stat: cosMean has no "best"/],
      [['--sweep', '1', '--x', 'relu', '--metric', 'deltaOF', '--stat', 'worst'], /--stat: /],
      [['--sweep', '7', '--x', 'relu', '--metric', 'deltaOF'], /--sweep: sweep 7 does not exist/],
      [['--runs', '1,x', '--x', 'relu', '--metric', 'deltaOF'], /"x" is not a run id/],
      [['--x', 'relu', '--metric', 'deltaOF'], /give either a sweep/],
    ];
    for (const [args, message] of cases) {
      const r = cli(['summarize', ...args, '--db', db]);
      expect(r.code, r.stdout).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

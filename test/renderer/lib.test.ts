import { describe, expect, it } from 'vitest';
import { compareGroups, differingKeys } from '../../src-renderer/lib/compare-groups';
import { etfDeltaOF } from '../../src-renderer/lib/config-math';
import { previewCounts } from '../../src-renderer/lib/counts';
import { etfCosine, histogram, offDiagonal, orderByCount } from '../../src-renderer/lib/geometry';
import { issuesAt, unplacedIssues } from '../../src-renderer/lib/issues';
import { parseHash, href, type Route } from '../../src-renderer/lib/router.svelte';
import { defaultForm, fromConfig, parseSeeds, toConfig } from '../../src-renderer/lib/run-form';
import { clickRow, emptySelection, keyRow } from '../../src-renderer/lib/selection';
import { decimationOf, groupLine } from '../../src-renderer/lib/series-lines';
import { meanStd } from '../../src-renderer/lib/stats';
import { buildRows } from '../../src-renderer/lib/table-model';
import { makeRun } from './fixtures';

describe('class counts preview (spec section 4)', () => {
  it('matches the spec examples', () => {
    expect(previewCounts({ profile: 'long-tail', nMax: 5000, ratio: 100 }, 10)).toEqual([5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]);
    expect(previewCounts({ profile: 'step', nMax: 5000, ratio: 10, minorityFraction: 0.5 }, 10)).toEqual([...Array(5).fill(5000), ...Array(5).fill(500)]);
    expect(previewCounts({ profile: 'balanced', nMax: 7 }, 3)).toEqual([7, 7, 7]);
    expect(previewCounts({ profile: 'custom', counts: [20, 20, 2, 2] }, 4)).toEqual([20, 20, 2, 2]);
    expect(previewCounts({ profile: 'custom', counts: [20, 'x'] }, 2)).toBeNull();
    expect(previewCounts({ profile: 'step', nMax: 100 }, 4)).toBeNull();
  });
  it('knows the ETF references', () => {
    expect(etfDeltaOF(4)).toBeCloseTo(0.5176, 4);
    expect(etfDeltaOF(10)).toBeCloseTo(0.3204, 4);
    expect(etfCosine(4)).toBeCloseTo(-1 / 3, 12);
  });
});

describe('run form <-> config', () => {
  it('the default form is the built-in example and round-trips', () => {
    const c = toConfig(defaultForm(), 0);
    expect(c).toMatchObject({ kind: 'ufm', classes: 4, dim: 8, epochs: 1500, evalEvery: 50, relu: true });
    expect(toConfig(fromConfig(c, ''), 0)).toEqual(c);
  });
  it('sends only the fields the choices use', () => {
    const f = defaultForm();
    f.imbalance.profile = 'step';
    f.batching.strategy = 'full';
    const c = toConfig(f, 3) as { imbalance: object; batching: Record<string, unknown>; seed: number };
    expect(c.imbalance).toEqual({ profile: 'step', nMax: 20, ratio: 10, minorityFraction: 0.5 });
    expect('batchSize' in c.batching).toBe(false);
    expect(c.seed).toBe(3);
  });
  it('deep configs round-trip', () => {
    const c = toConfig(defaultForm('deep'), 0);
    expect(c).toMatchObject({ kind: 'deep', dataset: { name: 'synthetic', shape: { kind: 'vector', dim: 32 } }, model: { name: 'mlp', hidden: [128, 64] }, optimizer: { name: 'sgd' } });
    expect(JSON.parse(JSON.stringify(toConfig(fromConfig(c, ''), 0)))).toEqual(JSON.parse(JSON.stringify(c)));
  });
  it('parses seeds', () => {
    expect(parseSeeds('0')).toEqual({ seeds: [0] });
    expect(parseSeeds('0, 1, 2')).toEqual({ seeds: [0, 1, 2] });
    expect(parseSeeds('3-5 9')).toEqual({ seeds: [3, 4, 5, 9] });
    expect(parseSeeds('a')).toHaveProperty('error');
    expect(parseSeeds('')).toHaveProperty('error');
  });
});

describe('field issues', () => {
  const issues = [
    { field: 'batching.batchSize', message: 'a' },
    { field: 'imbalance.counts.3', message: 'b' },
    { field: 'imbalance', message: 'c' },
    { field: 'base.temperature', message: 'd' },
    { field: 'foo, bar', message: 'e' },
  ];
  it('go to their field (sub-paths included unless exact; sweep "base." stripped)', () => {
    expect(issuesAt(issues, 'batching.batchSize').map((i) => i.message)).toEqual(['a']);
    expect(issuesAt(issues, 'imbalance.counts').map((i) => i.message)).toEqual(['b']);
    expect(issuesAt(issues, 'imbalance', true).map((i) => i.message)).toEqual(['c']);
    expect(issuesAt(issues, 'temperature').map((i) => i.message)).toEqual(['d']);
    expect(issuesAt(issues, 'bar').map((i) => i.message)).toEqual(['e']);
    expect(unplacedIssues(issues, ['batching', 'imbalance', 'temperature']).map((i) => i.message)).toEqual(['e']);
  });
});

describe('selection', () => {
  const rows = [[1], [2], [3, 4], [5]];
  it('click, ctrl-click, shift-click', () => {
    let s = clickRow(emptySelection(), rows, 0, {});
    expect([...s.selected]).toEqual([1]);
    s = clickRow(s, rows, 2, { shift: true });
    expect([...s.selected]).toEqual([1, 2, 3, 4]);
    s = clickRow(s, rows, 1, { toggle: true });
    expect([...s.selected].sort()).toEqual([1, 3, 4]);
    s = clickRow(s, rows, 2, { toggle: true });
    expect([...s.selected]).toEqual([1]);
  });
  it('keys', () => {
    let s = emptySelection();
    s = keyRow(s, rows, 'ArrowDown', {})!;
    expect(s.cursor).toBe(0);
    s = keyRow(s, rows, 'ArrowDown', { shift: true })!;
    expect([...s.selected]).toEqual([1, 2]);
    s = keyRow(s, rows, 'a', { ctrl: true })!;
    expect(s.selected.size).toBe(5);
    expect(keyRow(s, rows, 'x', {})).toBeNull();
    s = keyRow(s, rows, 'End', {})!;
    expect(s.cursor).toBe(3);
  });
});

describe('table rows', () => {
  it('sorts with missing values last in both directions', () => {
    const runs = [makeRun(1), makeRun(2, { summaries: {} }), makeRun(4)];
    for (const descending of [false, true]) {
      const rows = buildRows(runs, { sort: { column: 'deltaOF', descending }, groupSeeds: false, expanded: new Set() });
      expect(rows.at(-1)!.kind === 'run' && rows.at(-1)!.kind === 'run' ? (rows.at(-1) as { run: { id: number } }).run.id : 0).toBe(2);
    }
  });
  it('groups seeds by config hash', () => {
    const runs = [makeRun(3), makeRun(5), makeRun(4)];
    const rows = buildRows(runs, { sort: null, groupSeeds: true, expanded: new Set() });
    expect(rows.map((r) => r.kind)).toEqual(['group', 'run']);
    const open = buildRows(runs, { sort: null, groupSeeds: true, expanded: new Set(['hash-plain-1']) });
    expect(open.map((r) => r.kind)).toEqual(['group', 'run', 'run', 'run']);
  });
});

describe('compare', () => {
  it('labels groups by the config values that differ', () => {
    const a = makeRun(3);
    const b = makeRun(5);
    const c = makeRun(4);
    expect(differingKeys([a.config, c.config])).toEqual(['relu']);
    const groups = compareGroups([a, b, c], true);
    expect(groups.map((g) => [g.label, g.runs.length])).toEqual([
      ['relu=false', 2],
      ['relu=true · #4', 1],
    ]);
  });
  it('seed bands are mean ± std per step', () => {
    const s = (runId: number, vals: number[]) => ({ runId, key: 'k', total: vals.length, decimated: false, points: vals.map((v, i) => ({ step: i, value: v, min: v, max: v })) });
    const line = groupLine([s(1, [1, 2]), s(2, [3, 4])], 'g', '#000');
    expect(line.points).toEqual([{ x: 0, y: 2 }, { x: 1, y: 3 }]);
    expect(line.band![0]!.lo).toBeCloseTo(2 - Math.SQRT2, 12);
    expect(meanStd([1, 3]).std).toBeCloseTo(Math.SQRT2, 12);
  });
  it('counts decimation honestly', () => {
    const d = { runId: 1, key: 'k', total: 5000, decimated: true, points: Array.from({ length: 40 }, (_, i) => ({ step: i, value: 0, min: 0, max: 0 })) };
    expect(decimationOf([d])).toEqual({ shown: 40, total: 5000 });
    expect(decimationOf([{ ...d, decimated: false }])).toBeNull();
  });
});

describe('geometry helpers', () => {
  it('orders classes by count and histograms off-diagonal cosines', () => {
    expect(orderByCount(4, [2, 20, 2, 20])).toEqual([1, 3, 0, 2]);
    const m = [1, 0.5, -0.5, 0.5, 1, 0, -0.5, 0, 1];
    expect(offDiagonal(m, 3)).toEqual([0.5, -0.5, 0]);
    const h = histogram([0.5, -0.5, 0, 1], -1, 1, 4);
    expect(h.map((b) => b.count)).toEqual([0, 1, 1, 2]);
  });
});

describe('routes', () => {
  it('parse and print', () => {
    const routes: Route[] = [{ page: 'runs' }, { page: 'new' }, { page: 'new', from: 3 }, { page: 'run', id: 7 }, { page: 'compare', ids: [1, 2] }, { page: 'reproduce' }, { page: 'reproduce', sweep: 4 }];
    for (const r of routes) {
      expect(parseHash(href(r))).toEqual(r);
    }
    expect(parseHash('#/nonsense')).toEqual({ page: 'runs' });
  });
});

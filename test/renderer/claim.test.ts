import { describe, expect, it } from 'vitest';
import { bandOf, buildFigure, claimQuery, compact, DEFAULT_CLAIM, logTick, parseClaimQuery, type Summary } from '../../src-renderer/lib/claim';
import { claimSvg } from '../../src-renderer/lib/claim-svg';
import { href, parseHash } from '../../src-renderer/lib/router.svelte';
import { summarize } from '../../src-main/science/pivot';

const PALETTE = ['#111111', '#222222'];

function cell(x: number | string | boolean, by: boolean, values: number[], runId0: number): Summary['cells'][number] {
  return {
    x,
    by,
    facet: null,
    ...summarize(values),
    runIds: values.map((_, i) => runId0 + i),
    seeds: values.map((_, i) => i),
    values,
    missing: [],
    verdict: { ofUnique: true, seedsUnique: values.length, seedsAnalysed: values.length, text: 'OF unique for these batches' },
  } as Summary['cells'][number];
}

function summary(cells: Summary['cells'], kind: 'category' | 'linear' | 'log', xs: (number | string | boolean)[]): Summary {
  return {
    cells,
    title: 'Delta_OF (final) vs imbalance.ratio by relu — sweep 1 "s"',
    x: { field: 'imbalance.ratio', values: xs, kind },
    by: { field: 'relu', values: [false, true] },
    facet: { field: null, values: [null] },
    metric: { name: 'deltaOF', label: 'Delta_OF', meaning: 'distance to an orthogonal frame', stat: 'final', threshold: null, axisLabel: 'Delta_OF (final)', refs: [{ value: 0, label: 'OF 0' }], bounds: [0, null] },
    runs: 12,
    fields: [],
    metrics: [],
  };
}

describe('claim URL state', () => {
  it('round-trips every picker through the hash, defaults left out', () => {
    const state = { ...DEFAULT_CLAIM, sweep: 3, x: 'imbalance.ratio', by: 'relu', facet: 'batching.binding', metric: 'epochsToOF', band: 'ci95' as const, threshold: 0.01, logx: 'linear' as const, logy: true };
    const h = href({ page: 'claim', claim: state });
    expect(h).toBe('#/claim?sweep=3&x=imbalance.ratio&by=relu&facet=batching.binding&metric=epochsToOF&band=ci95&threshold=0.01&logx=linear&logy=1');
    expect(parseHash(h)).toEqual({ page: 'claim', claim: { ...state, ids: [] } });
    expect(claimQuery({ ...DEFAULT_CLAIM, ids: [4, 5] })).toBe('ids=4%2C5');
    expect(parseClaimQuery(new URLSearchParams('ids=4,5&band=nope&stat=best&threshold=-1'))).toEqual({ ...DEFAULT_CLAIM, ids: [4, 5], stat: 'best' });
  });
});

describe('the figure', () => {
  const cells = [cell(1, false, [0.5, 0.52, 0.55], 1), cell(10, false, [0.6, 0.7, 0.62], 4), cell(1, true, [0.0001, 0.0002, 0.01], 7), cell(10, true, [0.1, 0.5, 0.13], 10)];

  it('one dot per seed, the median per cell, groups side by side around their x, bands clipped at the bound', () => {
    const fig = buildFigure(summary(cells, 'log', [1, 10]), 'std', PALETTE, 'auto');
    expect(fig.xKind).toBe('log');
    const dots = fig.facets[0]!.groups.flatMap((g) => g.dots);
    expect(dots).toHaveLength(12);
    expect(new Set(dots.map((d) => d.x)).size).toBe(12);
    const [noRelu, relu] = fig.facets[0]!.groups;
    expect(noRelu!.marks.map((m) => m.median)).toEqual([0.52, 0.62]);
    expect(noRelu!.marks[0]!.x).toBeLessThan(1);
    expect(relu!.marks[0]!.x).toBeGreaterThan(1);
    // mean - std of [0.0001, 0.0002, 0.01] is below 0: the band stops at Delta_OF = 0
    expect(relu!.marks[0]!.band![0]).toBe(0);
    expect(fig.yMin).toBeLessThan(0); // the axis a hair below Delta_OF = 0, so dots at 0 show
    expect(fig.yMin).toBeGreaterThan(-0.03);
    expect(fig.nMax).toBe(3);
  });

  it('categorical x takes the category positions; forcing a linear axis on a ratio works', () => {
    const cat = buildFigure(summary([cell('fixed', false, [0.2], 1), cell('reshuffle', false, [0.3], 2)], 'category', ['fixed', 'reshuffle']), 'iqr', PALETTE, 'auto');
    expect(cat.xKind).toBe('category');
    expect(cat.xTicks).toEqual([
      { value: 0, label: 'fixed' },
      { value: 1, label: 'reshuffle' },
    ]);
    expect(buildFigure(summary(cells, 'log', [1, 10]), 'iqr', PALETTE, 'linear').xKind).toBe('linear');
  });

  it('bands: IQR, min-max, mean +- std and the 95 % CI of a cell', () => {
    const c = cell(1, true, [1, 2, 3, 4], 1);
    expect(bandOf(c, 'iqr')).toEqual([1.75, 3.25]);
    expect(bandOf(c, 'minmax')).toEqual([1, 4]);
    expect(bandOf(c, 'std')).toEqual([2.5 - c.std!, 2.5 + c.std!]);
    expect(bandOf(c, 'ci95')).toEqual(c.ci95);
    expect(bandOf(c, 'minmax', [null, 3])).toEqual([1, 3]);
  });

  it('log ticks are powers of ten (and 2, 5 over few decades), written short', () => {
    expect(logTick(1e-8, 8)).toBe('1e-8');
    expect(logTick(2e-8, 8)).toBeNull();
    expect(logTick(0.05, 2)).toBe('0.05');
    expect(logTick(100, 2)).toBe('100');
    expect(logTick(30, 2)).toBeNull();
    expect(compact(25_000)).toBe('2.5e4');
    expect(compact(0.000000010)).toBe('1e-8');
  });

  it('the SVG export has the title, axis titles, the legend, the reference line and a circle per seed', () => {
    const s = summary(cells, 'log', [1, 10]);
    const svg = claimSvg(s, buildFigure(s, 'iqr', PALETTE, 'auto'), { title: s.title, band: 'iqr', logy: false });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('Delta_OF (final) vs imbalance.ratio by relu — sweep 1 &quot;s&quot;');
    expect(svg).toContain('>imbalance.ratio (log scale)<');
    expect(svg).toContain('>Delta_OF (final)<');
    expect(svg).toContain('>relu = true<');
    expect(svg).toContain('>OF 0<');
    expect(svg).toContain('n = 3 seeds per cell');
    expect(svg.match(/<circle cx=[^>]*r="4"/g)).toHaveLength(12);
  });
});

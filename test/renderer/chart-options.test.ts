/** Readable charts: x axis as epochs / log epochs / evaluations / wall time, optional smoothing, final table like the band. */
import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import FinalTable from '../../src-renderer/components/compare/FinalTable.svelte';
import { seriesConfig } from '../../src-renderer/components/charts/series-config';
import { compareGroups } from '../../src-renderer/lib/compare-groups';
import { smoothLine, withX, type Series } from '../../src-renderer/lib/series-lines';
import { makeRun } from './fixtures';

const s: Series = {
  runId: 1,
  key: 'train/loss',
  total: 4,
  decimated: false,
  points: [0, 50, 100, 150].map((step, i) => ({ step, value: [4, 0, 4, 0][i]!, min: null, max: null })),
};

describe('x axis and smoothing', () => {
  it('evaluation index instead of the epoch; a log epoch axis drops epoch 0 and uses readable ticks', () => {
    expect(withX([s], 'eval')[0]!.points.map((p) => p.step)).toEqual([0, 1, 2, 3]);
    expect(withX([s], 'epoch')[0]).toBe(s);
    const cfg = seriesConfig([{ label: 'a', color: '#000', points: s.points.map((p) => ({ x: p.step, y: p.value })) }], { logX: true });
    expect(cfg.options!.scales!.x!.type).toBe('logarithmic');
    expect((cfg.data.datasets[0]!.data as { x: number }[]).map((p) => p.x)).toEqual([50, 100, 150]);
    const ticks = cfg.options!.scales!.x!.ticks as { callback: (v: number) => string };
    expect([100, 200, 300, 1000].map((v) => ticks.callback(v))).toEqual(['100', '200', '', '1000']);
  });

  it('wall time: seconds since the run\'s first point, from the wall-clock times runs.series returns with wall: true', () => {
    const timed: Series = { ...s, points: s.points.map((p, i) => ({ ...p, wallMs: 1_700_000_000_000 + [0, 1500, 4000, 10_000][i]! })) };
    expect(withX([timed], 'wall')[0]!.points.map((p) => p.step)).toEqual([0, 1.5, 4, 10]);
    expect(withX([timed], 'wall')[0]!.points.map((p) => p.value)).toEqual([4, 0, 4, 0]);
    // a series without wall times has nothing to place on a clock (never the epochs mislabelled as seconds)
    expect(withX([s], 'wall')[0]!.points).toEqual([]);
  });

  it('smoothing is a debiased exponential moving average of the line and its band; 0 leaves it alone', () => {
    const line = { label: 'a', color: '#000', points: s.points.map((p) => ({ x: p.step, y: p.value })), band: s.points.map((p) => ({ x: p.step, lo: 0, hi: 8 })) };
    expect(smoothLine(line, 0)).toBe(line);
    const sm = smoothLine(line, 0.5);
    // acc = 0.5 acc + 0.5 y, norm = 0.5 norm + 0.5: y = 4, then 1 / 0.75, then 2.5 / 0.875
    expect(sm.points[0]!.y).toBe(4);
    expect(sm.points[1]!.y).toBeCloseTo(4 / 3, 12);
    expect(sm.points[2]!.y).toBeCloseTo((0.5 * 1 + 0.5 * 4) / 0.875, 12); // acc 1 -> 2.5, norm 0.75 -> 0.875
    expect(sm.band![3]).toEqual({ x: 150, lo: 0, hi: 8 });
    expect(smoothLine({ ...line, points: [{ x: 0, y: null }, { x: 1, y: 2 }] }, 0.9).points).toEqual([
      { x: 0, y: null },
      { x: 1, y: 2 },
    ]);
  });
});

describe('final metrics table', () => {
  const runs = [1, 4, 7].map((id, i) =>
    makeRun(id, {
      configHash: 'same',
      seed: i,
      summaries: { 'geom/deltaOF': { lastStep: 100, last: [0.01, 0.02, 0.5][i]!, min: 0, minStep: 0, max: 1, maxStep: 0, n: 3, nNonFinite: 0 } },
    }),
  );
  it('summarises a seed group like the band, with every seed on hover', () => {
    const groups = compareGroups(runs, true);
    const { unmount } = render(FinalTable, { props: { groups, band: 'minmax' } });
    const cell = screen.getByText('0.02 [0.01, 0.5]');
    expect(cell.getAttribute('title')).toBe('seed 0 (#1): 0.01\nseed 1 (#4): 0.02\nseed 2 (#7): 0.5');
    unmount();
    render(FinalTable, { props: { groups, band: 'std' } });
    expect(screen.getByText('0.1767 ± 0.28')).toBeTruthy();
    // the seed that never reached the OF is named, not averaged away (median 0.02, |0.5 - 0.02| > 0.1)
    expect(screen.getByTestId('seed-outlier').textContent).toBe('⚠ seed 2 far from the median');
  });
});

describe('group legends', () => {
  it('come from the keys that differ, up to four named, the rest counted', () => {
    const run = (id: number, over: Record<string, unknown>) => makeRun(id, { configHash: `h${id}`, config: { ...makeRun(1).config, ...over } });
    const four = compareGroups([run(1, { dim: 8, temperature: 1, epochs: 100, relu: true }), run(2, { dim: 16, temperature: 0.5, epochs: 200, relu: false })], true);
    expect(four.map((g) => g.label)).toEqual(['dim=8, epochs=100, relu=true, temperature=1 · #1', 'dim=16, epochs=200, relu=false, temperature=0.5 · #2']);
    const five = compareGroups([run(1, { dim: 8, temperature: 1, epochs: 100, relu: true, classes: 4 }), run(2, { dim: 16, temperature: 0.5, epochs: 200, relu: false, classes: 5 })], true);
    expect(five[0]!.label).toBe('classes=4, dim=8, epochs=100, +2 more keys · #1');
  });
});

/**
 * Seed groups never hide a seed: band maths (median, quartiles, min–max, clipped to a metric's bounds), every
 * seed's curve on request, grouped heatmaps that show the seeds' mean (said so) with every seed beneath and the
 * disagreeing seed flagged, the user's choice of which runs' geometry to show, and the view state in the URL.
 */
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { Cell } from '../../src-renderer/components/charts/heatmap-config';
import { logTick, seriesConfig } from '../../src-renderer/components/charts/series-config';
import { compareParams, COMPARE_DEFAULTS, readCompareState } from '../../src-renderer/lib/compare-state';
import { diverging } from '../../src-renderer/lib/colors';
import { etfCosine, heatRange } from '../../src-renderer/lib/geometry';
import { axisTitle } from '../../src-renderer/components/charts/axis-title';
import { metricBounds, metricName } from '../../src-renderer/lib/metric-info';
import { meanMatrix, medianMatrix, seedAgreement } from '../../src-renderer/lib/seed-geometry';
import { groupLine, seedLines, type Series } from '../../src-renderer/lib/series-lines';
import { band, quantileSorted, seedSummary } from '../../src-renderer/lib/stats';
import ComparePage from '../../src-renderer/pages/ComparePage.svelte';
import { FakeChart } from './chart-mock';
import { fakeClient, type FakeClient } from './fake-client';
import { makeRun } from './fixtures';
import { renderWith } from './render-with';

vi.mock('../../src-renderer/components/charts/chart-setup', async () => (await import('./chart-mock')).chartSetupMock);

const series = (runId: number, vals: number[]): Series => ({
  runId,
  key: 'geom/deltaOF',
  total: vals.length,
  decimated: false,
  points: vals.map((v, i) => ({ step: i * 10, value: v, min: v, max: v })),
});

describe('seed band maths', () => {
  it('quantiles interpolate like numpy / R type 7', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantileSorted([1, 2, 3, 4], 0.75)).toBe(3.25);
    expect(quantileSorted([5], 0.25)).toBe(5);
    expect(quantileSorted([], 0.5)).toBeNull();
    const s = seedSummary([0.01, null, 0.5, 0.02, Number.NaN, 0.03]);
    expect(s).toMatchObject({ n: 4, median: 0.025, min: 0.01, max: 0.5 });
    expect(s.mean).toBeCloseTo(0.14, 12);
  });

  it('never draws a band below the metric bound (ΔOF >= 0), whatever the summary', () => {
    // one collapsed seed: mean 0.14, std 0.24 -> mean - std < 0 is impossible for ΔOF
    const s = seedSummary([0.01, 0.5, 0.02, 0.03]);
    const std = band(s, 'std', metricBounds('geom/deltaOF'));
    expect(std.lo).toBe(0);
    expect(std.hi).toBeCloseTo(s.mean! + s.std!, 12);
    expect(band(s, 'std').lo).toBeLessThan(0); // unclipped without bounds: the clip is what keeps it honest
    expect(band(s, 'minmax', metricBounds('geom/deltaOF'))).toEqual({ y: 0.025, lo: 0.01, hi: 0.5 });
    const iqr = band(s, 'iqr');
    expect(iqr.y).toBe(0.025);
    expect(iqr.lo).toBeCloseTo(0.0175, 12);
    expect(iqr.hi).toBeCloseTo(0.1475, 12);
    expect(metricBounds('acc/nccTrain')).toEqual({ lower: 0, upper: 1 });
  });

  it('group lines: median with min–max, labelled; every seed a thin curve left out of the legend', () => {
    const ss = [series(1, [0.4, 0.01]), series(2, [0.5, 0.02]), series(3, [0.6, 0.5])];
    const line = groupLine(ss, 'relu=true', '#4e79a7', { band: 'minmax', bounds: { lower: 0 } });
    expect(line.label).toBe('relu=true (n=3, median, min–max)');
    expect(line.points).toEqual([
      { x: 0, y: 0.5 },
      { x: 10, y: 0.02 },
    ]);
    expect(line.band).toEqual([
      { x: 0, lo: 0.4, hi: 0.6 },
      { x: 10, lo: 0.01, hi: 0.5 },
    ]);
    const seeds = seedLines(ss, 'relu=true', '#4e79a7');
    expect(seeds.map((l) => l.label)).toEqual(['relu=true: run #1', 'relu=true: run #2', 'relu=true: run #3']);
    const cfg = seriesConfig([...seeds, line]);
    const filter = cfg.options!.plugins!.legend!.labels!.filter!;
    const shown = cfg.data.datasets.filter((d) => filter({ text: d.label } as never, cfg.data as never)).map((d) => d.label);
    expect(shown).toEqual(['relu=true (n=3, median, min–max)']);
    expect(cfg.data.datasets).toHaveLength(3 + 3); // 3 seed curves + band low/high + the median line
  });

  it('log ticks read as 1e-8 / 0.01, minor ticks unlabelled; names not keys', () => {
    expect(logTick(1e-8)).toBe('1e-8');
    expect(logTick(0.00000001)).toBe('1e-8');
    expect(logTick(5e-9)).toBe('5e-9');
    expect(logTick(0.01)).toBe('0.01');
    expect(logTick(200)).toBe('200');
    expect(logTick(3e-8)).toBe('');
    expect(logTick(0)).toBe('');
    const y = seriesConfig([], { logY: true }).options!.scales!.y as { ticks: { callback: (v: number) => string } };
    expect(y.ticks.callback(1e-8)).toBe('1e-8');
    expect(metricName('geom/deltaOF')).toBe('ΔOF');
    expect(axisTitle('geom/deltaOF')).toBe('ΔOF: distance from an orthogonal frame (0 = OF)');
    expect(axisTitle('train/epochLoss')).toMatch(/^epoch loss \(sum\): sum of the epoch's batch losses/);
    expect(metricName('custom/thing')).toBe('thing');
  });
});

const K = 4;
/** A 4 x 4 cosine matrix with unit diagonal and the given off-diagonal value (pair (2, 3) optionally other). */
function cos(off: number, c23 = off): number[] {
  const m: number[] = [];
  for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) m.push(i === j ? 1 : (i === 2 && j === 3) || (i === 3 && j === 2) ? c23 : off);
  return m;
}

describe('seed agreement of cosine matrices', () => {
  it('flags the seed whose minority classes collapsed, and only it', () => {
    const mats = [cos(0.01), cos(-0.01), cos(0.0, 0.99)];
    expect(meanMatrix(mats)![2 * K + 3]).toBeCloseTo(0.99 / 3, 12);
    expect(medianMatrix(mats)![2 * K + 3]).toBeCloseTo(0.01, 12);
    const v = seedAgreement(mats, K)!;
    expect(v.map((x) => x.disagrees)).toEqual([false, false, true]);
    expect(v[2]).toMatchObject({ at: [2, 3], value: 0.99 });
    expect(v[2]!.reference).toBeCloseTo(0.01, 12);
    // a looser tolerance accepts it
    expect(seedAgreement(mats, K, 1)!.some((x) => x.disagrees)).toBe(false);
    // two seeds: no majority, each is compared with the other
    expect(seedAgreement([cos(0), cos(0, 0.9)], K)!.map((x) => x.disagrees)).toEqual([true, true]);
    expect(seedAgreement([cos(0), cos(0.05)], K)!.map((x) => x.disagrees)).toEqual([false, false]);
  });

  it('the colour scale fits the references: at k = 10 the ETF is a third of the way to full blue', () => {
    expect(heatRange('refs', 10)).toBe(0.33);
    expect(heatRange('refs', 4)).toBe(1);
    expect(heatRange('1', 10)).toBe(1);
    expect(heatRange('data', K, cos(0.02, -0.4))).toBe(0.4);
    // the ETF (-0.111) against the OF (0, white): on the old fixed ±1 scale they differ by a few levels of RGB
    const rgb = (c: string) => c.match(/\d+/g)!.map(Number);
    const dist = (range: number) => {
      const [a, b] = [rgb(diverging(etfCosine(10), range)), rgb(diverging(0, range))];
      return Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
    };
    expect(dist(1)).toBeLessThan(35);
    expect(dist(heatRange('refs', 10))).toBeGreaterThan(80);
  });

  it('the compare view state round-trips through the URL and ignores junk', () => {
    const s = { ...COMPARE_DEFAULTS, band: 'iqr' as const, seeds: true, shown: ['abc', 'run7'], tol: 0.3, diffA: 'r:7', diffB: 'g:abc', metricB: 'acc/nccTest' };
    expect(readCompareState(compareParams(s))).toEqual(s);
    expect(compareParams(COMPARE_DEFAULTS)).toEqual({});
    expect(readCompareState({ band: 'nope', tol: '-1', m1: 'x y', a: 'bad' })).toEqual(COMPARE_DEFAULTS);
  });
});

describe('Compare page: grouped heatmaps', () => {
  let client: FakeClient;
  // group A: runs 1, 2, 3 (seed 2 = run 3 collapsed its minority classes); group B: runs 4, 5, 6;
  // groups C..H: one run each (7..12), so that there are 8 groups, more than the 6 shown by default
  const hashOf = (id: number) => (id <= 3 ? 'ha' : id <= 6 ? 'hb' : `h${id}`);
  const mats: Record<number, number[]> = { 1: cos(0.01), 2: cos(-0.01), 3: cos(0.0, 0.99), 4: cos(-0.3), 5: cos(-0.33), 6: cos(-0.32) };
  beforeEach(() => {
    FakeChart.instances = [];
    client = fakeClient({
      'runs.list': ({ ids }) => {
        const runs = (ids ?? []).map((id) =>
          makeRun(id, { configHash: hashOf(id), seed: id <= 6 ? (id - 1) % 3 : 0, config: { ...makeRun(id).config, relu: id <= 3, temperature: id > 6 ? id : 1, seed: (id - 1) % 3 } }),
        );
        return { runs, total: runs.length };
      },
      'runs.metricKeys': () => ({ keys: ['geom/deltaOF', 'train/loss'] }),
      'runs.series': ({ runIds, key }) => ({
        series: runIds.map((runId) => ({ runId, key, points: [0, 1].map((step) => ({ step, value: 0.1 * runId, min: null, max: null })), total: 2, decimated: false })),
      }),
      'runs.snapshotSteps': () => ({ steps: [100] }),
      'runs.snapshot': ({ id, step }) => ({ step, rows: K, cols: K, data: mats[id] ?? cos(0.02) }) as never,
    });
  });

  it('shows the mean of the seeds (labelled as a mean), every seed beneath, and flags the one that disagrees', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => i + 1);
    renderWith(ComparePage, client, { ids });
    const flags = await screen.findAllByTestId('seed-disagrees', {}, { timeout: 5000 });
    expect(flags.map((f) => f.textContent)).toEqual(['⚠ seed 2 (run #3) disagrees: cos(c2, c3) = 0.99 vs group median 0.01']);
    const groupA = document.querySelector('[data-group="ha"]') as HTMLElement;
    expect(within(groupA).getByTestId('heatmap-subtitle').textContent).toBe('mean of 3 seeds');
    // the mean's upper triangle: five entries (0.01 - 0.01 + 0) / 3 = 0 and cos(c2, c3) = 0.99 / 3
    expect(within(groupA).getByTestId('heatmap-offmean').textContent).toBe('0.055');
    expect(within(groupA).getByTestId('decimation-badge').textContent).toBe('1 of 3 seeds disagree');
    // the strip: every seed, the disagreeing one marked
    const strip = within(groupA).getByRole('group', { name: /every seed/ });
    const minis = strip.querySelectorAll('button.mini');
    expect(minis).toHaveLength(3);
    expect([...minis].map((m) => m.getAttribute('data-flagged'))).toEqual([null, null, 'true']);
    // the large chart draws the element-wise mean: cos(c2, c3) = 0.99 / 3
    const big = FakeChart.live().find((c) => c.type === 'matrix' && (c.data.datasets[0]!.data as Cell[]).some((x) => Math.abs(x.v - 0.33) < 1e-9));
    expect(big).toBeTruthy();
    // group B agrees with itself
    const groupB = document.querySelector('[data-group="hb"]') as HTMLElement;
    expect(within(groupB).queryByTestId('seed-disagrees')).toBeNull();

    // picking a seed shows it instead of the mean
    await fireEvent.click(minis[2]!);
    await waitFor(() => expect(within(groupA).getByTestId('heatmap-subtitle').textContent).toBe('run #3, seed 2 (one of 3 seeds)'));
    expect(within(groupA).getByTestId('heatmap-offmean').textContent).toBe('0.165');
  });

  it('lets the user choose which runs get heatmaps (8 groups: the 7th and 8th on request)', async () => {
    renderWith(ComparePage, client, { ids: Array.from({ length: 12 }, (_, i) => i + 1) });
    await screen.findAllByTestId('seed-disagrees', {}, { timeout: 5000 });
    expect(document.querySelectorAll('[data-group]')).toHaveLength(6);
    expect(screen.getByText('Heatmaps of 6 of 8 runs / groups')).toBeTruthy();
    const chooser = screen.getByRole('group', { name: 'Runs whose geometry is shown' });
    const boxes = within(chooser).getAllByRole('checkbox') as HTMLInputElement[];
    expect(boxes.map((b) => b.checked)).toEqual([true, true, true, true, true, true, false, false]);
    await fireEvent.click(boxes[7]!);
    await fireEvent.click(boxes[1]!);
    await waitFor(() => expect(document.querySelector('[data-group="h12"]')).not.toBeNull());
    expect(document.querySelector('[data-group="hb"]')).toBeNull();
    // its matrix was read at the shown epoch
    await waitFor(() => expect(client.callsOf('runs.snapshot').some((c) => c.id === 12 && c.step === 100)).toBe(true));
    // and the choice is in the URL
    await waitFor(() => expect(decodeURIComponent(location.hash)).toContain('heat=ha,h7,h8,h9,h10,h12'));
  });

  it('a difference map of any two chosen sources, e.g. one seed against its group mean', async () => {
    renderWith(ComparePage, client, { ids: [1, 2, 3, 4, 5, 6], params: { a: 'r:3', b: 'g:ha' } });
    const diff = await screen.findByRole('region', { name: 'Difference A − B' }, { timeout: 5000 });
    expect(within(diff).getByText(/A = .*run #3 \(seed 2\), B = .*\(mean of 3\)/)).toBeTruthy();
    const chart = FakeChart.live().find((c) => c.type === 'matrix' && (c.data.datasets[0]!.data as Cell[]).some((x) => Math.abs(x.v - (0.99 - 0.33)) < 1e-9));
    expect(chart).toBeTruthy();
  });
});

import { screen, waitFor } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CLAIM } from '../../src-renderer/lib/claim';
import { ApiError } from '../../src-renderer/lib/client';
import { router } from '../../src-renderer/lib/router.svelte';
import ClaimPage from '../../src-renderer/pages/ClaimPage.svelte';
import { summarize } from '../../src-main/science/pivot';
import { FakeChart } from './chart-mock';
import { fakeClient } from './fake-client';
import { renderWith } from './render-with';

vi.mock('../../src-renderer/components/charts/chart-setup', async () => (await import('./chart-mock')).chartSetupMock);

type Out = Awaited<ReturnType<typeof answer>>;

/** What runs.summarize answers for a 2 x 2 x 3-seed sweep (ratio x relu). */
function answer(input: { x: string; by?: string }) {
  const cell = (x: number, by: boolean, values: number[], id0: number) => ({
    x,
    by,
    facet: null,
    ...summarize(values),
    runIds: values.map((_, i) => id0 + i),
    seeds: [0, 1, 2],
    values,
    missing: [],
    verdict: by ? { ofUnique: false, seedsUnique: 0, seedsAnalysed: 3, text: 'OF not unique for these batches: class 1 is split into 5 parts' } : { ofUnique: true, seedsUnique: 3, seedsAnalysed: 3, text: 'OF unique for these batches' },
  });
  return {
    cells: [cell(1, false, [0.52, 0.53, 0.51], 1), cell(10, false, [0.63, 0.73, 0.61], 4), cell(1, true, [1e-8, 2e-8, 3e-8], 7), cell(10, true, [0.13, 0.54, 0.12], 10)],
    title: `Delta_OF (final) vs ${input.x}${input.by ? ` by ${input.by}` : ''} — sweep 1 "s"`,
    x: { field: input.x, values: [1, 10], kind: 'log' as const },
    by: { field: input.by ?? null, values: [false, true] },
    facet: { field: null, values: [null] },
    metric: { name: 'deltaOF', label: 'Delta_OF', meaning: 'distance to an orthogonal frame (0 = OF)', stat: 'final' as const, threshold: null, axisLabel: 'Delta_OF (final)', refs: [{ value: 0, label: 'OF 0' }], bounds: [0, null] as [number, null] },
    runs: 12,
    fields: [
      { path: 'relu', distinct: 2, numeric: false },
      { path: 'imbalance.ratio', distinct: 2, numeric: true },
      { path: 'seed', distinct: 3, numeric: true },
      { path: 'dim', distinct: 1, numeric: true },
    ],
    metrics: [
      { name: 'deltaOF', label: 'Delta_OF', meaning: '', best: true },
      { name: 'cosMean', label: 'mean cos', meaning: '', best: false },
    ],
  };
}

beforeEach(() => {
  FakeChart.instances = [];
  history.replaceState(null, '', '#/claim?sweep=1');
});
afterEach(() => history.replaceState(null, '', '#/'));

describe('the Claim page', () => {
  it('opened with only a sweep, it picks the fields that vary (the ratio on x, relu as colour) into the URL', async () => {
    const client = fakeClient({ 'runs.summarize': (i) => answer(i as { x: string }) as Out, 'sweeps.list': () => ({ sweeps: [{ id: 1, name: 's', createdAt: 0 }] }) });
    renderWith(ClaimPage, client, { claim: { ...DEFAULT_CLAIM, sweep: 1 } });
    await waitFor(() => expect(location.hash).toBe('#/claim?sweep=1&x=imbalance.ratio&by=relu'));
    expect(router.route).toEqual({ page: 'claim', claim: { ...DEFAULT_CLAIM, sweep: 1, x: 'imbalance.ratio', by: 'relu' } });
    expect(client.callsOf('runs.summarize')[0]).toMatchObject({ sweepId: 1, x: 'seed', metric: 'deltaOF', stat: 'final' });
  });

  it('draws one dot per seed per group and the table with each seed and the batch verdict', async () => {
    const client = fakeClient({ 'runs.summarize': (i) => answer(i as { x: string; by?: string }) as Out, 'sweeps.list': () => ({ sweeps: [] }) });
    renderWith(ClaimPage, client, { claim: { ...DEFAULT_CLAIM, sweep: 1, x: 'imbalance.ratio', by: 'relu' } });
    await screen.findByTestId('claim-table');
    const chart = FakeChart.instances.at(-1)!;
    const dots = chart.data.datasets.filter((d) => !String(d.label).endsWith(' median'));
    expect(dots.map((d) => [d.label, d.data.length])).toEqual([
      ['relu = false', 6],
      ['relu = true', 6],
    ]);
    expect((chart.options as { scales: { x: { type: string } } }).scales.x.type).toBe('logarithmic');
    expect(screen.getAllByTestId('claim-row')).toHaveLength(4);
    expect(screen.getAllByTestId('claim-median').map((e) => e.textContent)).toEqual(['0.52', '0.63', '2.00e-8', '0.13']);
    expect(screen.getByTestId('claim-n').textContent).toContain('n = 3 seeds per cell');
    expect(screen.getAllByText('OF not unique')).toHaveLength(2);
    expect(screen.getAllByText('class 1 is split into 5 parts')).toHaveLength(2);
    // Delta_OF has a better direction: "best" is offered (a cosine's is disabled: the metrics list says best: false)
    expect((screen.getByRole('option', { name: 'best' }) as HTMLOptionElement).disabled).toBe(false);
  });

  it('shows the API error naming the field (not a blank page)', async () => {
    const client = fakeClient({
      'runs.summarize': () => {
        throw new ApiError({ code: 'INVALID_INPUT', message: 'invalid summarize query: x: "imbalance.ration" is not a config field of these runs', issues: [{ field: 'x', message: '...' }] });
      },
      'sweeps.list': () => ({ sweeps: [] }),
    });
    renderWith(ClaimPage, client, { claim: { ...DEFAULT_CLAIM, sweep: 1, x: 'imbalance.ration' } });
    expect((await screen.findByTestId('claim-error')).textContent).toContain('x: "imbalance.ration" is not a config field of these runs');
  });

  it('without runs it offers the sweeps to open', async () => {
    const client = fakeClient({ 'sweeps.list': () => ({ sweeps: [{ id: 2, name: 'ratio sweep', createdAt: 0 }] }) });
    renderWith(ClaimPage, client, { claim: { ...DEFAULT_CLAIM } });
    const link = await screen.findByRole('link', { name: '#2 ratio sweep' });
    expect(link.getAttribute('href')).toBe('#/claim?sweep=2');
    expect(client.callsOf('runs.summarize')).toHaveLength(0);
  });
});

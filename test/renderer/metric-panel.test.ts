import { fireEvent, screen, waitFor } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import MetricPanel from '../../src-renderer/components/charts/MetricPanel.svelte';
import { FakeChart } from './chart-mock';
import { fakeClient } from './fake-client';
import { renderWith } from './render-with';

vi.mock('../../src-renderer/components/charts/chart-setup', async () => (await import('./chart-mock')).chartSetupMock);

const points = (from: number, to: number, every: number) =>
  Array.from({ length: Math.floor((to - from) / every) + 1 }, (_, i) => ({ step: from + i * every, value: 1 / (1 + from + i * every), min: 0, max: 1 }));

describe('metric chart', () => {
  it('shows "N of M points" when decimated and re-queries a zoomed range at full resolution', async () => {
    const client = fakeClient({
      'runs.series': ({ runIds, key, x0, x1 }) => ({
        series: runIds.map((runId) =>
          x0 === undefined
            ? { runId, key, points: points(0, 4950, 50), total: 5000, decimated: true }
            : { runId, key, points: points(x0, x1!, 1), total: x1! - x0 + 1, decimated: false },
        ),
      }),
    });
    renderWith(MetricPanel, client, { metric: 'train/epochLoss', groups: [{ label: 'a', runIds: [1] }], tick: 0 });
    expect((await screen.findByTestId('decimation-badge')).textContent).toBe('100 of 5,000 points');
    // decimated buckets carry a min..max band: 2 band datasets + the line
    const chart = FakeChart.live().at(-1)!;
    await waitFor(() => expect(chart.data.datasets).toHaveLength(3));

    await fireEvent.input(screen.getByLabelText('train/epochLoss: from epoch'), { target: { value: '100' } });
    await fireEvent.input(screen.getByLabelText('train/epochLoss: to epoch'), { target: { value: '300' } });
    await fireEvent.click(screen.getByRole('button', { name: 'zoom' }));
    await waitFor(() => expect(client.callsOf('runs.series').at(-1)).toMatchObject({ x0: 100, x1: 300 }));
    await waitFor(() => expect(screen.queryByTestId('decimation-badge')).toBeNull());
    expect((chart.data.datasets.at(-1)!.data as unknown[]).length).toBe(201);
    expect(chart.updates).toBeGreaterThan(0);
  });

  it('a wall-time x axis re-reads the series with wall times and places each point at its seconds since the first', async () => {
    const client = fakeClient({
      'runs.series': ({ runIds, key, wall }) => ({
        series: runIds.map((runId) => ({
          runId,
          key,
          points: points(0, 40, 10).map((p) => (wall ? { ...p, wallMs: 5_000_000 + 250 * p.step } : p)),
          total: 5,
          decimated: false,
        })),
      }),
    });
    renderWith(MetricPanel, client, { metric: 'geom/deltaOF', groups: [{ label: 'a', runIds: [1, 2] }], tick: 0 });
    await waitFor(() => expect(client.callsOf('runs.series')).toHaveLength(1));
    await fireEvent.change(screen.getByLabelText('geom/deltaOF: x axis'), { target: { value: 'wall' } });
    await waitFor(() => expect(client.callsOf('runs.series').at(-1)).toMatchObject({ wall: true }));
    const chart = FakeChart.live().at(-1)!;
    // two seeds on their own clocks: one line each (no band across seeds), x in seconds
    await waitFor(() => expect(chart.data.datasets.map((d) => d.label)).toEqual(['a: run #1', 'a: run #2']));
    expect((chart.data.datasets[0]!.data as { x: number }[]).map((p) => p.x)).toEqual([0, 2.5, 5, 7.5, 10]);
  });

  it('refreshes only the new steps on a live tick, and destroys its chart on unmount', async () => {
    let last = 10;
    const client = fakeClient({
      'runs.series': ({ runIds, key, x0 }) => ({
        series: runIds.map((runId) => {
          const p = points(x0 ?? 0, last, 1).filter((q) => q.step <= last);
          return { runId, key, points: p, total: p.length, decimated: false };
        }),
      }),
    });
    const r = renderWith(MetricPanel, client, { metric: 'geom/deltaOF', groups: [{ label: 'a', runIds: [7] }], tick: 0 });
    await waitFor(() => expect(client.callsOf('runs.series')).toHaveLength(1));
    await waitFor(() => expect((FakeChart.live().at(-1)!.data.datasets.at(-1)!.data as unknown[]).length).toBe(11));
    last = 15;
    await r.rerender({ metric: 'geom/deltaOF', groups: [{ label: 'a', runIds: [7] }], tick: 1 });
    await waitFor(() => expect(client.callsOf('runs.series')).toHaveLength(2));
    expect(client.callsOf('runs.series')[1]).toMatchObject({ x0: 11 });
    const chart = FakeChart.live().at(-1)!;
    await waitFor(() => expect((chart.data.datasets.at(-1)!.data as unknown[]).length).toBe(16));
    r.unmount();
    expect(chart.destroyed).toBe(true);
  });
});

import { screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import ComparePage from '../../src-renderer/pages/ComparePage.svelte';
import { FakeChart } from './chart-mock';
import { fakeClient, type FakeClient } from './fake-client';
import { makeRun } from './fixtures';
import { renderWith } from './render-with';

vi.mock('../../src-renderer/components/charts/chart-setup', async () => (await import('./chart-mock')).chartSetupMock);

describe('Compare page', () => {
  let client: FakeClient;
  beforeEach(() => {
    FakeChart.instances = [];
    client = fakeClient({
      'runs.list': ({ ids }) => {
        const runs = (ids ?? []).filter((id) => id < 50).map((id) => makeRun(id));
        return { runs: runs.sort((a, b) => b.createdAt - a.createdAt), total: runs.length };
      },
      'runs.metricKeys': () => ({ keys: ['geom/deltaOF', 'train/loss'] }),
      'runs.series': ({ runIds, key }) => ({
        series: runIds.map((runId) => ({ runId, key, points: [0, 1, 2].map((step) => ({ step, value: step + runId, min: null, max: null })), total: 3, decimated: false })),
      }),
      'runs.snapshotSteps': () => ({ steps: [] }),
      'runs.snapshot': () => null,
    });
  });

  it('reads the whole selection with one runs.list (ids), in the order of the URL, and names the missing runs', async () => {
    renderWith(ComparePage, client, { ids: [4, 1, 99, 4] });
    await screen.findByText('Not found: runs 99');
    expect(client.callsOf('runs.list')).toEqual([{ ids: [4, 1, 99], limit: 3 }]);
    expect(client.callsOf('runs.get')).toEqual([]);
    await waitFor(() => expect(document.querySelector('[data-compare-ready="true"]')).not.toBeNull());
    expect(screen.getByText(/2 runs in/)).toBeTruthy();
    // the curves: every id of the URL fetched at once, drawn once the runs are known
    expect(client.callsOf('runs.series')[0]).toMatchObject({ runIds: [4, 1, 99] });
  });
});

/** The Run page names, renames, explains and re-runs a run; saved views in the header; names of unnamed runs. */
import { fireEvent, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import SavedViews from '../../src-renderer/components/common/SavedViews.svelte';
import type { MethodOutput } from '../../src-renderer/lib/client';
import { autoName, runTitle } from '../../src-renderer/lib/run-fields';
import RunPage from '../../src-renderer/pages/RunPage.svelte';
import { FakeChart } from './chart-mock';
import { fakeClient, type FakeClient } from './fake-client';
import { badAnalysis, makeRun } from './fixtures';
import { renderWith } from './render-with';

vi.mock('../../src-renderer/components/charts/chart-setup', async () => (await import('./chart-mock')).chartSetupMock);

describe('names of unnamed runs', () => {
  it('come from the distinguishing config, never "run 3"', () => {
    const ufm = makeRun(3, { name: null, seed: 0 });
    ufm.config = { ...ufm.config, relu: true, imbalance: { profile: 'step', nMax: 100, ratio: 10 }, batching: { strategy: 'fixed', batchSize: 4, binding: true } };
    expect(runTitle(ufm)).toBe('UFM+ step R=10 fixed 4 +bind seed 0');
    expect(autoName({ kind: 'ufm', seed: 2, config: { relu: false, temperature: 0.1, imbalance: { profile: 'balanced' }, batching: { strategy: 'full' } } })).toBe(
      'UFM balanced full τ=0.1 seed 2',
    );
    expect(
      autoName({ kind: 'deep', seed: 1, config: { model: { name: 'resnet18' }, dataset: { name: 'cifar10' }, loss: 'scl', imbalance: { profile: 'long-tail', ratio: 100 }, batching: { strategy: 'random', batchSize: 256 } } }),
    ).toBe('resnet18 cifar10 SCL long-tail R=100 random 256 seed 1');
    expect(autoName({ kind: 'embeddings', seed: 0, config: { file: '/data/feats.npy' } })).toBe('embeddings feats.npy');
    expect(runTitle(makeRun(3, { name: 'mine' }))).toBe('mine');
    expect(runTitle({ id: 9, name: null })).toBe('run 9');
  });
});

describe('Run page: rename, why it stopped, config as JSON, the CLI command, batch conditions', () => {
  let client: FakeClient;
  let name: string | null;
  beforeEach(() => {
    FakeChart.instances = [];
    name = null;
    client = fakeClient({
      'runs.get': () => ({ ...makeRun(3, { name, status: 'cancelled', lastStep: 40 }), appVersion: '0.1.0', env: null, result: null }) as MethodOutput<'runs.get'>,
      'runs.rename': (i) => {
        name = i.name;
        return { ok: true };
      },
      'runs.series': ({ runIds, key }) => ({ series: runIds.map((runId) => ({ runId, key, points: [], total: 0, decimated: false })) }),
      'runs.snapshotSteps': () => ({ steps: [] }),
      'runs.snapshot': () => null,
      'app.info': () => ({ version: '0.1.0', dbPath: "/home/me/lab's.db", cores: 2, mode: 'serve' }),
      'runs.validate': () => ({ ok: true, issues: [], counts: [20, 20, 2, 2], analysis: badAnalysis }),
    });
  });

  it('renames through runs.rename and shows the new name', async () => {
    renderWith(RunPage, client, { id: 3 });
    expect((await screen.findByRole('heading', { level: 1 })).textContent).toBe('UFM custom R=10 fixed 4 +bind seed 0');
    await fireEvent.click(screen.getByRole('button', { name: 'Rename the run' }));
    await fireEvent.input(screen.getByLabelText('Run name'), { target: { value: 'no ReLU baseline' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('no ReLU baseline'));
    expect(client.callsOf('runs.rename')).toEqual([{ id: 3, name: 'no ReLU baseline' }]);
  });

  it('says why it stopped, gives the exact CLI command and the batch-condition verdict of its config', async () => {
    renderWith(RunPage, client, { id: 3 });
    expect((await screen.findByTestId('run-stop')).textContent!.trim()).toBe('Stopped: cancelled at epoch 40 of 100');
    await waitFor(() => expect(screen.getByTestId('run-cli-command').textContent).toContain("--db '/home/me/lab'\\''s.db'"));
    const cmd = screen.getByTestId('run-cli-command').textContent!;
    expect(cmd.startsWith("cat > run-3-config.json <<'JSON'\n")).toBe(true);
    const body = cmd.slice(cmd.indexOf('\n') + 1, cmd.indexOf('\nJSON\n'));
    expect(JSON.parse(body)).toEqual(makeRun(3).config);
    expect(cmd.endsWith("scl-lab run --config run-3-config.json --db '/home/me/lab'\\''s.db'")).toBe(true);
    expect(client.callsOf('runs.validate')[0]).toEqual({ config: makeRun(3).config, epochs: 5 });
    await screen.findByRole('region', { name: 'Batch-condition analysis' });
    expect(screen.getByText('OF is not guaranteed')).toBeTruthy();
    for (const f of badAnalysis.oneEpoch.findings) expect(screen.getByText(f)).toBeTruthy();
  });
});

describe('saved views in the header', () => {
  it('saves the current URL under a name and lists the views to reopen', async () => {
    const stored: { id: number; name: string; url: string; createdAt: number }[] = [];
    const client = fakeClient({
      'views.list': () => ({ views: [...stored] }),
      'views.save': ({ name, url }) => {
        const v = { id: stored.length + 1, name, url, createdAt: 1 };
        stored.push(v);
        return v;
      },
      'views.delete': () => ({ ok: true }),
    });
    history.replaceState(null, '', '#/compare?ids=1,2&band=iqr');
    renderWith(SavedViews, client, {});
    await fireEvent.click(screen.getByRole('button', { name: 'Save view' }));
    await fireEvent.input(screen.getByLabelText('View name'), { target: { value: 'relu vs none' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(client.callsOf('views.save')).toEqual([{ name: 'relu vs none', url: '#/compare?ids=1,2&band=iqr' }]));
    await fireEvent.click(await screen.findByRole('button', { name: 'Views (1)' }));
    const link = await screen.findByRole('link', { name: 'relu vs none' });
    expect(link.getAttribute('href')).toBe('#/compare?ids=1,2&band=iqr');
  });
});

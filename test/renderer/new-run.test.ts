import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import NewRunPage from '../../src-renderer/pages/NewRunPage.svelte';
import { FakeChart } from './chart-mock';
import { fakeClient, type FakeClient } from './fake-client';
import { badAnalysis, okAnalysis } from './fixtures';
import { renderWith } from './render-with';

vi.mock('../../src-renderer/components/charts/chart-setup', async () => (await import('./chart-mock')).chartSetupMock);

function fieldOf(path: string): HTMLElement {
  const el = document.querySelector<HTMLElement>(`[data-field="${path}"]`);
  if (!el) throw new Error(`no field ${path}`);
  return el;
}

/** The data of the newest live bar chart titled like the counts chart. */
function countsChartData(): number[] {
  const bars = FakeChart.live().filter((c) => c.type === 'bar' && c.data.datasets[0]?.label === 'examples');
  return (bars.at(-1)!.data.datasets[0]!.data as number[]).slice();
}

describe('New run form', () => {
  let client: FakeClient;
  beforeEach(() => {
    localStorage.clear(); // the New run page keeps a draft across reloads: each test starts from the example
    FakeChart.instances = [];
    client = fakeClient({
      'runs.validate': () => ({ ok: true, issues: [], counts: [20, 20, 2, 2], analysis: okAnalysis }),
      'runs.create': () => ({ id: 42 }),
    });
  });
  afterEach(() => {
    location.hash = '';
  });

  it('validates the default UFM config and shows the analyser verdict', async () => {
    renderWith(NewRunPage, client, { validateDelay: 0 });
    await waitFor(() => expect(client.callsOf('runs.validate').length).toBeGreaterThan(0));
    const input = client.callsOf('runs.validate').at(-1)!;
    expect(input.config).toMatchObject({
      kind: 'ufm',
      classes: 4,
      relu: true,
      imbalance: { profile: 'custom', counts: [20, 20, 2, 2] },
      batching: { strategy: 'fixed', batchSize: 4, binding: true },
      optimizer: { name: 'gd', lr: 0.05 },
    });
    expect(await screen.findAllByText('OF is unique')).toHaveLength(2);
    expect(countsChartData()).toEqual([20, 20, 2, 2]);
  });

  it('shows each contract issue next to the field its dotted path names', async () => {
    client.handlers['runs.validate'] = () => ({
      ok: false,
      issues: [
        { field: 'batching.batchSize', message: '500 is larger than the number of examples (44)' },
        { field: 'imbalance.counts.3', message: 'class 3 gets 1 example(s); every class needs >= 2' },
        { field: 'optimizer.lr', message: 'lr must be > 0' },
        { field: '', message: 'something about the whole config' },
      ],
      counts: [20, 20, 2, 1],
      analysis: null,
    });
    renderWith(NewRunPage, client, { validateDelay: 0 });

    const batch = fieldOf('batching.batchSize');
    expect(await within(batch).findByText('500 is larger than the number of examples (44)')).toBeTruthy();
    expect(within(batch).getByRole('spinbutton').getAttribute('aria-invalid')).toBe('true');

    const counts = fieldOf('imbalance.counts');
    expect(within(counts).getByText(/class 3 gets 1 example/)).toBeTruthy();
    expect(within(fieldOf('optimizer.lr')).getByText('lr must be > 0')).toBeTruthy();
    // not next to another field
    expect(within(fieldOf('classes')).queryByRole('alert')).toBeNull();
    expect(within(fieldOf('batching.strategy')).queryByText(/larger than/)).toBeNull();
    // the config-wide issue sits above the form
    expect(screen.getByText('something about the whole config')).toBeTruthy();
    // and the start button waits for a valid config
    expect((screen.getByRole('button', { name: 'Start run' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('draws the class counts the imbalance profile gives, as the fields change', async () => {
    client.handlers['runs.validate'] = () => ({ ok: true, issues: [], counts: null, analysis: okAnalysis });
    renderWith(NewRunPage, client, { validateDelay: 0 });
    expect(countsChartData()).toEqual([20, 20, 2, 2]);

    const profile = within(fieldOf('imbalance')).getByRole('combobox');
    await fireEvent.change(profile, { target: { value: 'step' } });
    await fireEvent.input(within(fieldOf('imbalance.nMax')).getByRole('spinbutton'), { target: { value: '100' } });
    await fireEvent.input(within(fieldOf('imbalance.ratio')).getByRole('spinbutton'), { target: { value: '10' } });
    await waitFor(() => expect(countsChartData()).toEqual([100, 100, 10, 10]));

    await fireEvent.change(profile, { target: { value: 'long-tail' } });
    await fireEvent.input(within(fieldOf('classes')).getByRole('spinbutton'), { target: { value: '5' } });
    await waitFor(() => expect(countsChartData()).toEqual([100, 56, 31, 17, 10]));
    expect(screen.getByTestId('counts-data').textContent).toContain('class 4: 10');

    await fireEvent.change(profile, { target: { value: 'custom' } });
    await fireEvent.input(within(fieldOf('imbalance.counts')).getByRole('textbox'), { target: { value: '7, 3, 2' } });
    await waitFor(() => expect(countsChartData()).toEqual([7, 3, 2]));
    // the config sent for validation follows too
    await waitFor(() => expect(client.callsOf('runs.validate').at(-1)!.config).toMatchObject({ imbalance: { profile: 'custom', counts: [7, 3, 2] } }));
  });

  it('names split classes (and into how many parts) and the pairs that never interact, with the reason', async () => {
    client.handlers['runs.validate'] = () => ({ ok: true, issues: [], counts: [20, 20, 2, 2], analysis: badAnalysis });
    renderWith(NewRunPage, client, { validateDelay: 0 });
    expect(await screen.findByText('OF is not guaranteed')).toBeTruthy();
    expect(screen.getByText('class 0 is split into 5 parts: its 20 examples are not connected through shared batches')).toBeTruthy();
    expect(screen.getByText('class 1 is split into 5 parts: its 20 examples are not connected through shared batches')).toBeTruthy();
    expect(screen.getByText('classes 0 and 2 never interact: they never share a batch')).toBeTruthy();
    expect(
      screen.getByText('classes 2 and 3 never interact: they share 1 batch only as singletons (one example of each, no positive, no loss term)'),
    ).toBeTruthy();
  });

  it('starts a run, and places the issues of a refused create next to the fields', async () => {
    const { ApiError } = await import('../../src-renderer/lib/client');
    client.handlers['runs.create'] = () => {
      throw new ApiError({ code: 'INVALID_CONFIG', message: 'invalid config', issues: [{ field: 'temperature', message: 'temperature must be <= 100' }] });
    };
    renderWith(NewRunPage, client, { validateDelay: 0 });
    await waitFor(() => expect(client.callsOf('runs.validate').length).toBeGreaterThan(0));
    const start = screen.getByRole('button', { name: 'Start run' });
    await waitFor(() => expect((start as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(start);
    expect(await within(fieldOf('temperature')).findByText('temperature must be <= 100')).toBeTruthy();
    expect(client.callsOf('runs.create')[0]!.config).toMatchObject({ kind: 'ufm', epochs: 1500, seed: 0 });

    client.handlers['runs.create'] = () => ({ id: 42 });
    await fireEvent.click(start);
    await waitFor(() => expect(location.hash).toBe('#/run/42'));
  });

  it('several seeds become a sweep with those seeds', async () => {
    client.handlers['sweeps.create'] = () => ({ sweepId: 3, runIds: [5, 6, 7] });
    renderWith(NewRunPage, client, { validateDelay: 0 });
    await fireEvent.input(within(fieldOf('seed')).getByRole('textbox'), { target: { value: '0-2' } });
    const start = await screen.findByRole('button', { name: 'Start 3 runs' });
    await waitFor(() => expect((start as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(start);
    await waitFor(() => expect(client.callsOf('sweeps.create')).toHaveLength(1));
    const spec = client.callsOf('sweeps.create')[0]!.spec as { seeds: number[]; grid: object; base: Record<string, unknown> };
    expect(spec.seeds).toEqual([0, 1, 2]);
    expect(spec.grid).toEqual({});
    expect(spec.base.seed).toBeUndefined();
    expect(spec.base.kind).toBe('ufm');
  });

  it('builds a grid sweep over relu x seeds', async () => {
    client.handlers['sweeps.create'] = () => ({ sweepId: 1, runIds: [1, 2, 3, 4] });
    renderWith(NewRunPage, client, { validateDelay: 0 });
    await fireEvent.input(within(fieldOf('seed')).getByRole('textbox'), { target: { value: '0, 1' } });
    expect((await screen.findByTestId('sweep-size')).textContent).toMatch(/2 cells × 2 seeds = 4 runs/);
    await waitFor(() => expect((screen.getByRole('button', { name: 'Create sweep' }) as HTMLButtonElement).disabled).toBe(false));
    await fireEvent.click(screen.getByRole('button', { name: 'Create sweep' }));
    await waitFor(() => expect(client.callsOf('sweeps.create')).toHaveLength(1));
    expect(client.callsOf('sweeps.create')[0]!.spec).toMatchObject({ grid: { relu: [true, false] }, seeds: [0, 1] });
  });

  it('has forms for deep networks and imported embeddings', async () => {
    renderWith(NewRunPage, client, { validateDelay: 0 });
    await fireEvent.click(screen.getByRole('radio', { name: /Deep network/ }));
    await waitFor(() => expect(client.callsOf('runs.validate').at(-1)!.config).toMatchObject({ kind: 'deep', dataset: { name: 'synthetic' }, model: { name: 'mlp', hidden: [128, 64] } }));
    expect(fieldOf('model.name')).toBeTruthy();
    await fireEvent.click(screen.getByRole('radio', { name: /Embeddings/ }));
    await fireEvent.input(within(fieldOf('file')).getByRole('textbox'), { target: { value: '/tmp/f.npy' } });
    await waitFor(() => expect(client.callsOf('runs.validate').at(-1)!.config).toMatchObject({ kind: 'embeddings', file: '/tmp/f.npy' }));
    // back to UFM: its values were kept
    await fireEvent.click(screen.getByRole('radio', { name: /UFM/ }));
    expect((within(fieldOf('imbalance.counts')).getByRole('textbox') as HTMLInputElement).value).toBe('20, 20, 2, 2');
  });
});

/** New run: the draft survives navigation / reload, a config JSON can be pasted or loaded, large sweeps ask first. */
import { fireEvent, screen, waitFor } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import NewRunPage from '../../src-renderer/pages/NewRunPage.svelte';
import { FakeChart } from './chart-mock';
import { fakeClient, type FakeClient } from './fake-client';
import { okAnalysis } from './fixtures';
import { renderWith } from './render-with';

vi.mock('../../src-renderer/components/charts/chart-setup', async () => (await import('./chart-mock')).chartSetupMock);

const field = (path: string) => document.querySelector<HTMLInputElement>(`[data-field="${path}"] input`)!;

describe('New run: drafts, pasted configs, large sweeps', () => {
  let client: FakeClient;
  beforeEach(() => {
    localStorage.clear();
    FakeChart.instances = [];
    client = fakeClient({
      'runs.validate': () => ({ ok: true, issues: [], counts: [20, 20, 2, 2], analysis: okAnalysis }),
      'sweeps.create': () => ({ sweepId: 1, runIds: [1] }),
    });
  });

  it('keeps the draft across an unmount (navigation or reload) until Reset form', async () => {
    const first = renderWith(NewRunPage, client, { validateDelay: 0 });
    await fireEvent.input(field('epochs'), { target: { value: '777' } });
    await fireEvent.input(field('name'), { target: { value: 'my draft' } });
    await waitFor(() => expect(localStorage.getItem('scl-lab.new-run-draft')).toContain('my draft'));
    first.unmount();
    const again = renderWith(NewRunPage, client, { validateDelay: 0 });
    await waitFor(() => expect(field('epochs').value).toBe('777'));
    expect(field('name').value).toBe('my draft');
    await fireEvent.click(screen.getByRole('button', { name: 'Reset form' }));
    await waitFor(() => expect(field('epochs').value).toBe('1500'));
    again.unmount();
    renderWith(NewRunPage, client, { validateDelay: 0 });
    expect(field('name').value).toBe('');
  });

  it('fills the form from a pasted config JSON, and says what is wrong with a bad one', async () => {
    renderWith(NewRunPage, client, { validateDelay: 0 });
    await fireEvent.click(screen.getByRole('button', { name: 'Paste / load config JSON' }));
    const area = screen.getByLabelText('Config JSON');
    await fireEvent.input(area, { target: { value: '{ "kind": "ufm", "classes": 4' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Use this config' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/the pasted text is not valid JSON/);
    await fireEvent.input(area, { target: { value: '{ "kind": "svm" }' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Use this config' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/kind must be "ufm", "deep" or "embeddings", got "svm"/);
    const cfg = {
      kind: 'ufm', name: 'pasted', classes: 4, dim: 8, imbalance: { profile: 'custom', counts: [20, 20, 2, 2] }, relu: false, temperature: 0.5,
      batching: { strategy: 'fixed', batchSize: 4, binding: true }, optimizer: { name: 'gd', lr: 0.05 }, epochs: 321, seed: 0,
    };
    await fireEvent.input(area, { target: { value: JSON.stringify(cfg) } });
    await fireEvent.click(screen.getByRole('button', { name: 'Use this config' }));
    await waitFor(() => expect(field('epochs').value).toBe('321'));
    expect(field('name').value).toBe('pasted');
    await waitFor(() => expect(client.callsOf('runs.validate').at(-1)!.config).toMatchObject({ relu: false, temperature: 0.5, epochs: 321 }));
  });

  it('switching the dataset clears the old dataset folder', async () => {
    renderWith(NewRunPage, client, { validateDelay: 0 });
    await fireEvent.click(document.querySelector('input[type="radio"][value="deep"]')!);
    const select = await waitFor(() => document.querySelector<HTMLSelectElement>('[data-field="dataset.name"] select')!);
    await fireEvent.change(select, { target: { value: 'mnist' } });
    const folder = await waitFor(() => field('dataset.folder'));
    await fireEvent.input(folder, { target: { value: '/data/mnist' } });
    await waitFor(() => expect(client.callsOf('runs.validate').at(-1)!.config).toMatchObject({ dataset: { name: 'mnist', folder: '/data/mnist' } }));
    await fireEvent.change(select, { target: { value: 'cifar10' } });
    await waitFor(() => expect(field('dataset.folder').value).toBe(''));
    await waitFor(() => expect(client.callsOf('runs.validate').at(-1)!.config).toMatchObject({ dataset: { name: 'cifar10' } }));
    expect((client.callsOf('runs.validate').at(-1)!.config as { dataset: { folder?: string } }).dataset.folder).toBeUndefined();
  });

  it('shows where the dataset was found, or why not, as the folder is typed (without blocking Start)', async () => {
    client.handlers['runs.validate'] = ({ config }) => {
      const folder = (config as { dataset?: { folder?: string } }).dataset?.folder;
      return {
        ok: true, issues: [], counts: [8, 4, 4], analysis: okAnalysis,
        dataset: folder === '/data/mnist' ? { found: true, message: 'mnist found in /data/mnist (the folder given)', folder } : { found: false, message: `mnist: ${folder} does not exist`, folder: folder ?? null },
      };
    };
    renderWith(NewRunPage, client, { validateDelay: 0 });
    await fireEvent.click(document.querySelector('input[type="radio"][value="deep"]')!);
    const select = await waitFor(() => document.querySelector<HTMLSelectElement>('[data-field="dataset.name"] select')!);
    await fireEvent.change(select, { target: { value: 'mnist' } });
    await fireEvent.input(await waitFor(() => field('dataset.folder')), { target: { value: '/nope' } });
    await waitFor(() => expect(screen.getByTestId('dataset-check').textContent).toBe('⚠ mnist: /nope does not exist'));
    expect((screen.getByRole('button', { name: 'Start run' }) as HTMLButtonElement).disabled).toBe(false);
    await fireEvent.input(field('dataset.folder'), { target: { value: '/data/mnist' } });
    await waitFor(() => expect(screen.getByTestId('dataset-check').textContent).toBe('✓ mnist found in /data/mnist (the folder given)'));
  });

  it('a sweep over 100 runs asks first; a button that is off says why', async () => {
    renderWith(NewRunPage, client, { validateDelay: 0 });
    await fireEvent.input(field('seed'), { target: { value: '0-59' } });
    await waitFor(() => expect(screen.getByTestId('sweep-size').textContent).toContain('= 120 runs'));
    await fireEvent.click(screen.getByRole('button', { name: 'Create sweep' }));
    expect(screen.getByRole('alertdialog', { name: 'Confirm a large sweep' }).textContent).toContain('Queue 120 runs?');
    expect(client.callsOf('sweeps.create')).toEqual([]);
    await fireEvent.click(screen.getByRole('button', { name: 'Queue 120 runs' }));
    await waitFor(() => expect(client.callsOf('sweeps.create')).toHaveLength(1));
    await fireEvent.input(field('seed'), { target: { value: '0-599' } });
    await waitFor(() => expect(screen.getByTestId('sweep-why').textContent).toBe('1200 runs: at most 1000 per sweep'));
    expect((screen.getByRole('button', { name: 'Create sweep' }) as HTMLButtonElement).disabled).toBe(true);
  });
});

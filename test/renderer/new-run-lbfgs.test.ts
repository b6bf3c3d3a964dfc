import { fireEvent, waitFor } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import NewRunPage from '../../src-renderer/pages/NewRunPage.svelte';
import { FakeChart } from './chart-mock';
import { fakeClient, type FakeClient } from './fake-client';
import { okAnalysis } from './fixtures';
import { renderWith } from './render-with';

vi.mock('../../src-renderer/components/charts/chart-setup', async () => (await import('./chart-mock')).chartSetupMock);

function control(path: string): HTMLInputElement | HTMLSelectElement {
  const el = document.querySelector<HTMLElement>(`[data-field="${path}"]`)?.querySelector<HTMLInputElement | HTMLSelectElement>('input, select');
  if (!el) throw new Error(`no field ${path}`);
  return el;
}

describe('New run form: L-BFGS and the stop rule', () => {
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

  it('choosing lbfgs shows its history instead of the learning rate, and the stop fields go into the config', async () => {
    renderWith(NewRunPage, client, { validateDelay: 0 });
    await waitFor(() => expect(client.callsOf('runs.validate').length).toBeGreaterThan(0));
    await fireEvent.change(control('optimizer.name'), { target: { value: 'lbfgs' } });
    await waitFor(() => expect(document.querySelector('[data-field="optimizer.history"]')).not.toBeNull());
    expect(document.querySelector('[data-field="optimizer.lr"]')).toBeNull();
    await fireEvent.input(control('optimizer.history'), { target: { value: '30' } });
    await fireEvent.input(control('stop.deltaOFBelow'), { target: { value: '0.05' } });
    await fireEvent.input(control('stop.maxSeconds'), { target: { value: '20' } });
    await waitFor(() => {
      const cfg = client.callsOf('runs.validate').at(-1)!.config as Record<string, unknown>;
      expect(cfg.optimizer).toEqual({ name: 'lbfgs', history: 30, parametrization: 'projected' });
      expect(cfg.stop).toEqual({ deltaOFBelow: 0.05, maxSeconds: 20 });
    });
    // the UFM+ variables: the squared form instead of the default projected L-BFGS on u >= 0
    await fireEvent.change(control('optimizer.parametrization'), { target: { value: 'squared' } });
    await waitFor(() => {
      const cfg = client.callsOf('runs.validate').at(-1)!.config as Record<string, unknown>;
      expect(cfg.optimizer).toEqual({ name: 'lbfgs', history: 30, parametrization: 'squared' });
    });
  });
});

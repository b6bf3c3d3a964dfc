import { screen } from '@testing-library/svelte';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import RunPage from '../../src-renderer/pages/RunPage.svelte';
import type { MethodOutput } from '../../src-renderer/lib/client';
import { FakeChart } from './chart-mock';
import { fakeClient, type FakeClient } from './fake-client';
import { makeRun } from './fixtures';
import { renderWith } from './render-with';

vi.mock('../../src-renderer/components/charts/chart-setup', async () => (await import('./chart-mock')).chartSetupMock);

const config = {
  kind: 'ufm', classes: 4, dim: 8, imbalance: { profile: 'custom', counts: [20, 20, 2, 2] }, relu: true, temperature: 1,
  lossForm: 'paper', batching: { strategy: 'full', binding: false, stepPer: 'epoch', dropLast: true },
  optimizer: { name: 'lbfgs', history: 20, maxLineSearchEvals: 25 }, stop: { deltaOFBelow: 0.001 }, epochs: 2000, seed: 0, evalEvery: 5,
};
const final = {
  epoch: 85, loss: 80.1, optimalLoss: 80.1, gap: 1e-6, deltaOF: 8e-4, deltaETF: 1e-4, nc1: 0.001, cosMean: 0, cosMin: 0, cosMax: 0.001,
  normRatio: 1, nccAccTrain: 1, cosGroups: { majMaj: 0, minMin: 0, majMin: 0 }, classNorms: [1, 1, 1, 1], classCounts: [20, 20, 2, 2], evals: 97,
};

describe('Run page: which solver ran and why the run stopped', () => {
  let client: FakeClient;
  beforeEach(() => {
    FakeChart.instances = [];
    client = fakeClient({
      'runs.series': ({ runIds, key }) => ({ series: runIds.map((runId) => ({ runId, key, points: [], total: 0, decimated: false })) }),
      'runs.snapshotSteps': () => ({ steps: [] }),
      'runs.snapshot': () => null,
    });
  });

  it('says "lbfgs: reached Delta_OF < 0.001 at epoch 85, 97 loss-and-gradient evaluations"', async () => {
    const result = { status: 'finished', backend: 'wasm', config, final, history: [], seconds: 3, stopReason: 'reached' };
    client.handlers['runs.get'] = () =>
      ({ ...makeRun(3, { config }), appVersion: '0.1.0', env: null, result }) as unknown as MethodOutput<'runs.get'>;
    renderWith(RunPage, client, { id: 3 });
    const line = await screen.findByTestId('run-stop');
    expect(line.textContent).toBe('Stopped: lbfgs: reached Delta_OF < 0.001 at epoch 85, 97 loss-and-gradient evaluations');
  });
});

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

  it('a zero gradient above L* is called a stationary point that is not the optimum, not "converged"', async () => {
    const stuck = { ...final, epoch: 16, loss: 144.5, optimalLoss: 144.2, gap: 0.296, deltaOF: 0.606, evals: 20 };
    const result = { status: 'finished', backend: 'wasm', config, final: stuck, history: [], seconds: 1, stopReason: 'converged' };
    client.handlers['runs.get'] = () =>
      ({ ...makeRun(4, { config }), appVersion: '0.1.0', env: null, result }) as unknown as MethodOutput<'runs.get'>;
    renderWith(RunPage, client, { id: 4 });
    const line = await screen.findByTestId('run-stop');
    expect(line.textContent).toBe(
      'Stopped: lbfgs: L-BFGS stopped at epoch 16 at a stationary point that is not the optimum: zero gradient, but the loss is 0.296 above L*, Delta_OF 0.606, 20 loss-and-gradient evaluations',
    );
  });

  it('a zero gradient at L* (to float64 precision) is "converged to L*"', async () => {
    const atL = { ...final, epoch: 21, gap: 2e-11, deltaOF: 0, evals: 25 };
    const result = { status: 'finished', backend: 'wasm', config, final: atL, history: [], seconds: 1, stopReason: 'converged' };
    client.handlers['runs.get'] = () =>
      ({ ...makeRun(5, { config }), appVersion: '0.1.0', env: null, result }) as unknown as MethodOutput<'runs.get'>;
    renderWith(RunPage, client, { id: 5 });
    const line = await screen.findByTestId('run-stop');
    expect(line.textContent).toBe('Stopped: lbfgs: L-BFGS converged to L* at epoch 21 (zero gradient to float precision), 25 loss-and-gradient evaluations');
  });

  it('a projected run names its support repairs, and one that no repair could move says so', async () => {
    const repaired = { ...final, epoch: 30, gap: 0, deltaOF: 1e-8, evals: 40, repairs: 1 };
    const result = { status: 'finished', backend: 'wasm', config, final: repaired, history: [], seconds: 1, stopReason: 'converged' };
    client.handlers['runs.get'] = () =>
      ({ ...makeRun(6, { config }), appVersion: '0.1.0', env: null, result }) as unknown as MethodOutput<'runs.get'>;
    const { unmount } = renderWith(RunPage, client, { id: 6 });
    const line = await screen.findByTestId('run-stop');
    expect(line.textContent).toBe(
      'Stopped: lbfgs: L-BFGS converged to L* at epoch 30 (zero gradient to float precision), after 1 support repair (left a spurious stationary point where class means shared coordinates), 40 loss-and-gradient evaluations',
    );
    unmount();
    const stuck = { ...final, epoch: 16, loss: 144.5, optimalLoss: 144.2, gap: 0.296, deltaOF: 0.606, evals: 20, repairs: 0 };
    client.handlers['runs.get'] = () =>
      ({ ...makeRun(7, { config }), appVersion: '0.1.0', env: null, result: { ...result, final: stuck } }) as unknown as MethodOutput<'runs.get'>;
    renderWith(RunPage, client, { id: 7 });
    expect((await screen.findByTestId('run-stop')).textContent).toMatch(/Delta_OF 0\.606; support repair found no way below it, 20 loss-and-gradient evaluations$/);
  });
});

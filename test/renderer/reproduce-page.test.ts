import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import ReproducePage from '../../src-renderer/pages/ReproducePage.svelte';
import type { MethodOutput } from '../../src-renderer/lib/client';
import { parseOverride, presetStatus, seriesKey } from '../../src-renderer/lib/reproduce';
import { FakeChart } from './chart-mock';
import { fakeClient, type FakeClient } from './fake-client';
import { makeRun } from './fixtures';
import { renderWith } from './render-with';

vi.mock('../../src-renderer/components/charts/chart-setup', async () => (await import('./chart-mock')).chartSetupMock);

type Report = MethodOutput<'reproduce.report'>;

const PRESETS: MethodOutput<'reproduce.presets'>['presets'] = [
  {
    name: 'ufm-fixed-binding',
    version: 1,
    title: 'UFM+ with a fixed partition',
    description: 'k = 5, batches of 4',
    claim: 'binding makes the OF the unique minimiser',
    paperSized: false,
    runs: 2,
    quickRuns: 2,
    unavailable: null,
  },
  {
    name: 'deep-cifar10-resnet18',
    version: 2,
    title: 'ResNet-18 on CIFAR-10',
    description: 'ResNet-18, 200 epochs',
    claim: 'ReLU gives the OF',
    paperSized: true,
    runs: 0,
    quickRuns: 0,
    unavailable: 'missing data: no cifar10 under ~/.scl-lab/datasets',
  },
  {
    name: 'deep-fmnist-mlp',
    version: 1,
    title: 'MLP on Fashion-MNIST',
    description: 'an MLP',
    claim: 'ReLU gives the OF for deep nets',
    paperSized: true,
    runs: 8,
    quickRuns: 0,
    unavailable: null,
  },
];

function report(done: boolean): Report {
  const outcome = (text: string) => ({ text, status: done ? ('PASS' as const) : ('NOT RUN' as const), detail: done ? 'deltaOF 0.0001 (target < 0.01)' : 'no finished run matches' });
  return {
    html: `<!doctype html><html><body><h1>Reproduction</h1><p>${done ? '2 of 2 checks pass' : 'in progress'}</p></body></html>`,
    done,
    pass: done ? 2 : 0,
    fail: 0,
    notRun: 1,
    quick: true,
    set: [{ key: 'batching.batchSize', value: 8 }],
    presets: [
      {
        name: 'ufm-fixed-binding',
        version: 1,
        title: 'UFM+ with a fixed partition',
        claim: 'binding makes the OF the unique minimiser',
        skipped: null,
        outcomes: [outcome('without binding the OF is not reached'), outcome('with binding the OF is reached')],
        runs: [
          { id: 11, label: 'binding=false' },
          { id: 12, label: 'binding=true' },
        ],
        chart: { metric: 'deltaOF', label: 'Delta_OF' },
      },
      {
        name: 'deep-fmnist-mlp',
        version: 1,
        title: 'MLP on Fashion-MNIST',
        claim: 'ReLU gives the OF for deep nets',
        skipped: 'paper-sized: not part of the quick CPU suite',
        outcomes: [],
        runs: [],
        chart: { metric: 'deltaOF', label: 'Delta_OF' },
      },
    ],
  };
}

describe('Reproduce page', () => {
  let client: FakeClient;
  let finished: boolean;
  beforeEach(() => {
    FakeChart.instances = [];
    finished = false;
    client = fakeClient({
      'reproduce.presets': () => ({ presets: PRESETS }),
      'sweeps.list': () => ({
        sweeps: [
          { id: 3, name: 'a plain sweep', createdAt: 1_700_000_000_000 },
          { id: 4, name: 'reproduce --quick 2026-01-01T00:00:00.000Z', createdAt: 1_700_000_100_000 },
          { id: 5, name: 'reproduce --quick 2026-01-02T00:00:00.000Z', createdAt: 1_700_000_200_000 },
        ],
      }),
      'reproduce.start': () => ({ sweepId: 5, runIds: [11, 12], skipped: [] }),
      'reproduce.report': () => report(finished),
      'runs.list': () => {
        const runs = [11, 12].map((id) =>
          makeRun(id, { status: finished ? 'finished' : id === 11 ? 'running' : 'queued', sweepId: 5, lastStep: finished ? 2000 : 0, config: { ...makeRun(id).config, epochs: 2000 } }),
        );
        return { runs, total: runs.length };
      },
      'runs.series': ({ runIds, key }) => ({
        series: runIds.map((runId) => ({ runId, key, points: [0, 50, 100].map((step) => ({ step, value: 1 / (1 + step), min: null, max: null })), total: 3, decimated: false })),
      }),
    });
  });
  afterEach(() => {
    location.hash = '';
  });

  it('lists the presets with their runs, badges and why one cannot run; only past reproductions are listed', async () => {
    renderWith(ReproducePage, client, {});
    const fixed = (await screen.findByText('UFM+ with a fixed partition')).closest('li')!;
    expect(within(fixed).getByText('ufm-fixed-binding v1')).toBeTruthy();
    expect(within(fixed).getByText('2 runs · quick 2')).toBeTruthy();
    expect(within(fixed).getByText('binding makes the OF the unique minimiser')).toBeTruthy();
    const cifar = screen.getByText('ResNet-18 on CIFAR-10').closest('li')!;
    expect(within(cifar).getByText('paper-sized')).toBeTruthy();
    expect(within(cifar).getByRole('note').textContent).toContain('missing data: no cifar10');
    expect((within(cifar).getByRole('checkbox') as HTMLInputElement).disabled).toBe(true);
    // paper-sized but available: choosable, yet not in quick mode
    const fmnist = screen.getByText('MLP on Fashion-MNIST').closest('li')!;
    expect(within(fmnist).getByText(/not part of the quick suite/)).toBeTruthy();
    await fireEvent.click(within(fmnist).getByRole('checkbox'));
    expect((screen.getByRole('button', { name: /^Start/ }) as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.click(screen.getByRole('checkbox', { name: /Quick mode/ }));
    expect(screen.getByRole('button', { name: 'Start 1 preset' })).toBeTruthy();
    expect(screen.getByText('8 runs')).toBeTruthy();

    const past = screen.getByRole('region', { name: 'Past reproductions' });
    await waitFor(() => expect(within(past).getAllByRole('link').map((a) => a.textContent)).toEqual(['#5', '#4']));
    expect(within(past).getByRole('link', { name: '#4' }).getAttribute('href')).toBe('#/reproduce?sweep=4');
  });

  it('starts the chosen presets with quick mode and one override, then opens the sweep', async () => {
    renderWith(ReproducePage, client, {});
    await fireEvent.click(await screen.findByRole('checkbox', { name: 'UFM+ with a fixed partition' }));
    const input = screen.getByLabelText('Override key=value');
    await fireEvent.input(input, { target: { value: 'nonsense' } });
    expect(screen.getByText(/write the override as key=value/)).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Start 1 preset' }) as HTMLButtonElement).disabled).toBe(true);
    await fireEvent.input(input, { target: { value: 'batching.batchSize=8' } });
    await fireEvent.click(screen.getByRole('button', { name: 'Start 1 preset' }));
    await waitFor(() => expect(client.callsOf('reproduce.start')).toEqual([{ presets: ['ufm-fixed-binding'], quick: true, set: [{ key: 'batching.batchSize', value: 8 }] }]));
    await waitFor(() => expect(location.hash).toBe('#/reproduce?sweep=5'));
  });

  it('shows a refused start with the server message', async () => {
    client.handlers['reproduce.start'] = () => {
      throw new Error('batching.batchSize: 500 is larger than the number of examples (44)');
    };
    renderWith(ReproducePage, client, {});
    await fireEvent.click(await screen.findByRole('checkbox', { name: 'UFM+ with a fixed partition' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Start 1 preset' }));
    expect((await screen.findByRole('alert')).textContent).toContain('larger than the number of examples');
  });

  it('watches a sweep live: run status and progress from events, checks refreshed when runs end, chart over runs.series, report in a sandboxed frame', async () => {
    renderWith(ReproducePage, client, { sweep: 5 });
    const preset = await screen.findByRole('region', { name: 'Preset ufm-fixed-binding' });
    expect(screen.getByTestId('reproduction-state').textContent).toBe('running');
    expect(within(preset).getByTestId('preset-verdict').textContent).toBe('running…');
    expect(within(preset).getAllByText('pending')).toHaveLength(2);
    expect(screen.getByText('batching.batchSize=8')).toBeTruthy();
    // the skipped preset says why
    const skipped = screen.getByRole('region', { name: 'Preset deep-fmnist-mlp' });
    expect(within(skipped).getByRole('note').textContent).toContain('paper-sized');

    // the chart: Delta_OF of both runs, through the same MetricPanel as Compare
    await waitFor(() => expect(client.callsOf('runs.series').at(-1)).toMatchObject({ runIds: [11, 12], key: 'geom/deltaOF' }));
    await waitFor(() => expect(FakeChart.live().some((c) => c.data.datasets.length === 2 && c.data.datasets.map((d) => d.label).join() === 'binding=false,binding=true')).toBe(true));

    // live progress of run 11
    client.emit('run.progress', { runId: 11, epoch: 500, epochs: 2000, loss: 1.5, eta: 3 });
    const bar = await screen.findByRole('progressbar', { name: 'Progress of run 11' });
    await waitFor(() => expect(bar.getAttribute('aria-valuenow')).toBe('500'));
    expect(within(preset).getByText('500 / 2,000')).toBeTruthy();

    // both end: the checks are read again and pass
    const reports = client.callsOf('reproduce.report').length;
    finished = true;
    client.emit('run.status', { runId: 11, status: 'finished', backend: 'wasm' });
    client.emit('run.status', { runId: 12, status: 'finished', backend: 'wasm' });
    await waitFor(() => expect(screen.getByTestId('reproduction-state').textContent).toBe('done'), { timeout: 3000 });
    expect(client.callsOf('reproduce.report').length).toBeGreaterThan(reports);
    expect(within(preset).getByTestId('preset-verdict').textContent).toBe('PASS');
    expect(within(preset).getAllByText('PASS')).toHaveLength(3);
    expect(within(preset).getAllByText('deltaOF 0.0001 (target < 0.01)')).toHaveLength(2);
    expect(screen.getByTestId('pass-count').textContent).toBe('2 PASS');
    expect(within(preset).getByRole('link', { name: 'Compare these runs' }).getAttribute('href')).toBe('#/compare?ids=11,12');

    await fireEvent.click(screen.getByRole('button', { name: 'Open report' }));
    const frame = screen.getByTitle('Reproduction report') as HTMLIFrameElement;
    expect(frame.getAttribute('sandbox')).toBe('');
    expect(frame.getAttribute('srcdoc')).toContain('2 of 2 checks pass');
    await fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.queryByTitle('Reproduction report')).toBeNull();
  });
});

describe('reproduce helpers', () => {
  it('parses one key=value override like the CLI', () => {
    expect(parseOverride('')).toEqual({ ok: true, set: [] });
    expect(parseOverride(' batching.batchSize = 8 ')).toEqual({ ok: true, set: [{ key: 'batching.batchSize', value: 8 }] });
    expect(parseOverride('relu=false')).toEqual({ ok: true, set: [{ key: 'relu', value: false }] });
    expect(parseOverride('batching.strategy=reshuffle')).toEqual({ ok: true, set: [{ key: 'batching.strategy', value: 'reshuffle' }] });
    expect(parseOverride('=3').ok).toBe(false);
    expect(parseOverride('a b=3').ok).toBe(false);
    expect(parseOverride('epochs=').ok).toBe(false);
  });

  it('maps report metrics to series keys and computes a preset verdict', () => {
    expect(seriesKey('deltaOF')).toBe('geom/deltaOF');
    expect(seriesKey('nccAccTrain')).toBe('acc/nccTrain');
    const p = report(true).presets[0]!;
    const runs = new Map([11, 12].map((id) => [id, { id, status: 'finished', epoch: 2000, epochs: 2000, backend: null, error: null }]));
    expect(presetStatus(p, runs)).toBe('PASS');
    runs.set(12, { ...runs.get(12)!, status: 'running' });
    expect(presetStatus(p, runs)).toBe('RUNNING');
    expect(presetStatus({ ...p, outcomes: [{ ...p.outcomes[0]!, status: 'FAIL' }] }, new Map([...runs].map(([k, v]) => [k, { ...v, status: 'finished' }])))).toBe('FAIL');
    expect(presetStatus(report(true).presets[1]!, runs)).toBe('NOT RUN');
  });
});

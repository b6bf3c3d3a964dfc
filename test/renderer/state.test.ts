/** The renderer tells the truth: buttons by status, refetch after a reconnect, a refused token said plainly, the Trash. */
import { fireEvent, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import App from '../../src-renderer/App.svelte';
import { httpClient, STALE_TOKEN_MESSAGE, type ConnectionState, type MethodOutput } from '../../src-renderer/lib/client';
import RunPage from '../../src-renderer/pages/RunPage.svelte';
import TrashPage from '../../src-renderer/pages/TrashPage.svelte';
import { FakeChart } from './chart-mock';
import { fakeClient, type FakeClient } from './fake-client';
import { makeRun } from './fixtures';
import { renderWith } from './render-with';

vi.mock('../../src-renderer/components/charts/chart-setup', async () => (await import('./chart-mock')).chartSetupMock);

class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  close() {
    this.onclose?.();
  }
}

describe('the live connection', () => {
  afterEach(() => {
    vi.useRealTimers();
    FakeSocket.all = [];
  });

  it('a tab holding the token of an earlier serve process says so and stops retrying', async () => {
    vi.useFakeTimers();
    const fetch = vi.fn(async () => new Response(JSON.stringify({ code: 'UNAUTHORIZED', message: 'missing or wrong token' }), { status: 401 }));
    const c = httpClient({ base: 'http://127.0.0.1:9', token: 'old', fetch: fetch as never, WebSocket: FakeSocket as never });
    const states: ConnectionState[] = [];
    c.onConnection!((s) => states.push(s));
    FakeSocket.all[0]!.close(); // the upgrade was refused
    await vi.advanceTimersByTimeAsync(600);
    expect(states.at(-1)).toBe('unauthorized');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.all).toHaveLength(1); // no endless retries
    expect(fetch).toHaveBeenCalledWith('http://127.0.0.1:9/api/app.info', expect.objectContaining({ method: 'POST' }));
  });

  it('reconnects while the server is only away, and the page hears about it', async () => {
    vi.useFakeTimers();
    const fetch = vi.fn(async () => new Response('{}', { status: 200 }));
    const c = httpClient({ base: 'http://127.0.0.1:9', token: 'tok', fetch: fetch as never, WebSocket: FakeSocket as never });
    const states: ConnectionState[] = [];
    c.onConnection!((s) => states.push(s));
    FakeSocket.all[0]!.onopen!();
    FakeSocket.all[0]!.close();
    await vi.advanceTimersByTimeAsync(600);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.onopen!();
    expect(states).toEqual(['closed', 'connecting', 'open', 'closed', 'connecting', 'open']);
  });

  it('the shell shows how to reopen when the token is refused', async () => {
    const client = fakeClient({ 'runs.list': () => ({ runs: [], total: 0 }), 'sweeps.list': () => ({ sweeps: [] }) });
    renderWith(App, client, { client });
    client.connection('unauthorized');
    expect((await screen.findByTestId('stale-token')).textContent).toBe(STALE_TOKEN_MESSAGE);
    expect(screen.getByText('token expired')).toBeTruthy();
  });
});

type Detail = MethodOutput<'runs.get'>;
const detail = (over: Partial<Detail>): Detail => ({ ...makeRun(5), appVersion: '0.1.0', env: null, result: null, ...over });

describe('Run page: buttons where the truth allows them', () => {
  let client: FakeClient;
  let run: Detail;
  beforeEach(() => {
    FakeChart.instances = [];
    client = fakeClient({
      'runs.get': () => run,
      'runs.series': ({ runIds, key }) => ({ series: runIds.map((runId) => ({ runId, key, points: [], total: 0, decimated: false })) }),
      'runs.snapshotSteps': () => ({ steps: [] }),
      'runs.snapshot': () => null,
      'runs.cancel': () => ({ ok: true }),
      'runs.resume': () => ({ ok: true }),
    });
  });

  it('a run of another live process can be cancelled from here', async () => {
    run = detail({ status: 'running', ownerPid: 4242 });
    renderWith(RunPage, client, { id: 5 });
    await fireEvent.click(await screen.findByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(client.callsOf('runs.cancel')).toEqual([{ id: 5 }]));
    expect(screen.queryByRole('button', { name: 'Resume' })).toBeNull();
  });

  it('an interrupted run offers Resume and no Cancel, with the reason', async () => {
    run = detail({ status: 'interrupted', statusDetail: 'interrupted: owner process 4242 is no longer running' });
    renderWith(RunPage, client, { id: 5 });
    await fireEvent.click(await screen.findByRole('button', { name: 'Resume' }));
    await waitFor(() => expect(client.callsOf('runs.resume')).toEqual([{ id: 5 }]));
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    expect(screen.getByRole('alert').textContent).toContain('owner process 4242 is no longer running');
  });

  it('an orphaned queued run offers Requeue; a pending cancel disables Cancel', async () => {
    run = detail({ status: 'queued', orphaned: true });
    const r = renderWith(RunPage, client, { id: 5 });
    expect(await screen.findByRole('button', { name: 'Requeue' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Cancel' })).toBeNull();
    r.unmount();
    run = detail({ status: 'running', cancelRequested: true });
    renderWith(RunPage, client, { id: 5 });
    expect(((await screen.findByRole('button', { name: 'Cancelling…' })) as HTMLButtonElement).disabled).toBe(true);
  });

  it('after a reconnect, and when another process changed it, the run is read again', async () => {
    run = detail({ status: 'running' });
    renderWith(RunPage, client, { id: 5 });
    expect((await screen.findByTestId('run-status')).textContent).toBe('running');
    run = detail({ status: 'interrupted' });
    client.connection('closed');
    client.connection('open');
    await waitFor(() => expect(screen.getByTestId('run-status').textContent).toBe('interrupted'), { timeout: 3000 });
    run = detail({ status: 'interrupted', tags: ['from-cli'] });
    client.emit('runs.changed', { runIds: [5] });
    expect(await screen.findByText('from-cli', {}, { timeout: 3000 })).toBeTruthy();
  });
});

describe('Trash page', () => {
  it('lists deleted runs, restores one, and empties the trash saying how much it freed', async () => {
    let trash = [makeRun(7, { deletedAt: 1_700_000_100_000 }), makeRun(8, { deletedAt: 1_700_000_200_000 })];
    const client = fakeClient({
      'trash.list': () => ({ runs: trash, total: trash.length }),
      'trash.restore': ({ ids }) => {
        trash = trash.filter((r) => !ids.includes(r.id));
        return { restored: ids.length };
      },
      'trash.empty': () => {
        const n = trash.length;
        trash = [];
        return { purged: n, bytesBefore: 5 * 1024 * 1024, bytesAfter: 1024 * 1024, bytesFreed: 4 * 1024 * 1024 };
      },
    });
    renderWith(TrashPage, client, {});
    const rows = await screen.findAllByTestId('trash-row');
    expect(rows).toHaveLength(2);
    await fireEvent.click(within(rows[0]!).getByRole('button', { name: 'Restore' }));
    await waitFor(() => expect(screen.getAllByTestId('trash-row')).toHaveLength(1));
    expect(client.callsOf('trash.restore')).toEqual([{ ids: [7] }]);
    await fireEvent.click(screen.getByRole('button', { name: 'Empty trash' }));
    const dialog = document.querySelector('dialog')!;
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Empty trash' }));
    expect((await screen.findByTestId('trash-freed')).textContent).toBe('Purged 1 run; freed 4.0 MB (database 5.0 MB → 1.0 MB).');
    expect(await screen.findByText(/The trash is empty/)).toBeTruthy();
  });
});

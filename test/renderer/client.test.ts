import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, electronClient, httpClient, takeToken, TOKEN_KEY, toApiError } from '../../src-renderer/lib/client';

class FakeSocket {
  static last: FakeSocket | null = null;
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  close() {
    this.onclose?.();
  }
}

describe('API client', () => {
  afterEach(() => sessionStorage.clear());

  it('keeps the URL token in sessionStorage and strips it from the address bar', () => {
    history.replaceState(null, '', '/?token=abc123#/runs');
    expect(takeToken()).toBe('abc123');
    expect(location.search).toBe('');
    expect(location.hash).toBe('#/runs');
    expect(sessionStorage.getItem(TOKEN_KEY)).toBe('abc123');
    expect(takeToken()).toBe('abc123'); // after a reload, from sessionStorage
  });

  it('POSTs /api/<method> with the bearer token and returns the output', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ runs: [], total: 0 }), { status: 200 }));
    const c = httpClient({ base: 'http://127.0.0.1:9', token: 't0k', fetch: fetch as never, WebSocket: FakeSocket as never });
    expect(await c.call('runs.list', { limit: 5 })).toEqual({ runs: [], total: 0 });
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('http://127.0.0.1:9/api/runs.list');
    expect(init.method).toBe('POST');
    expect((init.headers as Record<string, string>).Authorization).toBe('Bearer t0k');
    expect(JSON.parse(init.body as string)).toEqual({ limit: 5 });
  });

  it('rejects with the contract error shape, issues included', async () => {
    const body = { code: 'INVALID_CONFIG', message: 'invalid config', issues: [{ field: 'batching.batchSize', message: 'too big' }] };
    const fetch = vi.fn(async () => new Response(JSON.stringify(body), { status: 400 }));
    const c = httpClient({ base: 'http://127.0.0.1:9', token: 't', fetch: fetch as never, WebSocket: FakeSocket as never });
    const err = await c.call('runs.create', { config: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'INVALID_CONFIG', status: 400, issues: body.issues });
    const unauth = vi.fn(async () => new Response('nope', { status: 401 }));
    const c2 = httpClient({ base: 'http://127.0.0.1:9', token: null, fetch: unauth as never, WebSocket: FakeSocket as never });
    expect(await c2.call('app.info', {}).catch((e: unknown) => e)).toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('dispatches WebSocket frames to the listeners of their event', () => {
    const c = httpClient({ base: 'http://127.0.0.1:9', token: 'tok', fetch: vi.fn() as never, WebSocket: FakeSocket as never });
    const got: unknown[] = [];
    const off = c.on('run.status', (p) => got.push(p));
    const ws = FakeSocket.last!;
    expect(ws.url).toBe('ws://127.0.0.1:9/events?token=tok');
    ws.onopen?.();
    ws.onmessage?.({ data: JSON.stringify({ event: 'run.status', payload: { runId: 1, status: 'running' } }) });
    ws.onmessage?.({ data: JSON.stringify({ event: 'run.progress', payload: { runId: 1 } }) });
    ws.onmessage?.({ data: 'not json' });
    expect(got).toEqual([{ runId: 1, status: 'running' }]);
    off();
    ws.onmessage?.({ data: JSON.stringify({ event: 'run.status', payload: { runId: 2, status: 'finished' } }) });
    expect(got).toHaveLength(1);
  });

  it('uses the Electron bridge with the same interface', async () => {
    const bridge = {
      call: vi.fn(async (m: string) => {
        if (m === 'runs.get') throw new Error(`Error invoking remote method 'api': Error: ${JSON.stringify({ code: 'NOT_FOUND', message: 'run 9 does not exist' })}`);
        return { version: '1' };
      }),
      on: vi.fn(() => () => {}),
    };
    const c = electronClient(bridge);
    expect(await c.call('app.info', {})).toEqual({ version: '1' });
    expect(await c.call('runs.get', { id: 9 }).catch((e: unknown) => e)).toMatchObject({ code: 'NOT_FOUND', message: 'run 9 does not exist' });
    c.on('run.eval', () => {});
    expect(bridge.on).toHaveBeenCalledWith('run.eval', expect.any(Function));
    expect(toApiError({ code: 'STATE', message: 'x' })).toMatchObject({ code: 'STATE' });
  });
});

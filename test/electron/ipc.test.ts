/**
 * The Electron transport end to end in plain Node: the real preload (with a fake contextBridge / ipcRenderer)
 * talks to the real ipc.ts handlers (on a fake ipcMain), which call the one server implementation (createApi)
 * over a real store; runner events reach the page through the event hub and webContents.send.
 */
import { EventEmitter } from 'node:events';
import type { IpcMainInvokeEvent } from 'electron';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EVENT_NAMES, METHOD_NAMES } from '../../src-main/api/contract';
import { ApiError } from '../../src-main/api/errors';
import { createEventHub, type EventHub } from '../../src-main/api/events';
import { createApi, type Api } from '../../src-main/api/server';
import { callChannel, eventChannel } from '../../src-main/electron/constants';
import { isAppSender, registerIpc } from '../../src-main/electron/ipc';
import { Runner } from '../../src-main/runner/runner';
import { RunService } from '../../src-main/services/runs';
import { openStore, type Store } from '../../src-main/store';
import { FakeWebContents } from './fake-electron';

/** The page side: what the preload sees of Electron. */
const page = vi.hoisted(() => {
  type Handler = (event: unknown, ...args: unknown[]) => unknown;
  return {
    exposed: new Map<string, unknown>(),
    exposeCalls: 0,
    /** The "main process" side the fake ipcRenderer.invoke reaches (filled by the test). */
    handlers: new Map<string, Handler>(),
    sender: { senderFrame: { url: 'app://scl-lab/index.html', parent: null as unknown } },
    invoked: [] as string[],
    emitter: null as unknown as import('node:events').EventEmitter,
  };
});

vi.mock('electron', async () => {
  const { EventEmitter: EE } = await import('node:events');
  page.emitter = new EE();
  return {
    contextBridge: {
      exposeInMainWorld: (key: string, api: unknown) => {
        page.exposeCalls++;
        page.exposed.set(key, api);
      },
    },
    ipcRenderer: {
      invoke: async (channel: string, ...args: unknown[]) => {
        page.invoked.push(channel);
        const h = page.handlers.get(channel);
        if (!h) throw new Error(`Error invoking remote method '${channel}': Error: No handler registered for '${channel}'`);
        // structured clone, as IPC does
        return structuredClone(await h(page.sender, ...args.map((a) => structuredClone(a))));
      },
      on: (channel: string, l: (...a: unknown[]) => void) => page.emitter.on(channel, l),
      removeListener: (channel: string, l: (...a: unknown[]) => void) => page.emitter.removeListener(channel, l),
    },
  };
});

const preload = await import('../../src-main/electron/preload');

interface Bridge {
  call(method: string, input?: unknown): Promise<unknown>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}

/** The webContents of the window: what main sends arrives at the page's ipcRenderer. */
class PageWebContents extends FakeWebContents {
  override send(channel: string, ...args: unknown[]): void {
    super.send(channel, ...args);
    page.emitter.emit(channel, { sender: 'the IpcRendererEvent' }, ...args.map((a) => structuredClone(a)));
  }
}

async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('preload <-> ipcMain handlers <-> createApi', () => {
  let dir: string;
  let store: Store;
  let runner: Runner;
  let api: Api;
  let hub: EventHub;
  let dispose: () => void;
  const wc = new PageWebContents();
  const logs: string[] = [];
  const fakeIpcMain = {
    handle: (channel: string, fn: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown) => {
      if (page.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      // the tests' senders are fakes carrying only the senderFrame the handlers read
      page.handlers.set(channel, (event, ...args) => fn(event as IpcMainInvokeEvent, ...args));
    },
    removeHandler: (channel: string) => void page.handlers.delete(channel),
  };
  const bridge = () => page.exposed.get('sclLab') as Bridge;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'scl-electron-ipc-'));
    store = openStore(join(dir, 'runs.sqlite'));
    runner = new Runner(store, { concurrency: 1 });
    api = createApi({ service: new RunService(store, runner), dbPath: store.file, mode: 'electron' });
    hub = createEventHub(runner, { progressIntervalMs: 0, onError: (m) => logs.push(m) });
    dispose = registerIpc({ ipcMain: fakeIpcMain, api, hub, targets: () => [wc], log: (l) => logs.push(l) });
  });

  afterAll(async () => {
    dispose();
    hub.close();
    await runner.shutdown();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the preload exposes exactly { call, on } as window.sclLab, once', () => {
    expect(page.exposeCalls).toBe(1);
    expect([...page.exposed.keys()]).toEqual(['sclLab']);
    expect(Object.keys(bridge()).sort()).toEqual(['call', 'on']);
  });

  it("the preload's name lists are the contract's", () => {
    expect([...preload.PRELOAD_METHOD_NAMES]).toEqual(METHOD_NAMES);
    expect([...preload.PRELOAD_EVENT_NAMES]).toEqual(EVENT_NAMES);
  });

  it('every contract method has a handler, on its own channel, and there are no others', () => {
    expect([...page.handlers.keys()].sort()).toEqual(METHOD_NAMES.map(callChannel).sort());
  });

  it('every contract method is reachable from the page and answered by the server (no UNKNOWN_METHOD)', async () => {
    for (const method of METHOD_NAMES) {
      page.invoked.length = 0;
      let code: string | null = null;
      try {
        await bridge().call(method, method === 'runs.export' ? { format: 'json' } : {});
      } catch (e) {
        code = (e as { code: string }).code;
      }
      expect(page.invoked, method).toEqual([callChannel(method)]);
      expect(code, method).not.toBe('UNKNOWN_METHOD');
      expect(code, method).not.toBe('INTERNAL');
    }
    expect(await bridge().call('app.info', {})).toMatchObject({ mode: 'electron', dbPath: store.file });
    expect(await bridge().call('runs.list')).toEqual({ runs: [], total: 0 }); // input optional: {} and its defaults
  });

  it('refuses invalid payloads with the contract message, naming the field (runs.get { id: "x" })', async () => {
    const direct = (await rejection(api.call('runs.get', { id: 'x' }))) as ApiError;
    const viaIpc = await rejection(bridge().call('runs.get', { id: 'x' }));
    expect(viaIpc).toEqual(direct.toJSON());
    expect(viaIpc.code).toBe('INVALID_INPUT');
    expect(viaIpc.issues).toEqual([{ field: 'id', message: expect.any(String) }]);
    expect(viaIpc.message).toMatch(/^invalid input for runs\.get: id: /);
  });

  it.each([
    ['runs.list', { limit: 0 }, 'limit'],
    ['runs.delete', { ids: [] }, 'ids'],
    ['runs.setNotes', { id: 1 }, 'notes'],
    ['runs.series', { runIds: [1], key: 'loss', buckets: 3 }, 'buckets'],
    ['app.info', { extra: true }, 'extra'],
    ['runs.cancel', 'not an object', ''],
  ])('%s %j is refused (field %s) and changes nothing', async (method, input, field) => {
    const before = store.countRuns({});
    const err = await rejection(bridge().call(method, input));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.issues.map((i: { field: string }) => i.field)).toContain(field);
    expect(err).toEqual(((await rejection(api.call(method, input))) as ApiError).toJSON());
    expect(store.countRuns({})).toBe(before);
  });

  it('a bad run config is INVALID_CONFIG with config field names', async () => {
    const err = await rejection(bridge().call('runs.create', { config: { kind: 'ufm', classes: 1 } }));
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.issues.length).toBeGreaterThan(0);
    expect(store.countRuns({})).toBe(0);
  });

  it.each([
    ['sweeps.create', { spec: { base: { kind: 'ufm' }, grid: { '__proto__.tag': ['x'] } } }, 'grid.__proto__.tag'],
    ['sweeps.create', { spec: { base: { kind: 'ufm' }, grid: { 'constructor.prototype.tag': ['x'] } } }, 'grid.constructor.prototype.tag'],
    ['reproduce.start', { presets: ['ufm-fixed-binding'], quick: true, set: [{ key: '__proto__.tag', value: 'x' }] }, 'set.__proto__.tag'],
  ])('%s with a prototype path is refused naming %s; the main process is not polluted and still lists runs', async (method, input, field) => {
    const before = store.countRuns({});
    const err = await rejection(bridge().call(method, input));
    expect(err.code).toBe('INVALID_CONFIG');
    expect(err.issues.map((i: { field: string }) => i.field)).toEqual([field]);
    expect(({} as Record<string, unknown>).tag).toBeUndefined();
    expect(await bridge().call('runs.list')).toMatchObject({ total: before });
    expect(await bridge().call('app.info', {})).toMatchObject({ mode: 'electron' });
  });

  it('the preload refuses names outside the contract before anything reaches ipcRenderer', async () => {
    page.invoked.length = 0;
    const err = await rejection(bridge().call('store.exec', { sql: 'DROP TABLE runs' }));
    expect(err.code).toBe('UNKNOWN_METHOD');
    expect(await rejection(bridge().call('__proto__'))).toMatchObject({ code: 'UNKNOWN_METHOD' });
    expect(page.invoked).toEqual([]);
    expect(() => bridge().on('store.changed', () => {})).toThrow(/unknown event/);
  });

  it('only the app window may call: another origin or a subframe gets UNAUTHORIZED', async () => {
    const h = page.handlers.get(callChannel('app.info'))!;
    expect(await h({ senderFrame: { url: 'https://example.org/', parent: null } }, {})).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(await h({ senderFrame: { url: 'app://scl-lab/index.html', parent: {} } }, {})).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(await h({ senderFrame: null }, {})).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(await h({ senderFrame: { url: 'app://scl-lab/#/runs', parent: null } }, {})).toMatchObject({ ok: true });
    expect(isAppSender({ senderFrame: { url: 'app://scl-lab.evil/index.html', parent: null } } as never)).toBe(false);
  });

  it('pushes events to the page: the payload only, parsed by the contract; unsubscribe stops them', () => {
    const got: unknown[] = [];
    const off = bridge().on('run.status', (p) => got.push(p));
    (runner as EventEmitter).emit('status', { runId: 7, status: 'running', backend: 'wasm' });
    expect(got).toEqual([{ runId: 7, status: 'running', backend: 'wasm' }]);
    expect(wc.sent.at(-1)).toEqual({ channel: eventChannel('run.status'), args: [{ runId: 7, status: 'running', backend: 'wasm' }] });
    (runner as EventEmitter).emit('status', { runId: 'seven', status: 'running' }); // not the contract: dropped
    expect(got).toHaveLength(1);
    off();
    off();
    (runner as EventEmitter).emit('status', { runId: 7, status: 'finished' });
    expect(got).toHaveLength(1);
    expect(page.emitter.listenerCount(eventChannel('run.status'))).toBe(0);
  });

  it('a listener that throws does not stop the others', () => {
    const got: unknown[] = [];
    const a = bridge().on('run.eval', () => {
      throw new Error('boom');
    });
    const b = bridge().on('metrics.flushed', (p) => got.push(p));
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    (runner as EventEmitter).emit('flush', [{ runId: 1, maxStep: 3, keys: ['loss', 'snap/W'] }]);
    expect(got).toEqual([{ updates: [{ runId: 1, maxStep: 3, keys: ['loss', 'W'] }] }]);
    a();
    b();
    spy.mockRestore();
  });

  it('a run shows the backend it used and why faster ones were skipped (runs.get env.backendSkipped)', async () => {
    const id = store.createRun({ kind: 'ufm', config: { kind: 'ufm' }, seed: 0, appVersion: 'test' });
    const skipped = [
      { name: 'tfjs-node-gpu', reason: 'Cannot find module @tensorflow/tfjs-node-gpu' },
      { name: 'tfjs-node', reason: 'The tfjs_binding.node can not be found' },
    ];
    store.markStarted(id, { backend: 'wasm', ownerPid: process.pid, env: { node: process.versions.node, backendSkipped: skipped } });
    const run = (await bridge().call('runs.get', { id })) as { backend: string; env: { backendSkipped: unknown } };
    expect(run.backend).toBe('wasm');
    expect(run.env.backendSkipped).toEqual(skipped);
    store.deleteRun(id);
  });

  it("the renderer's own client (src-renderer/lib/client.ts) picks window.sclLab and maps its errors", async () => {
    const { createClient, ApiError: ClientApiError } = await import('../../src-renderer/lib/client');
    const g = globalThis as { sclLab?: unknown };
    g.sclLab = bridge();
    try {
      const client = createClient();
      expect(client.transport).toBe('electron');
      expect(await client.call('runs.list', {})).toMatchObject({ total: expect.any(Number) });
      const err = await rejection(client.call('runs.get', { id: 'x' as unknown as number }));
      expect(err).toBeInstanceOf(ClientApiError);
      expect(err).toMatchObject({ code: 'INVALID_INPUT', issues: [{ field: 'id' }] });
      const got: unknown[] = [];
      const off = client.on('run.status', (p) => got.push(p));
      (runner as EventEmitter).emit('status', { runId: 3, status: 'queued' });
      off();
      expect(got).toEqual([{ runId: 3, status: 'queued' }]);
    } finally {
      delete g.sclLab;
    }
  });

  it('dispose removes every handler and stops forwarding events', () => {
    const n = wc.sent.length;
    dispose();
    expect(page.handlers.size).toBe(0);
    (runner as EventEmitter).emit('status', { runId: 7, status: 'running' });
    expect(wc.sent.length).toBe(n);
    dispose = registerIpc({ ipcMain: fakeIpcMain, api, hub, targets: () => [wc] }); // for afterAll
  });
});

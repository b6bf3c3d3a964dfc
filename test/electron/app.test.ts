/**
 * The Electron main process (src-main/electron/app.ts) against a fake 'electron' module: start-up order,
 * userData = the CLI's folder, the window's security options, the app:// scheme, session and webContents
 * hardening, the IPC wiring, events to the window, and quitting with a run in progress (ask, keep, ask, cancel
 * cleanly, close the store, quit). Training runs for real in a worker thread (needs `npm run build`).
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES } from '../../src-main/api/contract';
import { callChannel } from '../../src-main/electron/constants';
import { openStore } from '../../src-main/store';
import { smallUfm } from '../api/helpers';
import { fakeEvent, type FakeElectron } from './fake-electron';

const fx = vi.hoisted(() => ({ dir: '', electron: undefined as unknown as FakeElectron }));

vi.mock('electron', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { createFakeElectron: create } = await import('./fake-electron');
  fx.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scl-electron-app-'));
  fx.electron = create({ appData: path.join(fx.dir, 'appData'), appPath: path.join(fx.dir, 'app') });
  return fx.electron;
});

const { runApp } = await import('../../src-main/electron/app');

const longUfm = { ...smallUfm, epochs: 5_000_000, evalEvery: 1000 };

const trusted = () => ({ senderFrame: { url: 'app://scl-lab/index.html', parent: null } });

async function call(e: FakeElectron, method: string, input?: unknown): Promise<{ ok: boolean; value?: any; error?: any }> {
  const h = e.ipcMain.handlers.get(callChannel(method));
  if (!h) throw new Error(`no handler for ${method}`);
  return (await h(trusted(), input)) as { ok: boolean; value?: any; error?: any };
}

async function until(pred: () => boolean, what: string, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the Electron main process with a fake electron module', () => {
  let handle: ReturnType<typeof runApp>;
  let e: FakeElectron;
  let win: InstanceType<FakeElectron['BrowserWindow']>;
  const savedDb = process.env.SCL_LAB_DB;
  const savedBinding = process.env.SCL_LAB_SQLITE_BINDING;
  let signalListeners: { SIGINT: Function[]; SIGTERM: Function[] };

  beforeAll(() => {
    delete process.env.SCL_LAB_DB;
    delete process.env.SCL_LAB_SQLITE_BINDING;
    signalListeners = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  });

  afterAll(async () => {
    // whatever happened, stop the runner and close the store
    await handle?.guard()?.requestQuit({ force: true });
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      for (const l of process.listeners(sig)) if (!signalListeners[sig].includes(l)) process.off(sig, l as () => void);
    }
    if (savedDb === undefined) delete process.env.SCL_LAB_DB;
    else process.env.SCL_LAB_DB = savedDb;
    if (savedBinding !== undefined) process.env.SCL_LAB_SQLITE_BINDING = savedBinding;
    if (fx.dir) rmSync(fx.dir, { recursive: true, force: true });
  });

  it('before ready: names the app, sets userData to <appData>/SCL Geometry Lab, takes the lock, registers app://', () => {
    e = fx.electron;
    mkdirSync(join(fx.dir, 'app', 'dist-renderer'), { recursive: true });
    writeFileSync(join(fx.dir, 'app', 'dist-renderer', 'index.html'), '<!doctype html><title>SCL Geometry Lab</title>');
    handle = runApp();
    expect(e.order).toEqual(['app.setName', 'app.setPath(userData)', 'app.setPath(sessionData)', 'app.requestSingleInstanceLock', 'protocol.registerSchemesAsPrivileged']);
    expect(e.app.getPath('sessionData')).toBe(join(fx.dir, 'appData', 'SCL Geometry Lab', 'chromium'));
    expect(e.app.setName).toHaveBeenCalledWith('SCL Geometry Lab');
    expect(e.app.getPath('userData')).toBe(join(fx.dir, 'appData', 'SCL Geometry Lab'));
    expect(e.protocol.privileged).toEqual([{ scheme: 'app', privileges: expect.objectContaining({ standard: true, secure: true }) }]);
    expect(e.BrowserWindow.instances).toHaveLength(0);
  });

  it('on ready: one window with the secure options, loading app://scl-lab/index.html', async () => {
    e.app.fireReady();
    await handle.ready;
    expect(e.dialog.showErrorBox).not.toHaveBeenCalled();
    expect(e.BrowserWindow.instances).toHaveLength(1);
    win = e.BrowserWindow.instances[0]!;
    const wp = win.options.webPreferences as Record<string, unknown>;
    expect(wp).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true, webviewTag: false, allowRunningInsecureContent: false });
    expect(String(wp.preload)).toMatch(/[\\/]preload\.js$/);
    expect(win.loadURL).toHaveBeenCalledWith('app://scl-lab/index.html');
    expect(win.options.show).toBe(false);
    win.emit('ready-to-show');
    expect(win.show).toHaveBeenCalled();
    expect(e.Menu.setApplicationMenu).toHaveBeenCalledTimes(1);
    expect(e.protocol.handlers.has('app')).toBe(true);
  });

  it('wires every contract method to an ipcMain handler, and nothing else', () => {
    expect([...e.ipcMain.handlers.keys()].sort()).toEqual(METHOD_NAMES.map(callChannel).sort());
  });

  it('keeps the database in userData: the file the CLI opens by default', async () => {
    const info = await call(e, 'app.info', {});
    expect(info.ok).toBe(true);
    expect(info.value).toMatchObject({ mode: 'electron', dbPath: join(fx.dir, 'appData', 'SCL Geometry Lab', 'scl-lab.sqlite') });
    expect(existsSync(info.value.dbPath)).toBe(true);
  });

  it('refuses an invalid payload with the contract message naming the field', async () => {
    const r = await call(e, 'runs.get', { id: 'x' });
    expect(r.ok).toBe(false);
    expect(r.error.code).toBe('INVALID_INPUT');
    expect(r.error.issues.map((i: { field: string }) => i.field)).toEqual(['id']);
    expect(r.error.message).toMatch(/^invalid input for runs\.get: id: /);
  });

  it('serves the renderer over app:// with the CSP, and nothing outside it', async () => {
    const h = e.protocol.handlers.get('app')!;
    const ok = await h(new Request('app://scl-lab/index.html'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/html/);
    expect(ok.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await ok.text()).toContain('<title>SCL Geometry Lab</title>');
    const route = await h(new Request('app://scl-lab/runs/3'));
    expect(route.status).toBe(200); // client-side route -> index.html
    expect((await h(new Request('app://scl-lab/..%2F..%2Fetc%2Fhostname.txt'))).status).toBe(404); // encoded traversal
    expect((await h(new Request('app://scl-lab/missing.js'))).status).toBe(404);
    expect((await h(new Request('app://other-host/index.html'))).status).toBe(404);
  });

  it('hardens the session: permissions denied, remote requests cancelled, CSP on responses', () => {
    const s = e.session.defaultSession;
    const answer = vi.fn();
    s.permissionRequestHandler!({}, 'media', answer);
    expect(answer).toHaveBeenCalledWith(false);
    expect(s.permissionCheckHandler!({}, 'notifications')).toBe(false);
    const cb = vi.fn();
    s.beforeRequest!({ url: 'https://example.org/x.js' }, cb);
    expect(cb).toHaveBeenLastCalledWith({ cancel: true });
    s.beforeRequest!({ url: 'app://scl-lab/assets/index.js' }, cb);
    expect(cb).toHaveBeenLastCalledWith({ cancel: false });
    const hcb = vi.fn();
    s.headersReceived!({ url: 'app://scl-lab/', responseHeaders: { 'content-security-policy': ["default-src *"] } }, hcb);
    const headers = hcb.mock.calls[0]![0].responseHeaders as Record<string, string[]>;
    expect(Object.keys(headers).filter((k) => k.toLowerCase() === 'content-security-policy')).toHaveLength(1);
    expect(headers['Content-Security-Policy']![0]).toContain("object-src 'none'");
  });

  it('hardens every webContents: no new windows, no navigation, no webviews', () => {
    const wc = new (win.webContents.constructor as new () => typeof win.webContents)();
    e.app.emit('web-contents-created', fakeEvent(), wc);
    expect(wc.windowOpenHandler!({ url: 'https://example.org' })).toEqual({ action: 'deny' });
    for (const ev of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const event = fakeEvent();
      wc.emit(ev, event, 'https://example.org');
      expect(event.defaultPrevented(), ev).toBe(true);
    }
  });

  it('pushes runner events to the window and asks before quitting with a run in progress', async () => {
    const created = await call(e, 'runs.create', { config: longUfm, name: 'long' });
    expect(created.ok).toBe(true);
    const id = created.value.id as number;
    await until(() => win.webContents.sent.some((m) => m.channel === 'scl-lab:event:run.progress' && (m.args[0] as { runId: number }).runId === id), 'a progress event');
    const status = win.webContents.sent.find((m) => m.channel === 'scl-lab:event:run.status');
    expect(status!.args[0]).toMatchObject({ runId: id, status: 'running' });

    // 1st close: the user keeps the run going
    e.dialog.responses.push(1);
    const first = fakeEvent();
    win.emit('close', first);
    expect(first.defaultPrevented()).toBe(true);
    await until(() => e.dialog.showMessageBox.mock.calls.length === 1, 'the quit dialog');
    await until(() => handle.guard()!.state === 'running', 'the guard to settle');
    expect(e.app.quit).not.toHaveBeenCalled();
    expect((await call(e, 'runs.get', { id })).value.status).toBe('running');

    // 2nd close: cancel the runs and quit
    e.dialog.responses.push(0);
    const second = fakeEvent();
    win.emit('close', second);
    expect(second.defaultPrevented()).toBe(true);
    await until(() => e.app.quit.mock.calls.length === 1, 'app.quit()', 60_000);
    expect(handle.guard()!.mayClose()).toBe(true);
    const msg = e.dialog.showMessageBox.mock.calls[1]!;
    expect(JSON.stringify(msg)).toContain('1 run is still queued or running');
    expect(e.ipcMain.handlers.size).toBe(0); // IPC removed

    // the run was cancelled cleanly and the store closed (another connection sees the final state)
    const store = openStore(join(fx.dir, 'appData', 'SCL Geometry Lab', 'scl-lab.sqlite'), { readonly: true });
    try {
      expect(store.getRun(id).status).toBe('cancelled');
    } finally {
      store.close();
    }
    expect(win.webContents.sent.some((m) => m.channel === 'scl-lab:event:run.status' && (m.args[0] as { status: string }).status === 'cancelled')).toBe(true);

    // now the window and the app may close
    const third = fakeEvent();
    win.emit('close', third);
    expect(third.defaultPrevented()).toBe(false);
    const bq = fakeEvent();
    e.app.emit('before-quit', bq);
    expect(bq.defaultPrevented()).toBe(false);
  }, 120_000);
});

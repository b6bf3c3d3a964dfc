/**
 * Hardening of the shell: the start-up error dialog shows no stack, the production menu has no developer tools,
 * every frame's navigation is blocked, requests are allowed by an allowlist, the packaged app ignores
 * SCL_LAB_SQLITE_BINDING.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { menuTemplate } from '../../src-main/electron/menu';
import { hardenSession, hardenWebContents, isRemoteUrl } from '../../src-main/electron/security';
import { createFakeElectron, fakeEvent, FakeWebContents, type FakeElectron } from './fake-electron';

const fx = vi.hoisted(() => ({ dir: '', electron: undefined as unknown as FakeElectron }));

vi.mock('electron', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { createFakeElectron: create } = await import('./fake-electron');
  fx.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scl-electron-hardening-'));
  fx.electron = create({ appData: path.join(fx.dir, 'appData'), appPath: path.join(fx.dir, 'app') });
  // the window cannot be created: start-up fails after the session is open
  fx.electron.BrowserWindow = class {
    constructor() {
      throw new Error('GPU process isn\'t usable. Goodbye.');
    }
  } as unknown as FakeElectron['BrowserWindow'];
  return fx.electron;
});

const { runApp, startupMessage } = await import('../../src-main/electron/app');

describe('start-up failure', () => {
  const saved = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  const savedDb = process.env.SCL_LAB_DB;
  afterAll(() => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      for (const l of process.listeners(sig)) if (!saved[sig].includes(l)) process.off(sig, l as () => void);
    }
    if (savedDb !== undefined) process.env.SCL_LAB_DB = savedDb;
    if (fx.dir) rmSync(fx.dir, { recursive: true, force: true });
  });

  it('the error dialog gives the message, not the stack; the packaged menu has no dev tools or force reload', async () => {
    delete process.env.SCL_LAB_DB;
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const handle = runApp();
      fx.electron.app.fireReady();
      await handle.ready;
    } finally {
      stderr.mockRestore();
    }
    const e = fx.electron;
    expect(e.dialog.showErrorBox).toHaveBeenCalledTimes(1);
    const [title, content] = e.dialog.showErrorBox.mock.calls[0]!;
    expect(title).toBe('SCL Geometry Lab could not start');
    expect(content).toBe("GPU process isn't usable. Goodbye.");
    expect(e.app.exit).toHaveBeenCalledWith(1);
    const template = (e.Menu.buildFromTemplate.mock.calls[0]![0] as { label?: string; submenu?: { role?: string }[] }[]);
    const view = template.find((m) => m.label === 'View')!;
    const roles = view.submenu!.map((i) => i.role);
    expect(roles).toContain('reload');
    expect(roles).not.toContain('toggleDevTools');
    expect(roles).not.toContain('forceReload');
  });

  it('startupMessage drops stack lines of any error', () => {
    const err = new Error('cannot open');
    expect(startupMessage(err)).toBe('cannot open');
    expect(startupMessage('plain')).toBe('plain');
    expect(startupMessage(new Error('two\nlines\n    at x (y.js:1:2)'))).toBe('two\nlines');
  });
});

describe('menu', () => {
  const actions = { openDataFolder: vi.fn(), showAbout: vi.fn(), quit: vi.fn() };
  const viewRoles = (dev: boolean) =>
    ((menuTemplate(actions, 'linux', dev).find((m) => m.label === 'View')!.submenu as { role?: string }[]).map((i) => i.role));

  it('has dev tools and force reload from a checkout only', () => {
    expect(viewRoles(true)).toEqual(expect.arrayContaining(['reload', 'forceReload', 'toggleDevTools']));
    expect(viewRoles(false)).not.toContain('toggleDevTools');
    expect(viewRoles(false)).not.toContain('forceReload');
    expect(JSON.stringify(menuTemplate(actions, 'linux'))).toBe(JSON.stringify(menuTemplate(actions, 'linux', false))); // production is the default
  });
});

describe('navigation and requests', () => {
  it('every frame navigation (will-frame-navigate) is blocked, as are main-frame ones', () => {
    const wc = new FakeWebContents();
    hardenWebContents(wc as never);
    for (const ev of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      const e = fakeEvent({ url: 'https://example.org/' });
      wc.emit(ev, e);
      expect(e.defaultPrevented(), ev).toBe(true);
    }
  });

  it('requests pass only to the app itself: unknown schemes are refused too', () => {
    const { session } = createFakeElectron({ appData: '/nowhere', appPath: '/nowhere' });
    hardenSession(session.defaultSession as never);
    const decide = (url: string): boolean => {
      let cancel: boolean | undefined;
      session.defaultSession.beforeRequest!({ url }, (r: unknown) => (cancel = (r as { cancel: boolean }).cancel));
      return cancel!;
    };
    for (const u of ['chrome-extension://abc/x.js', 'gopher://x', 'mailto:a@b.c', 'javascript:alert(1)', 'smb://host/share', 'app://other-host/x', 'blob:https://e.org/1', 'https://e.org']) {
      expect(decide(u), u).toBe(true);
      expect(isRemoteUrl(u), u).toBe(true);
    }
    for (const u of ['app://scl-lab/index.html', 'app://scl-lab/assets/x.js', 'data:image/png;base64,AA', 'blob:app://scl-lab/6f1c']) {
      expect(decide(u), u).toBe(false);
    }
  });
});

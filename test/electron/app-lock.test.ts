/** A second instance of the app: the single-instance lock is taken, so it quits without a window or a database. */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { FakeElectron } from './fake-electron';

const fx = vi.hoisted(() => ({ dir: '', electron: undefined as unknown as FakeElectron }));

vi.mock('electron', async () => {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const { createFakeElectron } = await import('./fake-electron');
  fx.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scl-electron-lock-'));
  fx.electron = createFakeElectron({ appData: path.join(fx.dir, 'appData'), appPath: path.join(fx.dir, 'app'), lock: false });
  return fx.electron;
});

const { runApp } = await import('../../src-main/electron/app');

describe('single-instance lock', () => {
  afterAll(() => rmSync(fx.dir, { recursive: true, force: true }));

  it('a second instance quits at once: no scheme, no window, no handlers', async () => {
    const handle = runApp();
    fx.electron.app.fireReady();
    await handle.ready;
    expect(fx.electron.app.requestSingleInstanceLock).toHaveBeenCalledTimes(1);
    expect(fx.electron.app.quit).toHaveBeenCalledTimes(1);
    expect(fx.electron.BrowserWindow.instances).toHaveLength(0);
    expect(fx.electron.ipcMain.handlers.size).toBe(0);
    expect(fx.electron.protocol.registerSchemesAsPrivileged).not.toHaveBeenCalled();
  });
});

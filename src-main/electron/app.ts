/**
 * The Electron main process, wired from the parts next to this file: single-instance lock, the `app://` scheme
 * with the built renderer, one hardened window, the IPC transport of the contract, the menu, and the quit guard.
 * The runs, store and API are the same objects `scl-lab serve` uses (services/session.ts openSession + createApi);
 * training runs in worker threads started by the Runner. No business logic here.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, protocol, session, shell } from 'electron';
import { createApi } from '../api/server';
import { openSession, type Session } from '../services/session';
import { APP_VERSION } from '../services/version';
import { setSqliteBinding } from '../store/connection';
import { defaultDbPath } from '../store/paths';
import { PRODUCT_NAME, START_URL } from './constants';
import { registerIpc } from './ipc';
import { createQuitGuard, type QuitGuard } from './lifecycle';
import { menuTemplate } from './menu';
import { chooseSqliteBinding, isAbiMismatch } from './native';
import { electronDbPath, userDataDir } from './paths';
import { handleAppScheme, registerAppScheme } from './protocol';
import { hardenSession, hardenWebContents, windowOptions } from './security';

const log = (line: string): void => {
  process.stderr.write(`scl-lab: ${line}\n`);
};

function fatal(title: string, detail: string): void {
  log(`${title}: ${detail}`);
  dialog.showErrorBox(title, detail);
  app.exit(1);
}

/** What the start-up error dialog says: the error's message, never its stack. */
export function startupMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message || e.name : String(e);
  return msg.split('\n').filter((l) => !/^\s+at .+/.test(l)).join('\n');
}

/** Runs of this process that are queued or running (runs owned by a CLI elsewhere do not count). */
export function activeRunCount(s: Pick<Session, 'store' | 'runner'>): number {
  return s.store.listRuns({ status: ['queued', 'running'] }).filter((r) => s.runner.isActive(r.id)).length;
}

export interface AppHandle {
  window(): BrowserWindow | null;
  guard(): QuitGuard | null;
  /** Resolves when the window is open (or the start failed). */
  ready: Promise<void>;
}

export function runApp(): AppHandle {
  let win: BrowserWindow | null = null;
  let guard: QuitGuard | null = null;
  const handle = (ready: Promise<void>): AppHandle => ({ window: () => win, guard: () => guard, ready });

  // The userData folder is <appData>/SCL Geometry Lab on every platform: the CLI's default database folder.
  app.setName(PRODUCT_NAME);
  const userData = userDataDir(app.getPath('appData'));
  app.setPath('userData', userData);
  app.setPath('sessionData', join(userData, 'chromium')); // Chromium's caches beside, not among, the database
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return handle(Promise.resolve());
  }
  registerAppScheme(protocol);
  app.on('web-contents-created', (_e, contents) => hardenWebContents(contents));
  app.on('second-instance', () => {
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  function start(): void {
    const binding = chooseSqliteBinding({ isPackaged: app.isPackaged, appPath: app.getAppPath(), electronVersion: process.versions.electron ?? '' });
    if (binding.kind === 'missing') return fatal('SQLite module not built for Electron', binding.hint);
    if (binding.kind === 'file') setSqliteBinding(binding.file);

    const dbPath = electronDbPath(userData);
    if (dbPath !== defaultDbPath()) log(`note: the app's database ${dbPath} is not the CLI's default ${defaultDbPath()} (set SCL_LAB_DB to share one)`);
    let s: Session;
    try {
      s = openSession({ db: dbPath, log, watch: true }); // follows CLI runs and other processes' changes
    } catch (e) {
      const msg = (e as Error).message;
      const hint = isAbiMismatch(e)
        ? '\n\nbetter-sqlite3 was built for another Node/Electron version. From a checkout: delete node_modules/.electron-abi and run "npm start" again.'
        : '';
      return fatal('Cannot open the run database', `${msg}${hint}`);
    }
    const { store, runner, hub } = s;
    const api = createApi({ service: s.service, dbPath: store.file, mode: 'electron' });
    runner.on('error-log', (m: string) => log(m));

    hardenSession(session.defaultSession);
    handleAppScheme(protocol, join(app.getAppPath(), 'dist-renderer'));
    const disposeIpc = registerIpc({ ipcMain, api, hub, targets: () => (win && !win.isDestroyed() ? [win.webContents] : []), log });

    const g = createQuitGuard({
      activeRuns: () => activeRunCount(s),
      confirm: async (n) => {
        const opts = {
          type: 'warning' as const,
          buttons: ['Cancel runs and quit', 'Keep running'],
          defaultId: 1,
          cancelId: 1,
          message: `${n} run${n === 1 ? ' is' : 's are'} still queued or running.`,
          detail: 'Quitting cancels them cleanly: what they computed so far stays in the database, and a cancelled run can be resumed from its last checkpoint (Run page > Resume).',
        };
        const r = win && !win.isDestroyed() ? await dialog.showMessageBox(win, opts) : await dialog.showMessageBox(opts);
        return r.response === 0;
      },
      shutdown: async () => {
        try {
          await s.close(); // cancels runs (their final status events still reach the window), the hub, the store
        } finally {
          disposeIpc();
        }
      },
      quit: () => app.quit(),
      log,
    });
    guard = g;
    app.on('before-quit', (e) => {
      if (g.mayClose()) return;
      e.preventDefault();
      void g.requestQuit();
    });
    app.on('window-all-closed', () => void g.requestQuit({ force: true }));
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void g.requestQuit({ force: true }));

    const dataFolder = dirname(store.file);
    Menu.setApplicationMenu(
      Menu.buildFromTemplate(
        menuTemplate({
          openDataFolder: () => void shell.openPath(dataFolder),
          showAbout: () =>
            void dialog.showMessageBox({
              type: 'info',
              message: `${PRODUCT_NAME} ${APP_VERSION}`,
              detail:
                `Database: ${store.file}\n` +
                `Electron ${process.versions.electron}, Chromium ${process.versions.chrome}, Node ${process.versions.node}\n\n` +
                'Each run records the compute backend it used and why faster ones were not available (run details).',
            }),
          quit: () => void g.requestQuit(),
        }, process.platform, !app.isPackaged),
      ),
    );

    const icon = join(app.getAppPath(), 'assets', 'icon.png');
    const w = new BrowserWindow(windowOptions(join(__dirname, 'preload.js'), existsSync(icon) ? icon : undefined));
    win = w;
    w.once('ready-to-show', () => w.show());
    w.on('close', (e) => {
      if (g.mayClose()) return;
      e.preventDefault();
      void g.requestQuit();
    });
    w.on('closed', () => {
      win = null;
    });
    w.loadURL(START_URL).catch((e: unknown) => log(`loading ${START_URL} failed: ${(e as Error).message}`));
  }

  const ready = app.whenReady().then(
    () => {
      try {
        start();
      } catch (e) {
        log(`start-up failed: ${(e as Error).stack ?? String(e)}`); // the stack goes to the log, not the dialog
        fatal('SCL Geometry Lab could not start', startupMessage(e));
      }
    },
    (e: unknown) => fatal('SCL Geometry Lab could not start', startupMessage(e)),
  );
  return handle(ready);
}

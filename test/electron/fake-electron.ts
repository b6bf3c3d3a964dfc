/**
 * A fake of the parts of the 'electron' module the shell uses, for `vi.mock('electron', ...)` in plain Node.
 * It records what the shell does (calls in order, BrowserWindow options, IPC handlers, protocol handlers,
 * session hooks) and lets a test drive events (ready, close, before-quit, web-contents-created).
 */
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';

export interface FakeEvent {
  preventDefault: ReturnType<typeof vi.fn>;
  defaultPrevented(): boolean;
}

export function fakeEvent(extra: Record<string, unknown> = {}): FakeEvent & Record<string, unknown> {
  const preventDefault = vi.fn();
  return { preventDefault, defaultPrevented: () => preventDefault.mock.calls.length > 0, ...extra };
}

export class FakeWebContents extends EventEmitter {
  sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  destroyed = false;
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setWindowOpenHandler(h: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = h;
  }
}

export function createFakeElectron(opts: { appData: string; appPath: string; lock?: boolean; isPackaged?: boolean }) {
  const order: string[] = [];
  const paths = new Map<string, string>([['appData', opts.appData]]);
  let ready!: () => void;
  const readyPromise = new Promise<void>((r) => (ready = r));

  const app = Object.assign(new EventEmitter(), {
    isPackaged: opts.isPackaged ?? true,
    name: 'scl-geometry-lab',
    setName: vi.fn((n: string) => {
      order.push('app.setName');
      app.name = n;
    }),
    getPath: vi.fn((n: string) => {
      if (n === 'userData' && !paths.has('userData')) return `${opts.appData}/${app.name}`;
      const p = paths.get(n);
      if (p === undefined) throw new Error(`fake app.getPath: no path "${n}"`);
      return p;
    }),
    setPath: vi.fn((n: string, p: string) => {
      order.push(`app.setPath(${n})`);
      paths.set(n, p);
    }),
    getAppPath: () => opts.appPath,
    requestSingleInstanceLock: vi.fn(() => {
      order.push('app.requestSingleInstanceLock');
      return opts.lock ?? true;
    }),
    quit: vi.fn(() => order.push('app.quit')),
    exit: vi.fn((code?: number) => order.push(`app.exit(${code})`)),
    whenReady: () => readyPromise,
    /** Test driver: resolve whenReady(). */
    fireReady: () => {
      order.push('ready');
      ready();
    },
  });

  class BrowserWindow extends EventEmitter {
    static instances: BrowserWindow[] = [];
    readonly webContents = new FakeWebContents();
    readonly options: Record<string, unknown>;
    loadURL = vi.fn(async (_url: string) => undefined);
    show = vi.fn();
    focus = vi.fn();
    restore = vi.fn();
    destroyed = false;
    constructor(options: Record<string, unknown>) {
      super();
      order.push('new BrowserWindow');
      this.options = options;
      BrowserWindow.instances.push(this);
    }
    isDestroyed(): boolean {
      return this.destroyed;
    }
    isMinimized(): boolean {
      return false;
    }
  }

  const ipcMain = {
    handlers: new Map<string, (event: unknown, ...args: unknown[]) => unknown>(),
    handle: vi.fn((channel: string, fn: (event: unknown, ...args: unknown[]) => unknown) => {
      if (ipcMain.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
      ipcMain.handlers.set(channel, fn);
    }),
    removeHandler: vi.fn((channel: string) => {
      ipcMain.handlers.delete(channel);
    }),
  };

  const protocol = {
    privileged: [] as { scheme: string; privileges: Record<string, boolean> }[],
    handlers: new Map<string, (request: Request) => Promise<Response>>(),
    registerSchemesAsPrivileged: vi.fn((schemes: { scheme: string; privileges: Record<string, boolean> }[]) => {
      order.push('protocol.registerSchemesAsPrivileged');
      protocol.privileged.push(...schemes);
    }),
    handle: vi.fn((scheme: string, fn: (request: Request) => Promise<Response>) => {
      order.push(`protocol.handle(${scheme})`);
      protocol.handlers.set(scheme, fn);
    }),
  };

  type Callback = (...args: unknown[]) => void;
  type PermissionRequestHandler = null | ((wc: unknown, permission: string, cb: (ok: boolean) => void, details?: unknown) => void);
  type PermissionCheckHandler = null | ((...args: unknown[]) => boolean);
  type BeforeRequestHandler = null | ((details: { url: string }, cb: Callback) => void);
  type HeadersReceivedHandler = null | ((details: { url: string; responseHeaders?: Record<string, string[]> }, cb: Callback) => void);
  const defaultSession = Object.assign(new EventEmitter(), {
    permissionRequestHandler: null as PermissionRequestHandler,
    permissionCheckHandler: null as PermissionCheckHandler,
    beforeRequest: null as BeforeRequestHandler,
    headersReceived: null as HeadersReceivedHandler,
    setPermissionRequestHandler(h: PermissionRequestHandler): void {
      defaultSession.permissionRequestHandler = h;
    },
    setPermissionCheckHandler(h: PermissionCheckHandler): void {
      defaultSession.permissionCheckHandler = h;
    },
    webRequest: {
      onBeforeRequest: (h: BeforeRequestHandler): void => {
        defaultSession.beforeRequest = h;
      },
      onHeadersReceived: (h: HeadersReceivedHandler): void => {
        defaultSession.headersReceived = h;
      },
    },
  });

  const dialog = {
    responses: [] as number[],
    showMessageBox: vi.fn(async (..._args: unknown[]) => ({ response: dialog.responses.shift() ?? 1, checkboxChecked: false })),
    showErrorBox: vi.fn((title: string, content: string) => order.push(`dialog.showErrorBox(${title}: ${content})`)),
  };

  const Menu = {
    buildFromTemplate: vi.fn((template: unknown[]) => ({ template })),
    setApplicationMenu: vi.fn(),
  };

  const shell = { openPath: vi.fn(async () => '') };

  return { app, BrowserWindow, ipcMain, protocol, session: { defaultSession }, dialog, Menu, shell, order };
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;

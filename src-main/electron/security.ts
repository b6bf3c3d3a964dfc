/**
 * The security settings of the shell, in one place so the tests can read them: the window's webPreferences,
 * what a webContents may do (no navigation of any frame, no new windows, no webviews) and what the session allows
 * (no permissions, requests only to the app's own scheme, the app's CSP on every response, downloads only of the
 * app's own blobs).
 */
import type { BrowserWindowConstructorOptions, Session, WebContents } from 'electron';
import { APP_ORIGIN, CONTENT_SECURITY_POLICY, isAppOrigin } from './constants';

/** The BrowserWindow options (preload path and icon filled in by the caller). */
export function windowOptions(preload: string, icon?: string): BrowserWindowConstructorOptions {
  return {
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'SCL Geometry Lab',
    ...(icon ? { icon } : {}),
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  };
}

/** Anything the app may load or download: its own scheme and in-memory data. Everything else is remote. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    if (u.protocol === 'blob:') return u.href.startsWith(`blob:${APP_ORIGIN}/`);
    return isAppOrigin(url) || u.protocol === 'data:' || u.protocol === 'devtools:';
  } catch {
    return false;
  }
}

/** Anything that is not the app's own (an allowlist: every other scheme, known or not, is refused). */
export const isRemoteUrl = (url: string): boolean => !isAppUrl(url);

type WebContentsLike = Pick<WebContents, 'on' | 'setWindowOpenHandler'>;

/** Every webContents the app creates: no navigation away, no new windows, no <webview>. */
export function hardenWebContents(contents: WebContentsLike): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  const block = (event: { preventDefault(): void }): void => event.preventDefault();
  contents.on('will-navigate', block);
  contents.on('will-frame-navigate', block); // sub-frames too (the report viewer's iframe is srcdoc, never navigated)
  contents.on('will-redirect', block);
  contents.on('will-attach-webview', block);
}

type SessionLike = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'on'> & {
  webRequest: Pick<Session['webRequest'], 'onBeforeRequest' | 'onHeadersReceived'>;
};

/** The default session: permissions denied, every request not to the app's own URLs cancelled, CSP on every response. */
export function hardenSession(session: SessionLike): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: isRemoteUrl(details.url) }));
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...(details.responseHeaders ?? {}) };
    for (const k of Object.keys(headers)) if (k.toLowerCase() === 'content-security-policy') delete headers[k];
    callback({ responseHeaders: { ...headers, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  // exports and chart PNGs are saved from the page's own blobs (a save dialog asks where); nothing else
  session.on('will-download', (event, item) => {
    if (!isAppUrl(item.getURL())) event.preventDefault();
  });
}

/**
 * Names the Electron shell shares between its main-process files, the preload and the tests. The preload cannot
 * import this file (a sandboxed preload may only `require('electron')`): it repeats the two channel prefixes,
 * and test/electron/preload.test.ts checks that both copies agree.
 */
import { APP_DIR_NAME } from '../store/paths';

/** electron-builder's productName and the userData folder name: the folder the CLI uses by default. */
export const PRODUCT_NAME = APP_DIR_NAME;

/** `ipcMain.handle(CALL_CHANNEL_PREFIX + method)`: one channel per contract method. */
export const CALL_CHANNEL_PREFIX = 'scl-lab:call:';
/** `webContents.send(EVENT_CHANNEL_PREFIX + event, payload)`: one channel per contract event. */
export const EVENT_CHANNEL_PREFIX = 'scl-lab:event:';

export const callChannel = (method: string): string => CALL_CHANNEL_PREFIX + method;
export const eventChannel = (event: string): string => EVENT_CHANNEL_PREFIX + event;

/** The renderer is served from this privileged custom scheme (never file://, never http). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'scl-lab';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const START_URL = `${APP_ORIGIN}/index.html`;

/** A URL of the app's own pages (WHATWG URL gives custom schemes the origin "null", so compare scheme + host). */
export function isAppOrigin(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** The Content-Security-Policy of every page of the app (protocol responses and onHeadersReceived). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'", // forms are handled in script; none may submit anywhere
  "frame-src 'none'", // the report viewer's sandboxed srcdoc iframe is not fetched, so frame-src does not apply
].join('; ');

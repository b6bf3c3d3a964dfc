/**
 * The `app://scl-lab/` scheme that serves the built renderer (dist-renderer/) to the window: no file:// (module
 * scripts, a stable origin for CSP 'self' and for the IPC sender check) and no HTTP server. Every response
 * carries the app's Content-Security-Policy. Paths outside the renderer folder and other hosts are 404.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import type { Protocol } from 'electron';
import { contentType } from '../api/static-files';

export { contentType };
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './constants';



/** Privileges of the scheme; must be registered before the app is ready. */
export const APP_SCHEME_PRIVILEGES = { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true } as const;

export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } }]);
}

/**
 * The file an `app://` URL names inside `rendererDir`, or null (other host, outside the folder, bad encoding).
 * A path without an extension is a client-side route: index.html.
 */
export function resolveAppUrl(url: string, rendererDir: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0') || rel.split(/[\\/]/).includes('..')) return null;
  const root = resolve(rendererDir);
  const last = rel.split('/').pop() ?? '';
  const file = rel.endsWith('/') || !last.includes('.') ? join(root, 'index.html') : resolve(root, '.' + rel);
  return file.startsWith(root + sep) ? file : null;
}

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SCL Geometry Lab</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>SCL Geometry Lab</h1>
<p>The user interface is not built. Run <code>npm run build</code> in the project folder (it writes
<code>dist-renderer/</code>), then View &gt; Reload.</p>
</body></html>
`;

function respond(status: number, body: string | Uint8Array, type: string): Response {
  return new Response(status === 204 ? null : body, {
    status,
    headers: {
      'Content-Type': type,
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-cache',
    },
  });
}

/** The handler `protocol.handle(APP_SCHEME, ...)` runs (exported for tests). */
export function appRequestHandler(rendererDir: string): (request: Request) => Promise<Response> {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return respond(405, 'method not allowed\n', 'text/plain; charset=utf-8');
    const file = resolveAppUrl(request.url, rendererDir);
    if (file === null) return respond(404, 'not found\n', 'text/plain; charset=utf-8');
    try {
      return respond(200, new Uint8Array(await readFile(file)), contentType(file));
    } catch {
      if (file === join(resolve(rendererDir), 'index.html')) return respond(200, NOT_BUILT, 'text/html; charset=utf-8');
      return respond(404, 'not found\n', 'text/plain; charset=utf-8');
    }
  };
}

export function handleAppScheme(protocol: Pick<Protocol, 'handle'>, rendererDir: string): void {
  protocol.handle(APP_SCHEME, appRequestHandler(rendererDir));
}

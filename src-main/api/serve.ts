/**
 * `scl-lab serve`: the contract over HTTP + WebSocket, for a browser on the same machine.
 *
 * - Listens on 127.0.0.1 only. A random 32-byte token is printed in the URL `http://127.0.0.1:PORT/?token=...`.
 * - `POST /api/<method>` with a JSON body (the method's input) and `Authorization: Bearer <token>`:
 *   200 + the output as JSON, or 4xx/5xx + `{ code, message, issues? }`.
 * - `GET /events?token=...` upgrades to a WebSocket that pushes `{ "event": name, "payload": ... }` frames.
 * - Every request: a Host other than 127.0.0.1:PORT / localhost:PORT (DNS rebinding) or an Origin other than
 *   this server's gets 403. Everything else serves the built renderer (dist-renderer/, SPA fallback, strict CSP).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { dirname, join, resolve, sep } from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import type { Runner } from '../runner/runner';
import { openSession } from '../services/session';
import type { Store } from '../store';
import { contentType } from './static-files';
import { ApiError, httpStatus, toApiError } from './errors';
import { createApi } from './server';

export interface ServeOptions {
  /** 0 (default) = a random free port. */
  port?: number;
  db?: string;
  backend?: string;
  concurrency?: number;
  /** The built renderer (default `<repo>/dist-renderer`). */
  rendererDir?: string;
  /** Request bodies above this get 413 (default 5 MB). */
  maxBodyBytes?: number;
  /** Where the server reports problems (default: stderr). */
  log?: (line: string) => void;
  /** Follow other processes' changes (default true; tests may pass poll / liveness intervals). */
  watch?: boolean | { pollMs?: number; livenessMs?: number };
}

export interface RunningServer {
  /** `http://127.0.0.1:PORT/?token=...` */
  url: string;
  token: string;
  port: number;
  origin: string;
  store: Store;
  runner: Runner;
  /** Stop accepting, shut the runner down (running runs are cancelled), close the store. Idempotent. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const MAX_WS_BUFFER = 8 * 1024 * 1024;


const BUILD_HINT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SCL Geometry Lab</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>SCL Geometry Lab</h1>
<p>The user interface is not built yet. Run <code>npm run build</code> in the project folder (it writes
<code>dist-renderer/</code>), then reload this page. The API at <code>/api/&lt;method&gt;</code> works already.</p>
</body></html>
`;

/** The folder holding package.json above this file (works from src-main/ and from dist/src-main/). */
function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

function sameToken(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume(); // the 413 response closes the connection
        reject(new ApiError('INVALID_INPUT', `request body larger than ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startServer(opts: ServeOptions = {}): Promise<RunningServer> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`scl-lab serve: ${l}\n`));
  const limit = opts.maxBodyBytes ?? 5 * 1024 * 1024;
  const rendererDir = resolve(opts.rendererDir ?? join(repoRoot(), 'dist-renderer'));
  const token = randomBytes(32).toString('hex');
  // the store, reconciliation, runner, services, event hub, and following other processes' changes
  const session = openSession({ db: opts.db, backend: opts.backend, concurrency: opts.concurrency, log, watch: opts.watch ?? true });
  const { store, runner, hub } = session;
  const api = createApi({ service: session.service, dbPath: store.file, mode: 'serve' });

  let port = 0;
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();
  let csp = '';

  const baseHeaders = (): Record<string, string> => ({
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Resource-Policy': 'same-origin',
  });

  function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      ...baseHeaders(),
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(text)),
      'Cache-Control': 'no-store',
      ...extra,
    });
    res.end(text);
  }

  const sendError = (res: ServerResponse, status: number, e: ApiError, extra?: Record<string, string>): void =>
    sendJson(res, status, e.toJSON(), extra);

  /** Host (DNS rebinding) and Origin (cross-site) checks shared by HTTP and WebSocket; null when fine. */
  function refuse(req: IncomingMessage): string | null {
    if (!allowedHosts.has(req.headers.host ?? '')) return `host "${req.headers.host ?? ''}" is not this server`;
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin)) return `origin "${origin}" is not this server`;
    return null;
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, method: string): Promise<void> {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    if (!m || !sameToken(m[1], token)) {
      return sendError(res, 401, new ApiError('UNAUTHORIZED', 'missing or wrong token: send "Authorization: Bearer <token>" (the token is in the URL printed by scl-lab serve)'));
    }
    if (req.method !== 'POST') {
      return sendError(res, 405, new ApiError('INVALID_INPUT', `use POST for /api/${method}`), { Allow: 'POST' });
    }
    const tooLarge = new ApiError('INVALID_INPUT', `request body larger than ${limit} bytes`);
    if (Number(req.headers['content-length'] ?? 0) > limit) return sendError(res, 413, tooLarge, { Connection: 'close' });
    let input: unknown;
    try {
      const body = await readBody(req, limit);
      const text = body.toString('utf8').trim();
      input = text === '' ? undefined : JSON.parse(text.replace(/^\uFEFF/, '')); // a UTF-8 BOM is not an error
    } catch (e) {
      if (e instanceof ApiError) {
        res.once('finish', () => req.destroy()); // stop reading the rest of an oversized body
        return sendError(res, 413, tooLarge, { Connection: 'close' });
      }
      return sendError(res, 400, new ApiError('INVALID_INPUT', `the request body is not valid JSON: ${(e as Error).message}`));
    }
    try {
      sendJson(res, 200, await api.call(method, input));
    } catch (e) {
      const err = toApiError(e);
      if (err.code === 'INTERNAL') log(`${method}: ${err.message}`);
      sendError(res, httpStatus(err.code), err);
    }
  }

  function serveFile(req: IncomingMessage, res: ServerResponse, file: string, size: number): void {
    const hashedAsset = file.startsWith(join(rendererDir, 'assets') + sep);
    res.writeHead(200, {
      ...baseHeaders(),
      'Content-Type': contentType(file),
      'Content-Length': String(size),
      'Cache-Control': hashedAsset ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') return void res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  /**
   * The real path of `file` (symlinks followed) when it is a regular file inside the real renderer folder, with
   * its size; null otherwise, so a symlink in dist-renderer/ never serves a file from outside it.
   */
  function servable(file: string): { real: string; size: number } | null {
    try {
      const root = realpathSync(rendererDir);
      const real = realpathSync(file);
      if (!real.startsWith(root + sep)) return null;
      const st = statSync(real);
      return st.isFile() ? { real, size: st.size } : null;
    } catch {
      return null;
    }
  }

  function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...baseHeaders(), Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      return void res.end('method not allowed\n');
    }
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      res.writeHead(400, { ...baseHeaders(), 'Content-Type': 'text/plain; charset=utf-8' });
      return void res.end('bad path\n');
    }
    const file = resolve(rendererDir, '.' + (rel.endsWith('/') ? rel + 'index.html' : rel));
    const inside = file.startsWith(rendererDir + sep) && !rel.includes('\0');
    const found = inside ? servable(file) : null;
    if (found !== null) return serveFile(req, res, found.real, found.size);
    const last = rel.split('/').pop() ?? '';
    if (inside && !last.includes('.')) {
      // SPA fallback: client-side routes get index.html
      const index = join(rendererDir, 'index.html');
      const indexFound = servable(index);
      if (indexFound !== null) return serveFile(req, res, indexFound.real, indexFound.size);
      res.writeHead(200, { ...baseHeaders(), 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      return void res.end(req.method === 'HEAD' ? undefined : BUILD_HINT);
    }
    res.writeHead(404, { ...baseHeaders(), 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('not found\n');
  }

  const server = createServer((req, res) => {
    const why = refuse(req);
    if (why) return sendError(res, 403, new ApiError('UNAUTHORIZED', `forbidden: ${why}`));
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname.startsWith('/api/')) {
      let method: string;
      try {
        method = decodeURIComponent(url.pathname.slice('/api/'.length));
      } catch {
        method = url.pathname.slice('/api/'.length);
      }
      handleApi(req, res, method).catch((e: unknown) => {
        log(`request failed: ${(e as Error).message}`);
        if (!res.headersSent) sendError(res, 500, toApiError(e));
        else res.destroy();
      });
      return;
    }
    if (url.pathname === '/events') {
      return sendError(res, 426, new ApiError('INVALID_INPUT', 'connect with a WebSocket to /events?token=...'), { Upgrade: 'websocket' });
    }
    serveStatic(req, res, url.pathname);
  });
  server.requestTimeout = 60_000;

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

  function rejectUpgrade(socket: Duplex, status: number, reason: string, code: ApiError['code']): void {
    const body = JSON.stringify({ code, message: reason });
    const text = status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Forbidden';
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const why = refuse(req);
    if (why) return rejectUpgrade(socket, 403, `forbidden: ${why}`, 'UNAUTHORIZED');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname !== '/events') return rejectUpgrade(socket, 404, `no WebSocket at ${url.pathname}; use /events`, 'NOT_FOUND');
    if (!sameToken(url.searchParams.get('token'), token)) return rejectUpgrade(socket, 401, 'missing or wrong token', 'UNAUTHORIZED');
    wss.handleUpgrade(req, socket, head, (ws) => {
      const unsubscribe = hub.subscribe((event, payload) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        if (ws.bufferedAmount > MAX_WS_BUFFER) return void ws.close(1013, 'the client does not keep up');
        ws.send(JSON.stringify({ event, payload }));
      });
      ws.on('close', unsubscribe);
      ws.on('error', () => ws.terminate());
      ws.on('message', () => {}); // nothing to receive: events only flow to the client
    });
  });

  try {
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(opts.port ?? 0, HOST, () => {
        server.off('error', fail);
        ok();
      });
    });
  } catch (e) {
    await session.close();
    throw e;
  }
  const addr = server.address();
  port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  allowedOrigins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  csp = [
    "default-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "img-src 'self' data: blob:",
    "style-src 'self' 'unsafe-inline'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
    "frame-src 'none'", // the report viewer's sandboxed srcdoc iframe is not fetched, so frame-src does not apply
  ].join('; ');
  const origin = `http://${HOST}:${port}`;

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const closed = new Promise<void>((ok) => server.close(() => ok()));
      server.closeIdleConnections();
      try {
        await session.close(); // cancels running runs (their status events still go out), the hub, then the store
      } finally {
        for (const ws of wss.clients) ws.close(1001, 'the server is shutting down');
        wss.close();
        setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
          server.closeAllConnections();
        }, 500).unref();
        await closed;
      }
    })());

  return { url: `${origin}/?token=${token}`, token, port, origin, store, runner, close };
}

import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { methods } from '../../src-main/api/contract';
import { startServer, type RunningServer } from '../../src-main/api/serve';
import { openStore } from '../../src-main/store';
import { errorOf, outputOf, removeTempDirs, smallUfm, tempDir } from './helpers';

let srv: RunningServer;
let rendererDir: string;

const CSP = (port: number) =>
  `default-src 'self'; connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}; img-src 'self' data: blob:; ` +
  "style-src 'self' 'unsafe-inline'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; " +
  "form-action 'none'; frame-src 'none'";

function post(method: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${srv.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${srv.token}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A raw request (fetch cannot set Host or un-normalised paths). */
function raw(path: string, headers: Record<string, string>, method = 'GET', body?: string): Promise<{ status: number; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port: srv.port, path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

/** Connects and resolves with the socket, or rejects with the HTTP status of a refused upgrade. */
function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((ok, fail) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => ok(ws));
    ws.once('unexpected-response', (_req, res) => fail(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', fail);
  });
}

beforeAll(async () => {
  const dir = tempDir();
  rendererDir = join(dir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>lab</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("hi")');
  writeFileSync(join(rendererDir, 'assets', 'app.css'), 'body{}');
  srv = await startServer({ db: join(dir, 'runs.sqlite'), rendererDir, concurrency: 1, maxBodyBytes: 64 * 1024, log: () => {} });
});

afterAll(async () => {
  await srv?.close();
  removeTempDirs();
});

describe('scl-lab serve: HTTP', () => {
  it('prints a 127.0.0.1 URL with a 32-byte hex token', () => {
    expect(srv.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${srv.port}/\\?token=[0-9a-f]{64}$`));
    expect(srv.port).toBeGreaterThan(0);
  });

  it('a valid call gets 200 and the contract output', async () => {
    const res = await post('app.info', {});
    expect(res.status).toBe(200);
    const body: unknown = await res.json();
    const info = methods['app.info'].output.parse(body);
    expect(info).toEqual(body); // nothing beyond the contract
    expect(info.mode).toBe('serve');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await post('runs.list', '')).status).toBe(200); // an empty body is {}
  });

  it('no or a wrong token: 401', async () => {
    const none = await fetch(`${srv.origin}/api/app.info`, { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    expect((await post('app.info', {}, { Authorization: `Bearer ${'0'.repeat(64)}` })).status).toBe(401);
    expect((await post('app.info', {}, { Authorization: srv.token })).status).toBe(401);
  });

  it('a foreign Origin or Host: 403', async () => {
    expect((await post('app.info', {}, { Origin: 'http://evil.example' })).status).toBe(403);
    expect((await post('app.info', {}, { Origin: `http://127.0.0.1:${srv.port + 1}` })).status).toBe(403);
    expect((await post('app.info', {}, { Origin: srv.origin })).status).toBe(200);
    const auth = { Authorization: `Bearer ${srv.token}`, 'Content-Type': 'application/json' };
    expect((await raw('/api/app.info', { ...auth, Host: `evil.example:${srv.port}` }, 'POST', '{}')).status).toBe(403);
    expect((await raw('/', { Host: 'attacker.test' })).status).toBe(403);
    expect((await raw('/api/app.info', { ...auth, Host: `localhost:${srv.port}` }, 'POST', '{}')).status).toBe(200);
  });

  it('errors carry the contract error shape and an HTTP status', async () => {
    let res = await post('runs.get', { id: 'x' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'INVALID_INPUT', issues: [{ field: 'id' }] });
    res = await post('runs.create', { config: { ...smallUfm, batching: { strategy: 'fixed' } } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'INVALID_CONFIG', issues: [{ field: 'batching.batchSize' }] });
    res = await post('runs.get', { id: 424242 });
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('NOT_FOUND');
    res = await post('runs.nope', {});
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('UNKNOWN_METHOD');
    res = await post('app.info', '{not json');
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('INVALID_INPUT');
    const get = await fetch(`${srv.origin}/api/app.info`, { headers: { Authorization: `Bearer ${srv.token}` } });
    expect(get.status).toBe(405);
  });

  it('a body over the limit: 413', async () => {
    const big = JSON.stringify({ config: smallUfm, name: 'x'.repeat(100 * 1024) });
    const res = await post('runs.create', big);
    expect(res.status).toBe(413);
    // chunked, without a Content-Length
    const chunked = await new Promise<number>((ok, fail) => {
      const req = request(
        { host: '127.0.0.1', port: srv.port, path: '/api/runs.create', method: 'POST', headers: { Authorization: `Bearer ${srv.token}`, 'Transfer-Encoding': 'chunked' } },
        (r) => {
          r.resume();
          ok(r.statusCode ?? 0);
        },
      );
      req.on('error', fail);
      for (let i = 0; i < 10; i++) req.write('x'.repeat(10 * 1024));
      req.end();
    });
    expect(chunked).toBe(413);
    expect((await post('app.info', {})).status).toBe(200); // the server is fine afterwards
  });

  it('serves the renderer with content types, the CSP and an SPA fallback', async () => {
    const index = await fetch(`${srv.url}`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toBe(CSP(srv.port));
    expect(index.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await index.text()).toContain('<title>lab</title>');
    const js = await fetch(`${srv.origin}/assets/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log("hi")');
    expect((await fetch(`${srv.origin}/assets/app.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    const route = await fetch(`${srv.origin}/runs/12`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<title>lab</title>');
    expect((await fetch(`${srv.origin}/assets/missing.js`)).status).toBe(404);
    expect((await raw('/..%2f..%2fpackage.json', { Host: `127.0.0.1:${srv.port}` })).status).toBe(404);
    expect((await raw('/../runs.sqlite', { Host: `127.0.0.1:${srv.port}` })).status).toBe(404);
  });

  it('without a built renderer, / says how to build it', async () => {
    rmSync(join(rendererDir, 'index.html'));
    try {
      const res = await fetch(`${srv.origin}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('npm run build');
    } finally {
      writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>lab</title>');
    }
  });
});

describe('scl-lab serve: WebSocket events', () => {
  it('refuses a missing token, a foreign Origin and a foreign Host', async () => {
    const base = `ws://127.0.0.1:${srv.port}/events`;
    await expect(connect(base)).rejects.toThrow('HTTP 401');
    await expect(connect(`${base}?token=${'f'.repeat(64)}`)).rejects.toThrow('HTTP 401');
    await expect(connect(`${base}?token=${srv.token}`, { Origin: 'http://evil.example' })).rejects.toThrow('HTTP 403');
    await expect(connect(`${base}?token=${srv.token}`, { Host: 'evil.example' })).rejects.toThrow('HTTP 403');
    await expect(connect(`ws://127.0.0.1:${srv.port}/other?token=${srv.token}`)).rejects.toThrow('HTTP 404');
  });

  it('pushes run.status and run.progress for a run created over HTTP', async () => {
    const ws = await connect(`ws://127.0.0.1:${srv.port}/events?token=${srv.token}`, { Origin: srv.origin });
    const frames: { event: string; payload: Record<string, unknown> }[] = [];
    let check = () => {};
    ws.on('message', (data) => {
      frames.push(JSON.parse(String(data)));
      check();
    });
    const res = await post('runs.create', { config: smallUfm });
    expect(res.status).toBe(200);
    const runId = (await outputOf('runs.create', res)).id;
    const end = await new Promise<Record<string, unknown>>((ok) => {
      check = () => {
        const f = frames.find((x) => x.event === 'run.status' && x.payload.runId === runId && ['finished', 'failed', 'cancelled'].includes(x.payload.status as string));
        if (f) ok(f.payload);
      };
      check();
    });
    expect(end).toEqual({ runId, status: 'finished' });
    const mine = frames.filter((f) => f.payload.runId === runId || f.event === 'metrics.flushed');
    expect(mine.some((f) => f.event === 'run.status' && f.payload.status === 'running')).toBe(true);
    expect(mine.some((f) => f.event === 'run.progress')).toBe(true);
    expect(mine.some((f) => f.event === 'run.eval')).toBe(true);
    expect(mine.some((f) => f.event === 'metrics.flushed')).toBe(true);
    const snap = await outputOf('runs.snapshot', await post('runs.snapshot', { id: runId, key: 'cosine', step: 200 }));
    expect([snap?.rows, snap?.cols]).toEqual([3, 3]);
    ws.close();
  });
});

describe('scl-lab serve: shutdown', () => {
  it('close() cancels running runs, tells the WebSocket clients, and closes the store', async () => {
    const dir = tempDir();
    const db = join(dir, 'runs.sqlite');
    const s2 = await startServer({ db, rendererDir: dir, concurrency: 1, log: () => {} });
    const ws = await connect(`ws://127.0.0.1:${s2.port}/events?token=${s2.token}`);
    const frames: { event: string; payload: Record<string, unknown> }[] = [];
    const closed = new Promise<number>((ok) => ws.on('close', (code) => ok(code)));
    const progressed = new Promise<void>((ok) =>
      ws.on('message', (d) => {
        frames.push(JSON.parse(String(d)));
        if (frames.at(-1)!.event === 'run.progress') ok();
      }),
    );
    const res = await fetch(`${s2.origin}/api/runs.create`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${s2.token}` },
      body: JSON.stringify({ config: { ...smallUfm, epochs: 1_000_000, evalEvery: 100_000 } }),
    });
    const { id } = await outputOf('runs.create', res);
    await progressed;
    await s2.close();
    expect(await closed).toBe(1001);
    expect(frames.filter((f) => f.event === 'run.status').map((f) => f.payload.status)).toEqual(['running', 'running', 'cancelled']);
    expect(() => s2.store.getRun(id)).toThrow(); // the store is closed
    const reopened = openStore(db, { readonly: true });
    try {
      expect(reopened.getRun(id).status).toBe('cancelled');
    } finally {
      reopened.close();
    }
    await expect(fetch(`${s2.origin}/api/app.info`, { method: 'POST' })).rejects.toThrow();
  });
});

describe('scl-lab serve (the CLI)', () => {
  it('prints the URL first, serves, and shuts down cleanly on SIGTERM', async () => {
    const dir = tempDir();
    const bin = resolve(__dirname, '../../bin/scl-lab.js');
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--db', join(dir, 'db.sqlite'), '--renderer', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((ok) => child.on('exit', (code) => ok(code)));
    const first = await new Promise<string>((ok, fail) => {
      const rl = createInterface({ input: child.stdout });
      rl.once('line', ok);
      child.once('exit', () => fail(new Error(`serve exited early: ${stderr}`)));
    });
    const url = new URL(first);
    expect(url.hostname).toBe('127.0.0.1');
    const token = url.searchParams.get('token')!;
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const res = await fetch(`${url.origin}/api/app.info`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: '{}' });
    expect(res.status).toBe(200);
    expect((await outputOf('app.info', res)).dbPath).toBe(join(dir, 'db.sqlite'));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('shutting down');
  });
});

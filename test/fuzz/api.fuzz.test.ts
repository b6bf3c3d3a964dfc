/**
 * Fuzz: payloads of every contract method, through the real HTTP server (serve mode) and through the Electron
 * IPC handler. Invariants: a refusal is HTTP 400/404/409 (or an error envelope) with a code and a message naming
 * the problem, never a 500 / INTERNAL or a stack trace; a refused call changes nothing in the database; the
 * server keeps serving; the database's integrity holds.
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../src-main/api/contract';
import { createEventHub } from '../../src-main/api/events';
import { startServer, type RunningServer } from '../../src-main/api/serve';
import { createApi } from '../../src-main/api/server';
import { callChannel } from '../../src-main/electron/constants';
import { registerIpc, type CallReply } from '../../src-main/electron/ipc';
import { Runner } from '../../src-main/runner/runner';
import { RunService } from '../../src-main/services/runs';
import { openStore, type Store } from '../../src-main/store';
import { smallUfm } from '../api/helpers';
import { expectUserMessage, fuzzAsync, hostileNumber, hostileString, jsonValue } from './helpers';
import { tempDir } from '../support/tmp';

const dir = tempDir('scl-fuzz-api-');

/** Two finished runs and a sweep: ids 1 and 2 exist, nothing can be resumed or started. */
function seed(file: string): void {
  const s = openStore(file);
  const sweep = s.createSweep('fuzz', { base: smallUfm });
  for (const seedNo of [0, 1]) {
    const id = s.createRun({ name: `r${seedNo}`, kind: 'ufm', config: { ...smallUfm, seed: seedNo }, seed: seedNo, appVersion: 'test', sweepId: sweep });
    s.markStarted(id, { backend: 'cpu', ownerPid: process.pid });
    const w = s.metricWriter();
    for (let step = 0; step < 20; step++) w.write({ runId: id, key: 'train/loss', step, value: 1 / (step + 1) });
    w.close();
    s.finishRun(id, 'finished', {});
  }
  s.close();
}

const KEYS = ['id', 'ids', 'config', 'name', 'notes', 'tag', 'key', 'step', 'runIds', 'buckets', 'x0', 'x1', 'sweepId', 'format', 'spec', 'epochs', 'presets', 'quick', 'set', 'status', 'limit', 'offset', 'text', 'sort'];
const value = fc.oneof(jsonValue, hostileNumber, hostileString, fc.constantFrom<unknown>(1, 2, 999, [1], [1, 2], [], 'train/loss', 'json', 'runs-csv', { key: 'epochs', value: 3 }));
/** A payload: any JSON, or an object whose keys are the contract's field names with hostile values. */
const payload = fc.oneof(jsonValue, fc.dictionary(fc.constantFrom(...KEYS), value, { maxKeys: 4 }), fc.constant(undefined));
const method = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...METHOD_NAMES) }, { weight: 1, arbitrary: fc.constantFrom('runs', 'app.info.x', '__proto__', 'constructor', '') });

const CREATING = new Set(['runs.create', 'sweeps.create', 'reproduce.start']);

function contents(s: Store): string {
  return JSON.stringify({ runs: s.listRuns({ limit: 1000 }), sweeps: s.listSweeps(), counts: s.check().counts });
}

describe('fuzz: every method through the HTTP server', () => {
  let srv: RunningServer;
  beforeAll(async () => {
    const db = join(dir, 'http.sqlite');
    seed(db);
    srv = await startServer({ db, rendererDir: join(dir, 'no-renderer'), concurrency: 1, maxBodyBytes: 256 * 1024, log: () => {} });
  });
  afterAll(async () => srv?.close());

  it('answers 200 or a clean 400/404/409, and a refusal changes nothing', async () => {
    const before = srv.store.listRuns({ limit: 1000 }).length;
    await fuzzAsync(
      [method, payload, fc.constantFrom('json', 'json', 'json', 'text', 'bom')],
      async (m, input, encoding) => {
        const snapshot = contents(srv.store);
        const json = input === undefined ? '' : JSON.stringify(input);
        // 'text': the JSON cut in the middle (malformed); 'bom': a UTF-8 byte-order mark in front
        const body = encoding === 'text' ? json.slice(0, Math.floor(json.length / 2)) + '\u0000' : (encoding === 'bom' ? '\uFEFF' : '') + json;
        const res = await fetch(`${srv.origin}/api/${encodeURIComponent(m)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${srv.token}` },
          body,
        });
        const text = await res.text();
        expect([200, 400, 404, 409], `${m} ${body.slice(0, 200)} -> ${res.status} ${text.slice(0, 300)}`).toContain(res.status);
        const reply = JSON.parse(text) as { code?: string; message?: string };
        if (res.status !== 200) {
          expect(reply.code).toMatch(/^(INVALID_INPUT|INVALID_CONFIG|NOT_FOUND|STATE|UNKNOWN_METHOD)$/);
          expectUserMessage(String(reply.message));
          expect(contents(srv.store)).toBe(snapshot);
        } else {
          expect(CREATING.has(m), `${m} created something from ${body.slice(0, 200)}`).toBe(false);
        }
      },
      800,
      10_000,
    );
    const info = await fetch(`${srv.origin}/api/app.info`, { method: 'POST', headers: { Authorization: `Bearer ${srv.token}` }, body: '{}' });
    expect(info.status).toBe(200);
    expect(srv.store.listRuns({ limit: 1000 }).length).toBe(before);
    expect(srv.store.check().integrity).toBe('ok');
  });
});

describe('fuzz: every method through the IPC handler', () => {
  const db = join(dir, 'ipc.sqlite');
  seed(db);
  const store = openStore(db);
  const runner = new Runner(store, { concurrency: 1 });
  const api = createApi({ service: new RunService(store, runner), dbPath: store.file, mode: 'electron' });
  const hub = createEventHub(runner, { onError: () => {} });
  const handlers = new Map<string, (event: unknown, input: unknown) => Promise<CallReply>>();
  const dispose = registerIpc({
    ipcMain: { handle: (ch: string, h: never) => void handlers.set(ch, h), removeHandler: (ch: string) => void handlers.delete(ch) } as never,
    api,
    hub,
    targets: () => [],
    log: () => {},
  });
  afterAll(async () => {
    dispose();
    hub.close();
    await runner.shutdown();
    store.close();
  });

  const frame = fc.oneof(
    { weight: 8, arbitrary: fc.constant({ url: 'app://scl-lab/index.html', parent: null }) },
    { weight: 1, arbitrary: fc.record({ url: fc.constantFrom('https://evil.example/', 'app://scl-lab.evil/', 'file:///x', 'app://scl-lab/index.html'), parent: fc.constantFrom(null, {}) }) },
  );

  it('replies with a value or a clean error envelope; untrusted frames are refused; refusals change nothing', async () => {
    await fuzzAsync(
      [fc.constantFrom(...METHOD_NAMES), payload, frame],
      async (m, input, senderFrame) => {
        const snapshot = contents(store);
        const reply = await handlers.get(callChannel(m))!({ senderFrame }, structuredClone(input));
        const trusted = senderFrame.url === 'app://scl-lab/index.html' && senderFrame.parent === null;
        if (!trusted) expect(reply).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
        if (!reply.ok) {
          expect(reply.error.code, `${m} ${JSON.stringify(input)?.slice(0, 200)}: ${reply.error.message}`).not.toBe('INTERNAL');
          expectUserMessage(reply.error.message);
          expect(contents(store)).toBe(snapshot);
        } else {
          expect(CREATING.has(m), `${m} created something from ${JSON.stringify(input)?.slice(0, 200)}`).toBe(false);
        }
      },
      800,
      8000,
    );
    expect(store.check().integrity).toBe('ok');
  });
});

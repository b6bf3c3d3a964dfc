/**
 * An open app (the serve transport, in this process) and `scl-lab` runs in other processes share one database:
 * what the CLI does reaches the app within a second, a SIGKILLed CLI run turns interrupted within the liveness
 * window and resumes from the app, the app cancels a CLI run, and queued runs of a killed process get run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startServer, type RunningServer } from '../../src-main/api/serve';
import { removeTempDirs, tempDir } from './helpers';

const BIN = resolve(__dirname, '../../bin/scl-lab.js');
const ufm = {
  kind: 'ufm', classes: 4, dim: 8,
  imbalance: { profile: 'custom', counts: [20, 20, 2, 2] },
  relu: true, temperature: 1.0,
  batching: { strategy: 'fixed', batchSize: 4, binding: true, stepPer: 'epoch' },
  optimizer: { name: 'gd', lr: 0.05 }, epochs: 3000, seed: 0, evalEvery: 100,
};

let srv: RunningServer;
let dir: string;
let db: string;
let ws: WebSocket;
const seen: { event: string; payload: Record<string, unknown>; at: number }[] = [];
const children: ChildProcess[] = [];

async function call<T = Record<string, unknown>>(method: string, input: unknown = {}): Promise<T> {
  const res = await fetch(`${srv.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${srv.token}` },
    body: JSON.stringify(input),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${method}: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body as T;
}

function until(pred: (e: (typeof seen)[number]) => boolean, ms = 60_000): Promise<(typeof seen)[number]> {
  const deadline = Date.now() + ms;
  return new Promise((ok, fail) => {
    const check = () => {
      const hit = seen.find(pred);
      if (hit) return ok(hit);
      if (Date.now() > deadline) return fail(new Error('timed out waiting for an event'));
      setTimeout(check, 20);
    };
    check();
  });
}

const ev = (event: string, runId: number, more: (p: Record<string, unknown>) => boolean = () => true) => (e: (typeof seen)[number]) =>
  e.event === event && (e.payload.runId === runId || (Array.isArray(e.payload.runIds) && e.payload.runIds.includes(runId)) ||
    (Array.isArray(e.payload.updates) && (e.payload.updates as { runId: number }[]).some((u) => u.runId === runId))) && more(e.payload);

function scl(args: string[]): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args, '--db', db], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  return { child, exited: new Promise((r) => child.once('exit', (code) => r(code))) };
}

function config(name: string, over: Record<string, unknown> = {}): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify({ ...ufm, ...over }));
  return file;
}

async function get(id: number) {
  return call<{ status: string; statusDetail: string | null; lastStep: number | null; orphaned: boolean; result: { final: unknown } | null }>('runs.get', { id });
}

async function waitRun(id: number, pred: (r: Awaited<ReturnType<typeof get>>) => boolean, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const r = await get(id);
      if (pred(r)) return r;
    } catch {
      // not there yet
    }
    if (Date.now() > deadline) throw new Error(`run ${id} never matched`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  dir = tempDir();
  db = join(dir, 'lab.sqlite');
  srv = await startServer({ db, concurrency: 1, log: () => {}, rendererDir: join(dir, 'none'), watch: { pollMs: 100, livenessMs: 500 } });
  ws = new WebSocket(`ws://127.0.0.1:${srv.port}/events?token=${srv.token}`);
  ws.on('message', (d) => {
    const f = JSON.parse(String(d));
    seen.push({ event: f.event, payload: f.payload, at: Date.now() });
  });
  await new Promise((r) => ws.once('open', r));
});

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

afterAll(async () => {
  ws?.close();
  await srv?.close();
  removeTempDirs();
});

describe('an app open while the CLI works', () => {
  it('sees a CLI run appear and move; after SIGKILL it turns interrupted within the liveness window; Resume from the app finishes it', async () => {
    const { child, exited } = scl(['run', '--config', config('a'), '-q']);
    await until(ev('run.status', 1));
    await until(ev('run.progress', 1, (p) => (p.epoch as number) > 0));
    await until(ev('metrics.flushed', 1));
    await waitRun(1, (r) => (r.lastStep ?? 0) > 500);
    child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    const interrupted = await until(ev('run.status', 1, (p) => p.status === 'interrupted'), 10_000);
    expect(interrupted.at - killedAt).toBeLessThan(3000); // liveness window 0.5 s + poll 0.1 s, on a busy machine
    const run = await get(1);
    expect(run.status).toBe('interrupted');
    expect(run.statusDetail).toBe(`interrupted: owner process ${child.pid} is no longer running`);

    expect(await call('runs.resume', { id: 1 })).toEqual({ ok: true });
    const done = await waitRun(1, (r) => r.status === 'finished', 90_000);
    expect(done.lastStep).toBe(3000);
    expect(done.result?.final).not.toBeNull();
  }, 180_000);

  it('cancels a run of a live CLI process (no 409), and the CLI exits as cancelled', async () => {
    const { exited } = scl(['run', '--config', config('long', { epochs: 5_000_000, evalEvery: 1000 }), '-q']);
    const id = ((await until((e) => e.event === 'run.status' && (e.payload.runId as number) > 1)).payload.runId) as number;
    await waitRun(id, (r) => r.status === 'running' && (r.lastStep ?? 0) > 10);
    expect(await call('runs.cancel', { id })).toEqual({ ok: true });
    expect(await exited).toBe(130);
    const r = await get(id);
    expect(r.status).toBe('cancelled');
    await until(ev('run.status', id, (p) => p.status === 'cancelled'), 5000);
  }, 120_000);

  it('deleting a live CLI run cancels it first and waits until its worker stopped writing', async () => {
    const { exited } = scl(['run', '--config', config('del', { epochs: 5_000_000, evalEvery: 10 }), '-q']);
    const id = ((await until((e) => e.event === 'run.status' && (e.payload.runId as number) > 2 && !seen.some((x) => x.payload.runId === e.payload.runId && x.payload.status === 'cancelled'))).payload.runId) as number;
    await waitRun(id, (r) => r.status === 'running' && (r.lastStep ?? 0) > 20);
    expect(await call('runs.delete', { ids: [id] })).toEqual({ deleted: 1 });
    const r = await get(id);
    expect(r.status).toBe('cancelled'); // the delete answered only after the run stopped
    expect(await exited).toBe(130);
    const step = (await get(id)).lastStep;
    await new Promise((ok) => setTimeout(ok, 1500));
    expect((await get(id)).lastStep).toBe(step); // nothing writes it any more
    expect((await call<{ runs: { id: number }[] }>('trash.list', {})).runs.map((x) => x.id)).toContain(id);
  }, 120_000);

  it('runs the queued runs of a killed process', async () => {
    const spec = join(dir, 'sweep.json');
    writeFileSync(spec, JSON.stringify({ name: 'k', base: ufm, grid: { epochs: [5_000_000, 200, 300] } }));
    const before = (await call<{ total: number }>('runs.list', {})).total + (await call<{ total: number }>('trash.list', {})).total;
    const { child, exited } = scl(['sweep', '--spec', spec, '-j', '1', '-q']);
    const first = before + 1;
    await waitRun(first, (r) => r.status === 'running' && (r.lastStep ?? 0) > 0);
    child.kill('SIGKILL');
    await exited;
    for (const id of [first + 1, first + 2]) await waitRun(id, (r) => r.status === 'finished', 90_000);
    expect((await get(first)).status).toBe('interrupted');
    expect((await get(first + 2)).lastStep).toBe(300);
  }, 180_000);

  it('tags, notes and deletes made by the CLI reach the app within a second', async () => {
    const { id } = await call<{ id: number }>('runs.create', { config: { ...ufm, epochs: 100 } });
    await waitRun(id, (r) => r.status === 'finished');
    const { exited } = scl(['tag', String(id), 'from-cli']);
    expect(await exited).toBe(0);
    const t0 = Date.now();
    const e = await until(ev('runs.changed', id, () => true), 5000);
    expect(e.at - t0).toBeLessThan(1000);
    expect(((await call<{ tags: string[] }>('runs.get', { id })).tags)).toEqual(['from-cli']);
    seen.length = 0;
    const notes = scl(['notes', String(id), 'written in a terminal']);
    expect(await notes.exited).toBe(0);
    const t1 = Date.now();
    expect((await until(ev('runs.changed', id), 5000)).at - t1).toBeLessThan(1000);
    expect((await call<{ notes: string }>('runs.get', { id })).notes).toBe('written in a terminal');
    seen.length = 0;
    const del = scl(['delete', String(id)]);
    expect(await del.exited).toBe(0);
    await until(ev('runs.changed', id), 5000);
    const trash = await call<{ runs: { id: number }[] }>('trash.list', {});
    expect(trash.runs.map((r) => r.id)[0]).toBe(id); // most recently deleted first
  }, 60_000);
});

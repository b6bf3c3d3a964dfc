import { spawnSync } from 'node:child_process';
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { processAlive, STALE_HEARTBEAT_MS } from '../../src-main/store';
import { freshStore, newRun } from './helpers';

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
  expect(child.status).toBe(0);
  return child.pid!;
}

describe('reconcile', () => {
  it('interrupts runs whose owner died, leaves live ones alone', () => {
    const store = freshStore();
    const dead = deadPid();
    expect(processAlive(dead)).toBe(false);
    expect(processAlive(process.pid)).toBe(true);

    const orphan = newRun(store);
    store.markStarted(orphan, { backend: 'cpu', ownerPid: dead });
    const alive = newRun(store);
    store.markStarted(alive, { backend: 'cpu', ownerPid: process.pid });
    const queued = newRun(store);
    const finished = newRun(store);
    store.markStarted(finished, { backend: 'cpu', ownerPid: dead });
    store.finishRun(finished, 'finished');

    expect(store.reconcile()).toEqual([orphan]);
    const o = store.getRun(orphan);
    expect(o.status).toBe('interrupted');
    expect(o.statusDetail).toMatch(new RegExp(`owner process ${dead} is no longer running`));
    expect(o.finishedAt).not.toBeNull();
    expect(store.getRun(alive).status).toBe('running');
    expect(store.getRun(queued).status).toBe('queued');
    expect(store.getRun(finished).status).toBe('finished');
    expect(store.reconcile()).toEqual([]); // idempotent
  });

  it('interrupts runs whose heartbeat is older than 30 s even if the pid is alive (pid reuse)', () => {
    const store = freshStore();
    const stale = newRun(store);
    store.markStarted(stale, { backend: 'cpu', ownerPid: process.pid });
    const fresh = newRun(store);
    store.markStarted(fresh, { backend: 'cpu', ownerPid: process.pid });
    const t = store.getRun(stale).heartbeatAt!;
    const now = t + STALE_HEARTBEAT_MS + 5_000; // reconcile as if 35 s had passed...
    const db = (store as unknown as { ctx: { db: Database.Database } }).ctx.db;
    db.prepare('UPDATE runs SET heartbeat_at = ? WHERE id = ?').run(now - 1_000, fresh); // ...with fresh beating 1 s ago
    expect(store.reconcile(now)).toEqual([stale]);
    expect(store.getRun(stale).statusDetail).toMatch(/no heartbeat for 35 s \(limit 30 s\)/);
    expect(store.getRun(fresh).status).toBe('running');
  });

  it('lets the runner finish an interrupted run that turns out to be alive', () => {
    const store = freshStore();
    const id = newRun(store);
    store.markStarted(id, { backend: 'cpu', ownerPid: deadPid() });
    store.reconcile();
    store.finishRun(id, 'finished');
    expect(store.getRun(id).status).toBe('finished');
  });
});

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src-main/api/schema/config';
import { judge } from '../../src-main/store';
import { exampleConfig } from '../cli/helpers';
import { freshStore, newRun, open } from './helpers';

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
  expect(child.status).toBe(0);
  return child.pid!;
}

describe('one liveness rule on every read', () => {
  it('a read-only reader shows a dead owner\'s running run as interrupted, with the reason; the row is untouched', () => {
    const writer = freshStore();
    const dead = deadPid();
    const id = newRun(writer);
    writer.markStarted(id, { backend: 'cpu', ownerPid: dead });
    const live = newRun(writer);
    writer.markStarted(live, { backend: 'cpu', ownerPid: process.pid });

    const reader = open(writer.file, { readonly: true });
    const r = reader.getRun(id);
    expect(r.status).toBe('interrupted');
    expect(r.storedStatus).toBe('running');
    expect(r.statusDetail).toBe(`interrupted: owner process ${dead} is no longer running`);
    expect(r.finishedAt).not.toBeNull();
    expect(reader.getRun(live).status).toBe('running');
    // filters judge too: the dead run is listed as interrupted, not running
    expect(reader.listRuns({ status: 'interrupted' }).map((x) => x.id)).toEqual([id]);
    expect(reader.listRuns({ status: 'running' }).map((x) => x.id)).toEqual([live]);
    // the writer persists it
    expect(writer.reconcile()).toEqual([id]);
    expect(reader.getRun(id).storedStatus).toBe('interrupted');
  });

  it('a run on another host is judged by its heartbeat only; a silent one is interrupted after 30 s', () => {
    const base = { status: 'running', ownerPid: 1, ownerHost: 'elsewhere', startedAt: 0, createdAt: 0 };
    const dead = () => false;
    expect(judge({ ...base, heartbeatAt: 10_000 }, 20_000, { isAlive: dead, host: 'here' }).kind).toBe('ok');
    const v = judge({ ...base, heartbeatAt: 10_000 }, 50_000, { isAlive: dead, host: 'here' });
    expect(v).toMatchObject({ kind: 'interrupted', detail: 'interrupted: no heartbeat for 40 s (limit 30 s)', since: 10_000 });
  });

  it('queued runs of a dead process are orphaned, and the next process adopts them oldest first', () => {
    const store = freshStore();
    const dead = deadPid();
    const a = newRun(store);
    const b = newRun(store);
    const mine = newRun(store);
    expect(store.claimQueued(a, dead)).toBe(true);
    expect(store.claimQueued(b, dead)).toBe(true);
    expect(store.claimQueued(mine, process.pid)).toBe(true);
    const reader = open(store.file, { readonly: true });
    expect(reader.getRun(a)).toMatchObject({ status: 'queued', orphaned: true });
    expect(reader.getRun(a).statusDetail).toMatch(new RegExp(`queued by process ${dead}, which is no longer running`));
    expect(reader.getRun(mine).orphaned).toBe(false);

    const other = open(store.file);
    expect(other.adoptOrphans(process.pid)).toEqual([a, b]);
    expect(reader.getRun(a)).toMatchObject({ status: 'queued', orphaned: false, ownerPid: process.pid });
    expect(other.adoptOrphans(process.pid)).toEqual([]);
  });

  it('a queued placeholder of a Slurm task is neither orphaned nor adopted, however old (the cluster runs it)', () => {
    const store = freshStore();
    const sweepId = store.createSweep('on slurm', { base: {}, grid: {} });
    const task = newRun(store, { sweepId });
    const plain = newRun(store);
    store.recordClusterSweep(sweepId, { scheduler: 'slurm', folder: '/shared/sweep', options: {}, runIds: [task] });
    const later = Date.now() + 10 * 60_000;
    const reader = open(store.file, { readonly: true });
    expect(reader.getRun(task)).toMatchObject({ status: 'queued', orphaned: false });
    expect(store.adoptOrphans(process.pid, { now: later })).toEqual([plain]);
    expect(reader.getRun(task).ownerPid).toBeNull();
  });
});

describe('one cancel request', () => {
  it('cancels a queued run at once and asks the owner of a running one', () => {
    const store = freshStore();
    const q = newRun(store);
    const r = newRun(store);
    store.markStarted(r, { backend: 'cpu', ownerPid: process.pid });
    const cli = open(store.file);
    expect(cli.requestCancel(q)).toBe('cancelled');
    expect(store.getRun(q)).toMatchObject({ status: 'cancelled', statusDetail: 'cancelled while queued' });
    expect(cli.requestCancel(r)).toBe('requested');
    expect(store.heartbeat(r).cancelRequested).toBe(true);
    expect(() => cli.requestCancel(q)).toThrow(/run \d+ is cancelled; only a queued or running run can be cancelled/);
  });
});

describe('change log', () => {
  it('raises a run\'s seq for row, tag and metric changes and a purge; data_version moves for other connections', () => {
    const store = freshStore();
    const watcher = open(store.file, { readonly: true });
    const id = newRun(store);
    const other = newRun(store);
    const v0 = watcher.dataVersion();
    const s0 = watcher.lastChangeSeq();
    store.addTag(id, 'x');
    expect(watcher.dataVersion()).not.toBe(v0);
    expect(watcher.changesSince(s0).map((c) => c.runId)).toEqual([id]);
    const s1 = watcher.lastChangeSeq();
    const w = store.metricWriter();
    w.write({ runId: other, key: 'train/loss', step: 3, value: 1 });
    w.flush();
    expect(watcher.changesSince(s1).map((c) => c.runId)).toEqual([other]);
    const s2 = watcher.lastChangeSeq();
    store.setNotes(id, 'n');
    store.removeTag(id, 'x');
    expect(watcher.changesSince(s2).map((c) => c.runId)).toEqual([id]); // once, with its latest seq
  });
});

describe('trash', () => {
  it('restores a deleted run with everything, and emptying deletes every row and shrinks the file', () => {
    const store = freshStore();
    const keep = newRun(store);
    const gone = newRun(store);
    const w = store.metricWriter();
    for (let step = 0; step < 20_000; step++) w.write({ runId: gone, key: 'train/loss', step, value: Math.sin(step) });
    w.write({ runId: keep, key: 'train/loss', step: 0, value: 1 });
    w.flush();
    store.saveCheckpoint(gone, 5, new Uint8Array(200_000).fill(7));
    store.addTag(gone, 't');
    store.finishRun(gone, 'finished');

    store.deleteRun(gone);
    expect(store.listRuns().map((r) => r.id)).toEqual([keep]);
    expect(store.listRuns({ onlyDeleted: true }).map((r) => r.id)).toEqual([gone]);
    store.restoreRun(gone);
    expect(store.getSeries(gone, 'train/loss', { buckets: 100_000 }).total).toBe(20_000);
    expect(store.getRun(gone).tags).toEqual(['t']);
    expect(store.latestCheckpoint(gone)?.step).toBe(5);

    expect(() => store.purgeDeleted([gone])).toThrow(/run \d+ is not in the trash; delete it first/);
    store.deleteRun(gone);
    store.walCheckpoint();
    const before = fs.statSync(store.file).size;
    const report = store.purgeDeleted();
    expect(report.purged).toEqual([gone]);
    expect(fs.statSync(store.file).size).toBeLessThan(before);
    expect(report.bytesAfter).toBeLessThan(report.bytesBefore);
    expect(() => store.getRun(gone)).toThrow(/does not exist/);
    const c = store.check();
    expect(c.integrity).toBe('ok');
    expect(c.counts).toMatchObject({ runs: 1, scalars: 1, checkpoints: 0 });
  });

  it('refuses to purge an active run', () => {
    const store = freshStore();
    const id = newRun(store);
    store.markStarted(id, { backend: 'cpu', ownerPid: process.pid });
    store.deleteRun(id);
    expect(() => store.purgeDeleted()).toThrow(/run \d+ is running; cancel it before emptying the trash/);
  });
});

describe('import', () => {
  it('active runs (queued or running elsewhere) arrive interrupted', () => {
    const src = freshStore();
    // import validates every config with the run schema: a real one
    const config = parseRunConfig({ ...exampleConfig }) as unknown as Record<string, unknown>;
    const q = newRun(src, { config, seed: 0 });
    const r = newRun(src, { config, seed: 0 });
    src.markStarted(r, { backend: 'cpu', ownerPid: process.pid });
    const bundle = JSON.parse(JSON.stringify(src.exportRuns()));
    const dst = freshStore();
    dst.importRuns(bundle);
    const byUuid = (id: number) => dst.getRunByUuid(src.getRun(id).uuid)!;
    expect(byUuid(q)).toMatchObject({ status: 'interrupted', storedStatus: 'interrupted', statusDetail: 'interrupted: imported while queued elsewhere', ownerPid: null });
    expect(byUuid(r)).toMatchObject({ status: 'interrupted', statusDetail: 'interrupted: imported while running elsewhere' });
  });
});

/**
 * One truthful state across processes, from the terminal: a SIGKILLed run reads interrupted in read-only
 * commands, queued runs of a killed process are taken over by the next `scl-lab run`, and the trash keeps
 * its promise (restore brings back the series, empty shrinks the file).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src-main/store';
import { BIN, cli, exampleConfig, tempDir, writeJson } from './helpers';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function lab(): { dir: string; db: string } {
  const dir = tempDir();
  dirs.push(dir);
  return { dir, db: join(dir, 'lab.sqlite') };
}

/** Starts a CLI command in the background. */
export function background(args: string[]): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited };
}

/** Polls the database (read-only) until `pred` holds for run `id`. */
async function waitFor(db: string, id: number, pred: (r: { status: string; lastStep: number | null }) => boolean, ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      const s = openStore(db, { readonly: true });
      try {
        const r = s.getRun(id);
        if (pred(r)) return r;
      } finally {
        s.close();
      }
    } catch {
      // not created yet
    }
    if (Date.now() > deadline) throw new Error(`run ${id} never matched`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('SIGKILL a CLI run', () => {
  it('read-only list, show and export then show it interrupted with the reason, without writing', async () => {
    const { dir, db } = lab();
    const cfg = writeJson(dir, 'long.json', { ...exampleConfig, epochs: 5_000_000, evalEvery: 1000 });
    const { child, exited } = background(['run', '--config', cfg, '--db', db, '-q']);
    await waitFor(db, 1, (r) => r.status === 'running' && (r.lastStep ?? 0) > 100);
    child.kill('SIGKILL');
    await exited;

    const l = cli(['list', '--json', '--db', db]);
    expect(l.code, l.stderr).toBe(0);
    const [run] = JSON.parse(l.stdout);
    expect(run.status).toBe('interrupted');
    expect(run.statusDetail).toBe(`interrupted: owner process ${child.pid} is no longer running`);
    expect(run.storedStatus).toBe('running'); // read-only: nothing was written
    expect(cli(['list', '--db', db]).stdout).toMatch(/^\s+1 interrupted /);
    expect(JSON.parse(cli(['show', '1', '--json', '--db', db]).stdout).status).toBe('interrupted');
    expect(JSON.parse(cli(['export', '1', '--db', db]).stdout).runs[0].status).toBe('interrupted');
    const c = cli(['cancel', '1', '--db', db]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/run 1 is interrupted; there is nothing to cancel/);
  }, 90_000);
});

describe('queued runs of a killed process', () => {
  it('read as orphaned, and the next scl-lab run runs them to the end', async () => {
    const { dir, db } = lab();
    const spec = writeJson(dir, 'sweep.json', {
      name: 'three',
      base: { ...exampleConfig, evalEvery: 100 },
      grid: { epochs: [5_000_000, 300, 400] },
    });
    const { child, exited } = background(['sweep', '--spec', spec, '--db', db, '-j', '1', '-q']);
    await waitFor(db, 1, (r) => r.status === 'running' && (r.lastStep ?? 0) > 0);
    child.kill('SIGKILL');
    await exited;

    const before = JSON.parse(cli(['list', '--json', '--db', db]).stdout) as { id: number; status: string; orphaned: boolean }[];
    expect(before.map((r) => [r.id, r.status, r.orphaned]).sort()).toEqual([[1, 'interrupted', false], [2, 'queued', true], [3, 'queued', true]]);
    expect(cli(['list', '--db', db]).stdout).toMatch(/^\s+2 orphaned /m);

    const short = writeJson(dir, 'short.json', { ...exampleConfig, epochs: 200 });
    const r = cli(['run', '--config', short, '--db', db, '-q', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/took over 2 queued run\(s\) of dead processes: 2, 3/);
    expect(JSON.parse(r.stdout).runId).toBe(4);
    const after = JSON.parse(cli(['list', '--json', '--db', db]).stdout) as { id: number; status: string; lastStep: number }[];
    expect(after.map((x) => [x.id, x.status]).sort()).toEqual([[1, 'interrupted'], [2, 'finished'], [3, 'finished'], [4, 'finished']]);
    expect(after.find((x) => x.id === 3)!.lastStep).toBe(400);
  }, 120_000);
});

describe('trash', () => {
  it('delete, list, restore (series intact), empty (the file shrinks and it says how much)', () => {
    const { dir, db } = lab();
    const cfg = writeJson(dir, 'cfg.json', { ...exampleConfig, epochs: 3000, evalEvery: 1 });
    expect(cli(['run', '--config', cfg, '--db', db, '-q']).code).toBe(0);
    const bundle = join(dir, 'bundle.json');
    const series = () => {
      expect(cli(['export', '1', '--db', db, '-o', bundle]).code).toBe(0);
      return JSON.parse(readFileSync(bundle, 'utf8')).runs[0].scalars['train/loss'];
    };
    const original = series();
    expect(original.steps.length).toBeGreaterThan(2000);
    expect(cli(['tag', '1', 'keep-me', '--db', db]).code).toBe(0);

    const d = cli(['delete', '1', '--db', db]);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/moved 1 run\(s\) to the trash/);
    expect(cli(['list', '--db', db]).stdout.trim()).toBe('no runs');
    expect(cli(['trash', 'list', '--db', db]).stdout).toMatch(/^\s+1 finished .*\[keep-me\]\s+deleted \d{4}-/);

    expect(cli(['trash', 'restore', '1', '--db', db]).stdout).toMatch(/restored 1 run/);
    expect(series()).toEqual(original);
    expect(JSON.parse(cli(['show', '1', '--json', '--db', db]).stdout).tags).toEqual(['keep-me']);
    expect(cli(['trash', 'list', '--db', db]).stdout.trim()).toBe('the trash is empty');

    cli(['delete', '1', '--db', db]);
    const size = statSync(db).size + (() => { try { return statSync(`${db}-wal`).size; } catch { return 0; } })();
    const e = cli(['trash', 'empty', '--db', db, '--json']);
    expect(e.code, e.stderr).toBe(0);
    const report = JSON.parse(e.stdout);
    expect(report.purged).toEqual([1]);
    expect(report.bytesBefore).toBe(size);
    expect(report.bytesFreed).toBeGreaterThan(0);
    expect(statSync(db).size).toBeLessThan(size);
    expect(cli(['show', '1', '--db', db]).stderr).toMatch(/run 1 does not exist/);
    const check = JSON.parse(cli(['db', 'check', '--json', '--db', db]).stdout);
    expect(check).toMatchObject({ integrity: 'ok', counts: { runs: 0, scalars: 0, snapshots: 0, checkpoints: 0 } });
    const again = cli(['trash', 'empty', '--db', db]);
    expect(again.stdout.trim()).toBe('the trash is empty');
  }, 90_000);
});

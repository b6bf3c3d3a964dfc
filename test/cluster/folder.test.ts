/**
 * The sweep folder without a scheduler: `sweep --slurm --dry-run` writes it (script with every flag), a task run
 * by hand fills its shard (rollback journal, same uuid), `slurm collect --folder` brings it into the database it
 * came from (in place) or another one (a copied folder), idempotently; bad input gets exit 2 and a clear message.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { cli, tempDir, writeJson } from '../cli/helpers';

const base = {
  kind: 'ufm', classes: 3, dim: 6, imbalance: { profile: 'balanced', nMax: 4 }, relu: true, temperature: 1,
  batching: { strategy: 'full', binding: false }, optimizer: { name: 'gd', lr: 0.05 }, epochs: 60, evalEvery: 20,
};
const spec = { name: 'dry', base, grid: { relu: [true, false] }, seeds: [0, 1] };

const dirs: string[] = [];
function dir(): string {
  const d = tempDir('scl-slurm-folder-');
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dryRun(d: string, extra: string[] = []) {
  const specFile = writeJson(d, 'spec.json', spec);
  return cli(['sweep', '--spec', specFile, '--slurm', '--dry-run', '--json', '--slurm-dir', join(d, 'sweeps'), '--db', join(d, 'main.sqlite'), ...extra]);
}

const listJson = (db: string) => JSON.parse(cli(['list', '--json', '--db', db]).stdout) as { id: number; uuid: string; status: string }[];

describe('sweep --slurm --dry-run', () => {
  it('records the sweep as queued placeholders and writes one config per run and an annotated job-array script', () => {
    const d = dir();
    const r = dryRun(d, ['--partition', 'gpu', '--time', '1-02:00:00', '--cpus-per-task', '4', '--mem', '8G', '--gres', 'gpu:1',
      '--account', 'lab', '--qos', 'normal', '--array-limit', '2', '--sbatch-arg', '--constraint=a100', '--sbatch-arg=--exclusive',
      '--setup', 'module load cuda', '--setup', 'echo ready', '--backend', 'cpu']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out).sort()).toEqual(['folder', 'jobId', 'runIds', 'sweepId']);
    expect(out.jobId).toBeNull();
    expect(out.runIds).toEqual([1, 2, 3, 4]);
    const script = readFileSync(join(out.folder, 'job.sbatch'), 'utf8');
    for (const l of ['--array=0-3%2', '--partition=gpu', '--time=1-02:00:00', '--cpus-per-task=4', '--mem=8G', '--gres=gpu:1',
      '--account=lab', '--qos=normal', '--constraint=a100', '--exclusive', '--requeue', '--open-mode=append']) {
      expect(script).toMatch(new RegExp(`^#SBATCH ${l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+# \\S`, 'm'));
    }
    expect(script.indexOf('module load cuda\necho ready')).toBeLessThan(script.indexOf('exec "$NODE" "$SCL_LAB" slurm task'));
    expect(script).toContain("export SCL_LAB_BACKEND='cpu'");
    const manifest = JSON.parse(readFileSync(join(out.folder, 'sweep.json'), 'utf8'));
    const runs = listJson(join(d, 'main.sqlite'));
    expect(runs.map((x) => x.status)).toEqual(['queued', 'queued', 'queued', 'queued']);
    expect(manifest.tasks.map((t: { runUuid: string }) => t.runUuid)).toEqual([...runs].reverse().map((x) => x.uuid));
    const task2 = JSON.parse(readFileSync(join(out.folder, 'runs', 'task-2.json'), 'utf8'));
    expect(task2.runs[0].uuid).toBe(manifest.tasks[2].runUuid);
    expect(task2.runs[0].config).toMatchObject({ relu: false, seed: 0, epochs: 60 });
  });

  it('refuses bad Slurm flags, naming the flag, before recording anything', () => {
    for (const [flag, value, msg] of [
      ['--time', 'soon', /--time: "soon" is not a Slurm time/],
      ['--mem', 'lots', /--mem: "lots" is not a Slurm memory size/],
      ['--gres', 'gpu 1', /--gres: "gpu 1" is not a Slurm gres/],
      ['--partition', 'a;b', /--partition: "a;b" is not a Slurm name/],
      ['--sbatch-arg', 'exclusive', /--sbatch-arg: "exclusive" is not one sbatch option/],
    ] as const) {
      const d = dir();
      const r = dryRun(d, [flag, value]);
      expect(r.code, flag).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(listJson(join(d, 'main.sqlite'))).toEqual([]);
    }
  });

  it('without sbatch on PATH says so and records nothing', () => {
    const d = dir();
    const specFile = writeJson(d, 'spec.json', spec);
    const r = cli(['sweep', '--spec', specFile, '--slurm', '--slurm-dir', join(d, 'sweeps'), '--db', join(d, 'main.sqlite')], { PATH: join(d, 'empty') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no `sbatch` on PATH/);
    expect(listJson(join(d, 'main.sqlite'))).toEqual([]);
  });
});

describe('a task, its shard and collect', () => {
  it('a task runs its run into a rollback-journal shard; collect replaces the placeholder in place, and imports a copied folder elsewhere', () => {
    const d = dir();
    const { folder, runIds, sweepId } = JSON.parse(dryRun(d, ['--backend', 'cpu']).stdout);
    const db = join(d, 'main.sqlite');
    const t = cli(['slurm', 'task', '--folder', folder, '--index', '1'], { SCL_LAB_BACKEND: 'cpu' });
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/starting run \S+ \(60 epochs\)[\s\S]*finished at epoch 60/);
    const shard = new Database(join(folder, 'shards', 'task-1.sqlite'), { readonly: true });
    try {
      expect(shard.pragma('journal_mode', { simple: true })).toBe('delete');
      expect(shard.prepare('SELECT uuid, status FROM runs').all()).toEqual([{ uuid: listJson(db).find((r) => r.id === runIds[1])!.uuid, status: 'finished' }]);
    } finally {
      shard.close();
    }
    // the task again: already finished, nothing to do
    expect(cli(['slurm', 'task', '--folder', folder, '--index', '1']).stdout).toMatch(/already finished in its shard/);

    const c = JSON.parse(cli(['slurm', 'collect', String(sweepId), '--json', '--db', db]).stdout);
    expect(c.collected).toEqual([expect.objectContaining({ index: 1, runId: runIds[1], action: 'replaced', status: 'finished' })]);
    expect(c.waiting.map((w: { index: number }) => w.index)).toEqual([0, 2, 3]);
    const shown = JSON.parse(cli(['show', String(runIds[1]), '--json', '--db', db]).stdout);
    expect(shown.status).toBe('finished');
    expect(shown.summaries['train/epochLoss'].lastStep).toBe(60);
    expect(shown.result.final.deltaOF).toEqual(expect.any(Number));
    const again = JSON.parse(cli(['slurm', 'collect', '--folder', folder, '--json', '--db', db]).stdout);
    expect(again.collected.map((x: { action: string }) => x.action)).toEqual(['unchanged']);

    // the folder copied to a desktop: its runs come in with their sweep
    const other = join(d, 'desktop.sqlite');
    const imp = cli(['slurm', 'collect', '--folder', folder, '--db', other]);
    expect(imp.code, imp.stderr).toBe(0);
    expect(imp.stdout).toMatch(/collected 1 run\(s\)/);
    const there = listJson(other);
    expect(there).toEqual([expect.objectContaining({ uuid: shown.uuid, status: 'finished' })]);

    // status without Slurm asked: the dry run was never submitted; the shard's progress shows
    const st = JSON.parse(cli(['slurm', 'status', String(sweepId), '--json', '--db', db]).stdout);
    expect(st.tasks.map((x: { slurmState: string }) => x.slurmState)).toEqual(['NOT SUBMITTED', 'NOT SUBMITTED', 'NOT SUBMITTED', 'NOT SUBMITTED']);
    expect(st.tasks[1].shard).toMatchObject({ status: 'finished', epoch: 60, epochs: 60 });
  }, 60_000);

  it('a task that cannot see its sweep folder says so; bad ids and arguments exit 2', () => {
    const d = dir();
    const missing = cli(['slurm', 'task', '--folder', join(d, 'nowhere'), '--index', '0']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read the sweep manifest .*nowhere\/sweep\.json \(ENOENT\) on \S+: is the sweep folder on a file system this node shares\?/);
    const { folder } = JSON.parse(dryRun(d).stdout);
    const range = cli(['slurm', 'task', '--folder', folder, '--index', '9']);
    expect(range.code).toBe(2);
    expect(range.stderr).toMatch(/task 9 is not in .*sweep\.json \(it has tasks 0-3\)/);
    const db = join(d, 'main.sqlite');
    const local = writeJson(d, 'local.json', { ...spec, seeds: [0], grid: {} });
    expect(cli(['sweep', '--spec', local, '-q', '--db', db]).code).toBe(0);
    const notSlurm = cli(['slurm', 'status', '2', '--db', db]);
    expect(notSlurm.code).toBe(2);
    expect(notSlurm.stderr).toMatch(/sweep 2 was not scheduled on Slurm/);
    const neither = cli(['slurm', 'collect', '--db', db]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/give a sweep id or --folder DIR/);
    const cancelDry = cli(['slurm', 'cancel', '1', '--db', db]);
    expect(cancelDry.code).toBe(2);
    expect(cancelDry.stderr).toMatch(/never submitted \(--dry-run\)/);
  }, 60_000);
});

/**
 * Crash safety, as a user meets it: a real `scl-lab run` is killed with SIGKILL mid-run. The database must
 * pass integrity_check, the run must show `interrupted` at the next start, its metrics must reach to within
 * 250 ms of the kill, and `resume` must complete it with a gap-free, duplicate-free series.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli, exampleConfig, tempDir, writeJson } from '../cli/helpers';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('crash test: SIGKILL mid-run', () => {
  it('leaves a consistent database; the run becomes interrupted; resume completes it without gaps', async () => {
    const dir = tempDir();
    const db = join(dir, 'lab.sqlite');
    const epochs = 6000;
    const cfg = writeJson(dir, 'long.json', {
      ...exampleConfig,
      classes: 6,
      dim: 12,
      imbalance: { profile: 'step', nMax: 40, ratio: 10, minorityFraction: 0.5 },
      batching: { strategy: 'reshuffle', batchSize: 16, binding: true, stepPer: 'batch' },
      epochs,
      evalEvery: 500,
    });
    const child = spawn(process.execPath, [BIN, 'run', '--config', cfg, '--db', db, '--json', '-q'], { stdio: 'ignore' });

    // wait until the run has stored a few hundred epochs, then kill it without warning
    const reader = () => new Database(db, { readonly: true, fileMustExist: true });
    let stored = 0;
    for (let i = 0; i < 300 && stored < 400; i++) {
      await sleep(100);
      try {
        const r = reader();
        stored = (r.prepare("SELECT COUNT(*) AS n FROM scalars s JOIN metric_keys k ON k.id = s.key_id WHERE k.name = 'train/epochLoss'").get() as { n: number }).n;
        r.close();
      } catch {
        /* the database may not exist yet */
      }
    }
    if (stored < 400) child.kill('SIGKILL'); // a failed wait must not leave the 6,000-epoch run going after the test
    expect(stored).toBeGreaterThanOrEqual(400);
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const raw = new Database(db);
    expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    const before = raw.prepare('SELECT status FROM runs WHERE id = 1').get() as { status: string };
    expect(before.status).toBe('running'); // nobody has looked yet
    const lastWall = (raw.prepare('SELECT MAX(wall_ms) AS w FROM scalars WHERE run_id = 1').get() as { w: number }).w;
    raw.close();
    expect(killedAt - lastWall).toBeLessThanOrEqual(250);

    // the next start (any scl-lab command that opens the database for writing) reconciles it
    const show = cli(['list', '--json', '--db', db]);
    expect(show.code, show.stderr).toBe(0);
    const tagNow = cli(['tag', '1', 'crashed', '--db', db]);
    expect(tagNow.code, tagNow.stderr).toBe(0);
    expect(tagNow.stderr).toMatch(/interrupted: 1/);
    const listed = JSON.parse(cli(['list', '--json', '--db', db]).stdout);
    expect(listed[0].status).toBe('interrupted');

    const resumed = cli(['resume', '1', '--json', '-q', '--db', db]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const result = JSON.parse(resumed.stdout);
    expect(result.status).toBe('finished');
    expect(result.runId).toBe(1);
    expect(result.final.epoch).toBe(epochs);
    expect(result.history.map((h: { epoch: number }) => h.epoch)).toEqual(Array.from({ length: epochs / 500 + 1 }, (_, i) => i * 500));

    const after = new Database(db, { readonly: true });
    const steps = after
      .prepare("SELECT s.step FROM scalars s JOIN metric_keys k ON k.id = s.key_id WHERE s.run_id = 1 AND k.name = 'train/epochLoss' ORDER BY s.step")
      .all() as { step: number }[];
    expect(steps.length).toBe(epochs);
    expect(steps[0].step).toBe(1);
    expect(steps.at(-1)!.step).toBe(epochs);
    expect(steps.every((s, i) => s.step === i + 1)).toBe(true);
    expect(after.pragma('integrity_check', { simple: true })).toBe('ok');
    after.close();
  }, 120_000);
});

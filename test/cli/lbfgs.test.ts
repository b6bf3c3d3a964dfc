import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { runResultSchema } from '../../src-main/api/schema/result';
import { cli, exampleConfig, tempDir, writeJson } from './helpers';

const lbfgsConfig = {
  ...exampleConfig,
  batching: { strategy: 'full', stepPer: 'epoch' },
  optimizer: { name: 'lbfgs', history: 10 },
  epochs: 2000,
  evalEvery: 5,
  stop: { deltaOFBelow: 1e-3 },
};

describe('scl-lab with the lbfgs optimiser and a stop rule', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('run --json stops on reaching Delta_OF < 1e-3, records why and the evaluations; show says so', () => {
    const cfg = writeJson(dir, 'l.json', lbfgsConfig);
    const db = `${dir}/db.sqlite`;
    const r = cli(['run', '--config', cfg, '--json', '--db', db]);
    expect(r.code, r.stderr).toBe(0);
    const res = runResultSchema.parse(JSON.parse(r.stdout));
    expect(res.status).toBe('finished');
    expect(res.stopReason).toBe('reached');
    expect(res.final!.deltaOF).toBeLessThan(1e-3);
    expect(res.final!.epoch).toBeLessThan(2000);
    expect(res.final!.evals).toBeGreaterThanOrEqual(res.final!.epoch);
    expect(res.config).toMatchObject({ schemaVersion: 5, optimizer: { name: 'lbfgs', parametrization: 'projected' } }); // the default, stated
    const show = cli(['show', String(res.runId), '--db', db]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(new RegExp(`stopped: reached Delta_OF < 0.001 at epoch ${res.final!.epoch}`));
    expect(show.stdout).toMatch(/ufm lbfgs/);
    expect(show.stdout).toMatch(/loss-and-gradient evaluations/);
  });

  it('parametrization "squared" runs from the CLI too; the stored config states it, and a bad value exits 2', () => {
    const cfg = writeJson(dir, 'p.json', { ...lbfgsConfig, optimizer: { name: 'lbfgs', history: 10, parametrization: 'squared' } });
    const r = cli(['run', '--config', cfg, '--json', '--db', `${dir}/p.sqlite`]);
    expect(r.code, r.stderr).toBe(0);
    const res = runResultSchema.parse(JSON.parse(r.stdout));
    expect(res.stopReason).toBe('reached');
    expect(res.final!.deltaOF).toBeLessThan(1e-3);
    expect(res.config).toMatchObject({ optimizer: { name: 'lbfgs', parametrization: 'squared' } });
    expect(res.final!.repairs).toBeUndefined(); // support repair belongs to the projected form
    const bad = writeJson(dir, 'b.json', { ...lbfgsConfig, optimizer: { name: 'lbfgs', parametrization: 'cubed' } });
    const e = cli(['run', '--config', bad, '--db', `${dir}/b.sqlite`]);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/optimizer\.parametrization/);
    expect(e.stderr).not.toMatch(/\n\s+at /);
  });

  it('a projected run that meets a spurious stationary point repairs it and says so; one that never meets one says "converged to L*"', () => {
    // k = 4 in d = 4: from seed 0 projected L-BFGS reaches a point where two classes share a coordinate (Delta_OF
    // ~0.61, a zero projected gradient 0.296 above L*) and leaves it by one support repair; from seed 1 it goes
    // straight to the OF. Both end at L* with a zero gradient. (no stop rule: stop undefined is dropped by JSON.stringify)
    const base = { ...lbfgsConfig, dim: 4, optimizer: { name: 'lbfgs', history: 10, parametrization: 'projected' }, epochs: 3000, evalEvery: 10, stop: undefined };
    const db = `${dir}/stuck.sqlite`;
    const lines: string[] = [];
    for (const seed of [0, 1]) {
      const r = cli(['run', '--config', writeJson(dir, `s${seed}.json`, { ...base, seed }), '--json', '--db', db]);
      expect(r.code, r.stderr).toBe(0);
      const res = runResultSchema.parse(JSON.parse(r.stdout));
      expect(res.stopReason).toBe('converged');
      expect(res.final!.deltaOF).toBeLessThan(1e-6);
      expect(Math.abs(res.final!.gap!)).toBeLessThan(1e-9); // the float64 objective (L-BFGS runs log it), not the float32 loss
      expect(res.final!.repairs).toBe(seed === 0 ? 1 : 0);
      const show = cli(['show', String(res.runId), '--db', db]);
      expect(show.code, show.stderr).toBe(0);
      lines.push(show.stdout.split('\n').find((l) => l.includes('stopped:')) ?? '');
    }
    expect(lines[0]).toMatch(/L-BFGS converged to L\* at epoch \d+ \(zero gradient to float precision\), after 1 support repair \(left a spurious stationary point/);
    expect(lines[1]).toMatch(/L-BFGS converged to L\* at epoch \d+ \(zero gradient to float precision\)$/);
  });

  it('lbfgs on reshuffled batches, and gapBelow without relu, are config errors naming the field (exit 2)', () => {
    const bad = writeJson(dir, 'bad.json', {
      ...lbfgsConfig,
      relu: false,
      batching: { strategy: 'reshuffle', batchSize: 4, stepPer: 'epoch' },
      stop: { gapBelow: 1e-3 },
    });
    const r = cli(['run', '--config', bad, '--db', `${dir}/db.sqlite`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/batching\.strategy: lbfgs needs "full" or "fixed"/);
    expect(r.stderr).toMatch(/stop\.gapBelow: needs relu: true/);
    const unknown = writeJson(dir, 'bad2.json', { ...lbfgsConfig, optimizer: { name: 'lbfgs', lr: 0.1 }, stop: { deltaOF: 1 } });
    const r2 = cli(['run', '--config', unknown, '--db', `${dir}/db.sqlite`]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/optimizer\.lr: unknown key/);
    expect(r2.stderr).toMatch(/stop\.deltaOF: unknown key/);
    expect(r2.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

/** `scl-lab run` / `analyze-batching` refuse configs over the machine's budget: exit 2, field and estimate named. */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, exampleConfig, tempDir, writeJson } from './helpers';

const dir = tempDir('scl-cli-budget-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI budget', () => {
  it('run with nMax 1e9: exit 2 within seconds, names imbalance.nMax and the estimate, stores nothing', () => {
    const db = join(dir, 'a.sqlite');
    const config = writeJson(dir, 'huge.json', { ...exampleConfig, classes: 2, relu: false, imbalance: { profile: 'balanced', nMax: 1e9 } });
    const t0 = Date.now();
    const r = cli(['run', '-c', config, '-q', '--db', db]);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/imbalance\.nMax: this config needs about [\d.]+ TB of memory .* more than the budget of/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const list = cli(['list', '--json', '--db', db]);
    if (existsSync(db)) expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('SCL_LAB_MEMORY_BUDGET overrides the budget (run and analyze-batching)', () => {
    const config = writeJson(dir, 'small.json', { ...exampleConfig, epochs: 10 });
    const r = cli(['run', '-c', config, '-q', '--db', join(dir, 'b.sqlite')], { SCL_LAB_MEMORY_BUDGET: '1K' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the budget of 1\.00 KB \(SCL_LAB_MEMORY_BUDGET\)/);
    const a = cli(['analyze-batching', '-c', config], { SCL_LAB_WORK_BUDGET: '10' });
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/epochs: .*SCL_LAB_WORK_BUDGET/);
    expect(cli(['analyze-batching', '-c', config, '--json']).code).toBe(0);
  });
});

/**
 * The leftover check of test/support/file-tmp.ts can fail: a nested vitest run with the project's setup files, on
 * one test file that cleans up after itself and one that leaves a folder behind, fails only the second, names
 * what it left, and leaves nothing in its temporary directory.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/tmp';

const ROOT = resolve(__dirname, '../..');
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

describe('test files that leave temporary files behind', () => {
  it('fail, with the names of what they left; files that clean up pass', () => {
    const project = tempDir('scl-temp-check-');
    const system = tempDir('scl-temp-check-tmp-'); // the nested run's "system" temporary directory
    // globals: the fixtures live outside the repository, where `import 'vitest'` would not resolve
    writeFileSync(
      join(project, 'leaky.test.mjs'),
      `import { mkdtempSync } from 'node:fs'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
       it('leaves a folder', () => { mkdtempSync(join(tmpdir(), 'leaky-')); });`,
    );
    writeFileSync(
      join(project, 'tidy.test.mjs'),
      `import { mkdtempSync, rmSync } from 'node:fs'; import { tmpdir } from 'node:os'; import { join } from 'node:path';
       it('removes its folder', () => { rmSync(mkdtempSync(join(tmpdir(), 'tidy-')), { recursive: true }); });`,
    );
    writeFileSync(
      join(project, 'vitest.config.mjs'),
      `export default { test: { globals: true, include: ['*.test.mjs'],
         globalSetup: [${JSON.stringify(join(ROOT, 'test/support/global-tmp.ts'))}],
         setupFiles: [${JSON.stringify(join(ROOT, 'test/support/file-tmp.ts'))}] } };`,
    );
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: system, NO_COLOR: '1', CI: 'true' };
    delete env['SCL_TEST_TMP'];
    delete env['VITEST'];
    delete env['VITEST_POOL_ID'];
    delete env['VITEST_WORKER_ID'];
    const r = spawnSync(process.execPath, [VITEST, 'run', '--root', project, '--config', join(project, 'vitest.config.mjs')], {
      cwd: project,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.status, out).toBe(1);
    expect(out).toMatch(/FAIL .*leaky\.test\.mjs/);
    expect(out).toMatch(/this test file left 1 entry in its temporary folder: leaky-\w+/);
    expect(out).not.toMatch(/FAIL .*tidy\.test\.mjs/);
    expect(out).toMatch(/Test Files\s+1 failed \| 1 passed/);
    expect(readdirSync(system)).toEqual([]); // the run's folder and the leaked one are gone
  }, 120_000);
});

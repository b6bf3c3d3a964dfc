/**
 * vitest setupFile: every test FILE gets its own temporary folder inside the run's (test/support/global-tmp.ts),
 * as TMPDIR for the file's code and every child process it starts (CLI, workers, `scl-lab serve`, Chromium).
 * After the file (this hook is registered first, so it runs after the file's own afterAll hooks and after
 * `tempDir()`'s clean-up) the folder must be empty: whatever is left fails the file, listed by name, and is then
 * removed. So a test that leaves files behind is found at once, whichever worker runs it.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, expect } from 'vitest';

const runDir = process.env['SCL_TEST_TMP'];
if (runDir) {
  const previous = process.env['TMPDIR'];
  const name = basename(expect.getState().testPath ?? 'test').replace(/[^\w.-]/g, '_');
  const dir = mkdtempSync(join(runDir, `${name}-`));
  process.env['TMPDIR'] = dir;

  afterAll(() => {
    if (previous === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previous;
    const left = readdirSync(dir);
    rmSync(dir, { recursive: true, force: true });
    if (left.length > 0) {
      throw new Error(
        `this test file left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in its temporary folder: ${left.slice(0, 10).join(', ')}` +
          `${left.length > 10 ? ', ...' : ''} (use tempDir() from test/support/tmp.ts, or remove them in afterAll)`,
      );
    }
  });
}

/**
 * vitest globalSetup: every test run gets its own temporary folder (TMPDIR, so os.tmpdir() in the tests and in
 * every child process they start: CLI, workers, Chromium). At the end the folder is removed, so a run leaves
 * nothing in the system's temporary directory even when a test forgets to clean up; what was left is listed
 * (`leftover temp entries`) so the test that leaks can be fixed. SCL_TEST_KEEP_TMP=1 keeps the folder.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  // vitest runs a globalSetup once per project (node, renderer, e2e): only the first one makes the folder
  if (process.env['SCL_TEST_TMP']) return () => {};
  const previous = process.env['TMPDIR'];
  const dir = mkdtempSync(join(tmpdir(), 'scl-lab-vitest-'));
  process.env['TMPDIR'] = dir;
  process.env['SCL_TEST_TMP'] = dir;
  return () => {
    delete process.env['SCL_TEST_TMP'];
    const left = readdirSync(dir);
    if (left.length > 0) {
      process.stderr.write(`test temp folder: ${left.length} leftover temp entries removed (${left.slice(0, 8).join(', ')}${left.length > 8 ? ', ...' : ''})\n`);
    }
    if (process.env['SCL_TEST_KEEP_TMP'] === '1') process.stderr.write(`test temp folder kept: ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
    if (previous === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previous;
  };
}

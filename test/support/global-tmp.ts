/**
 * vitest globalSetup: every test run gets its own temporary folder (TMPDIR, so os.tmpdir() in the tests and in
 * every child process they start: CLI, workers, Chromium). At the end the folder is removed, so a run leaves
 * nothing in the system's temporary directory even when a test forgets to clean up. Each test file works in its
 * own folder inside it (test/support/file-tmp.ts, which fails a file that leaves anything behind); what is still
 * left at the end is listed (`leftover temp entries`) and fails the run. SCL_TEST_KEEP_TMP=1 keeps the folder.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Names our tests and the programs they start would give entries in the system temporary directory. */
const OURS = /^(scl-|playwright|\.org\.chromium\.|\.com\.google\.Chrome|puppeteer|slurm|munge|vitest)/;

export default function setup(): () => void {
  // vitest runs a globalSetup once per project (node, renderer, e2e): only the first one makes the folder
  if (process.env['SCL_TEST_TMP']) return () => {};
  const previous = process.env['TMPDIR'];
  const system = tmpdir();
  const before = new Set(readdirSync(system));
  const dir = mkdtempSync(join(system, 'scl-lab-vitest-'));
  process.env['TMPDIR'] = dir;
  process.env['SCL_TEST_TMP'] = dir;
  return () => {
    delete process.env['SCL_TEST_TMP'];
    // each test file's folder (test/support/file-tmp.ts) is removed and checked when the file ends: anything
    // still here was left by a worker that died, or written past that folder
    const left = readdirSync(dir);
    if (left.length > 0) {
      process.stderr.write(`test temp folder: ${left.length} leftover temp entries (${left.slice(0, 8).join(', ')}${left.length > 8 ? ', ...' : ''})\n`);
      process.exitCode = 1;
    }
    if (process.env['SCL_TEST_KEEP_TMP'] === '1') process.stderr.write(`test temp folder kept: ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
    if (previous === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = previous;
    // written to the system's temporary directory despite TMPDIR (a hard-coded /tmp, a child started without
    // our environment); other programs on the machine write there too, so this only warns, by name
    const appeared = readdirSync(system).filter((e) => !before.has(e) && OURS.test(e) && !e.startsWith('scl-lab-vitest-'));
    if (appeared.length > 0) {
      process.stderr.write(`warning: ${appeared.length} new entries in ${system} that look like this run's, outside its folder: ${appeared.slice(0, 8).join(', ')}\n`);
    }
  };
}

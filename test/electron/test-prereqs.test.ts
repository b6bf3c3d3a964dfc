/** scripts/test-prereqs.js: what `npm test` checks first; --check reports missing system packages, one line each. */
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = resolve(__dirname, '../../scripts/test-prereqs.js');

describe('scripts/test-prereqs.js --check', () => {
  it('names a missing Chromium with how to get it and exits 2', () => {
    const r = spawnSync(process.execPath, [SCRIPT, '--check'], { env: { ...process.env, SCL_CHROMIUM: '/nonexistent/chromium' }, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^test-prereqs: missing Chromium \(the browser tests\): on Debian\/Ubuntu "sudo apt-get install chromium"; elsewhere .*SCL_CHROMIUM/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

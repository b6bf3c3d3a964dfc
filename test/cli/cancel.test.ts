/** `scl-lab cancel ID` from another process stops a run that a `scl-lab run` process is training. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, cli, exampleConfig, tempDir, writeJson } from './helpers';

describe('cancel across processes', () => {
  it('the running process stops at its next epoch and records a consistent cancelled run', async () => {
    const dir = tempDir();
    const db = join(dir, 'lab.sqlite');
    const cfg = writeJson(dir, 'long.json', { ...exampleConfig, epochs: 5_000_000, evalEvery: 1000 });
    const child = spawn(process.execPath, [BIN, 'run', '--config', cfg, '--db', db, '--json', '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    // wait until it is running
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const l = cli(['list', '--json', '--db', db]);
      if (l.code === 0 && JSON.parse(l.stdout)[0]?.status === 'running' && JSON.parse(l.stdout)[0]?.lastStep > 100) break;
    }
    const c = cli(['cancel', '1', '--db', db]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/cancel requested/);
    const code = await exited;
    expect(code).toBe(130);
    const result = JSON.parse(stdout);
    expect(result.status).toBe('cancelled');
    const shown = JSON.parse(cli(['show', '1', '--json', '--db', db]).stdout);
    expect(shown.status).toBe('cancelled');
    expect(shown.lastStep).toBeGreaterThan(100);
    expect(shown.lastStep).toBeLessThan(5_000_000);
    // a second cancel has nothing to stop
    const again = cli(['cancel', '1', '--db', db]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/run 1 is cancelled; there is nothing to cancel/);
  }, 60_000);
});

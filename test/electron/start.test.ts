/**
 * `npm start` where Electron cannot run (here: no Electron binary, no display): one line says what is missing and
 * how to get the window, and the same app is served to the browser (HTTP 200 on the printed URL) within seconds.
 * Needs `npm run build` first (npm start builds only when dist/ is stale).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
let dir: string | null = null;
let child: ChildProcess | null = null;

afterEach(async () => {
  if (child && child.exitCode === null && child.pid) {
    const exited = new Promise((r) => child!.once('exit', r));
    process.kill(-child.pid, 'SIGTERM');
    await exited;
  }
  child = null;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe('npm start without the Electron binary', () => {
  it('prints one line, then serves the app to the browser on the printed tokened URL', async () => {
    dir = mkdtempSync(join(tmpdir(), 'scl-lab-start-'));
    const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: join(dir, 'no-electron'), SCL_LAB_DB: join(dir, 'lab.sqlite') };
    delete env['DISPLAY'];
    delete env['WAYLAND_DISPLAY'];
    const t0 = Date.now();
    child = spawn('npm', ['start', '--silent'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => { err += d; });
    const url = await new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no URL within 20 s; stderr: ${err}`)), 20_000);
      child!.stdout!.on('data', (d) => {
        out += d;
        const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[0-9a-f]+)/.exec(out);
        if (m) { clearTimeout(timer); done(m[1]!); }
      });
      child!.once('exit', (code) => fail(new Error(`npm start exited ${code}; stderr: ${err}`)));
    });
    const seconds = (Date.now() - t0) / 1000;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<div id="app"');
    expect(seconds).toBeLessThan(15);
    const lines = err.trim().split('\n');
    expect(lines[0]).toMatch(/^npm start: no desktop window: Electron's binary is not installed .*serving the app to the browser instead .*npx install-electron.*npm run dist/);
    expect(err).not.toMatch(/\n\s+at |gyp ERR|Error:/);
  });
});

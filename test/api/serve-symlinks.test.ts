import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src-main/api/serve';
import { outputOf, removeTempDirs, tempDir } from './helpers';

let srv: RunningServer;

beforeAll(async () => {
  const dir = tempDir('scl-serve-symlinks-');
  const renderer = join(dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>lab</title>');
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log("app")');
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'outside', 'secret.txt'), 'SECRET');
  writeFileSync(join(dir, 'outside', 'secret.js'), 'SECRET');
  symlinkSync(join(dir, 'outside', 'secret.txt'), join(renderer, 'assets', 'leak.txt'));
  symlinkSync(join(dir, 'outside'), join(renderer, 'assets', 'up'));
  symlinkSync(join(renderer, 'assets', 'app.js'), join(renderer, 'assets', 'alias.js'));
  srv = await startServer({ db: join(dir, 'runs.sqlite'), rendererDir: renderer, concurrency: 1, log: () => {} });
});

afterAll(async () => {
  await srv?.close();
  removeTempDirs();
});

describe('serve: the static handler stays inside the renderer folder', () => {
  it('a symlink to a file outside is 404', async () => {
    const res = await fetch(`${srv.origin}/assets/leak.txt`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('SECRET');
  });

  it('a symlinked folder pointing outside is 404 too', async () => {
    for (const p of ['/assets/up/secret.txt', '/assets/up/secret.js']) {
      const res = await fetch(`${srv.origin}${p}`);
      expect(res.status, p).toBe(404);
      expect(await res.text()).not.toContain('SECRET');
    }
  });

  it('a symlink inside the folder to another file inside still serves', async () => {
    const res = await fetch(`${srv.origin}/assets/alias.js`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('console.log("app")');
  });
});

describe('serve: a request body with a UTF-8 byte-order mark', () => {
  it('is read as the JSON after it', async () => {
    const res = await fetch(`${srv.origin}/api/app.info`, { method: 'POST', headers: { Authorization: `Bearer ${srv.token}`, 'Content-Type': 'application/json' }, body: '\uFEFF{}' });
    expect(res.status).toBe(200);
    expect((await outputOf('app.info', res)).mode).toBe('serve');
  });
});

/** `scl-lab reproduce --set` and `scl-lab sweep --spec` refuse prototype paths with exit 2 and the field named. */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, exampleConfig, tempDir, writeJson } from './helpers';

const dir = tempDir('scl-cli-proto-');
const db = join(dir, 'runs.sqlite');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CLI dotted paths', () => {
  it.each(['__proto__.tag=x', 'constructor.prototype.tag=x', 'batching.__proto__.binding=true'])('reproduce --set %s: exit 2, names the field, no stack trace, nothing queued', (set) => {
    const r = cli(['reproduce', '--preset', 'ufm-fixed-binding', '--quick', '-q', '--set', set, '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`set.${set.split('=')[0]}`);
    expect(r.stderr).toMatch(/is not allowed in a config path/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(db)).toBe(false); // refused before a database was even opened
  });

  it('sweep --spec with a grid key "__proto__.tag": exit 2 naming grid.__proto__.tag and the file', () => {
    const spec = writeJson(dir, 'evil-sweep.json', { base: exampleConfig, grid: { '__proto__.tag': ['x'] } });
    const r = cli(['sweep', '--spec', spec, '-q', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('grid.__proto__.tag');
    expect(r.stderr).toMatch(/evil-sweep\.json/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

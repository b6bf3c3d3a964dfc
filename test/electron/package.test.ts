/**
 * Offline packaging smoke test: `electron-builder --linux dir` against a stub Electron distribution (no
 * download), then app.asar is listed with @electron/asar (see scripts/package-smoke.js for every check).
 * Needs the build (`npm test` builds first); `npm run test:package` runs the same checks on their own.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const smoke = createRequire(__filename)('../../scripts/package-smoke.js') as {
  run(o: { keep?: boolean; log?: (l: string) => void }): { ok: boolean; results: { name: string; ok: boolean; detail: string }[]; seconds: number };
};

describe('packaging (electron-builder --linux dir, stub Electron)', () => {
  it('produces app.asar with main, preload, renderer and package.json, native modules unpacked', () => {
    for (const f of ['dist/src-main/electron/main.js', 'dist/src-main/electron/preload.js', 'dist-renderer/index.html']) {
      expect(existsSync(join(ROOT, f)), `${f} (run npm run build first)`).toBe(true);
    }
    let output = '';
    const r = smoke.run({ log: (l) => (output += l) });
    const failed = r.results.filter((x) => !x.ok).map((x) => `${x.name} ${x.detail}`);
    if (failed.length > 0) throw new Error(`packaging checks failed:\n${failed.join('\n')}\n--- electron-builder output ---\n${output.slice(-6000)}`);
    expect(r.ok).toBe(true);
    expect(r.results.length).toBeGreaterThanOrEqual(20);
  }, 300_000);
});

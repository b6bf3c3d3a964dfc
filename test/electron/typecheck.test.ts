/**
 * Main and preload type-check against Electron's own type definitions (node_modules/electron/electron.d.ts):
 * `tsc --noEmit -p src-main/electron/tsconfig.json` exits 0, the program really includes electron.d.ts, and a
 * wrong use of Electron's API is caught (so the check is not vacuous). The built preload requires only
 * 'electron' (a sandboxed preload cannot require anything else).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

function tsc(args: string[]) {
  return spawnSync(process.execPath, [TSC, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
}

describe('type-checking the Electron shell', () => {
  it('main and preload compile against electron.d.ts with no error', () => {
    const r = tsc(['--noEmit', '-p', 'src-main/electron/tsconfig.json', '--listFiles']);
    expect(r.stdout.split('\n').filter((l) => /error TS/.test(l))).toEqual([]);
    expect(r.status).toBe(0);
    const files = r.stdout.split('\n').map((l) => l.trim().replace(/\\/g, '/'));
    expect(files).toContain(`${ROOT.replace(/\\/g, '/')}/node_modules/electron/electron.d.ts`);
    for (const f of ['main.ts', 'preload.ts', 'app.ts', 'ipc.ts']) expect(files).toContain(`${ROOT.replace(/\\/g, '/')}/src-main/electron/${f}`);
  }, 120_000);

  it('a wrong use of the Electron API fails the same check', () => {
    // under node_modules: outside every build's include, and 'electron' resolves from there
    const cache = join(ROOT, 'node_modules', '.cache');
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(join(cache, 'scl-typecheck-'));
    try {
      writeFileSync(
        join(dir, 'bad.ts'),
        "import { BrowserWindow, contextBridge } from 'electron';\n" +
          "new BrowserWindow({ webPreferences: { contextIsolation: 'yes' } });\n" +
          'contextBridge.exposeInMainWorld(42, {});\n',
      );
      const base = join(ROOT, 'src-main', 'electron', 'tsconfig.json');
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ extends: base, include: ['./bad.ts'], exclude: [] }));
      const r = tsc(['--noEmit', '-p', join(dir, 'tsconfig.json')]);
      expect(r.status).not.toBe(0);
      expect(r.stdout).toMatch(/bad\.ts\(2,.*error TS2322/);
      expect(r.stdout).toMatch(/bad\.ts\(3,.*error TS2345/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("the preload's JavaScript requires nothing but 'electron'", () => {
    const src = readFileSync(join(ROOT, 'src-main', 'electron', 'preload.ts'), 'utf8');
    const js = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText;
    const requires = [...js.matchAll(/require\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]);
    expect(requires).toEqual(['electron']);
    const built = join(ROOT, 'dist', 'src-main', 'electron', 'preload.js');
    if (existsSync(built)) {
      const builtRequires = [...readFileSync(built, 'utf8').matchAll(/require\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]);
      expect(builtRequires).toEqual(['electron']);
    }
  });

  it("the preload's channel prefixes are the main's", async () => {
    const src = readFileSync(join(ROOT, 'src-main', 'electron', 'preload.ts'), 'utf8');
    const { CALL_CHANNEL_PREFIX, EVENT_CHANNEL_PREFIX } = await import('../../src-main/electron/constants');
    expect(src).toContain(`const CALL_CHANNEL_PREFIX = '${CALL_CHANNEL_PREFIX}';`);
    expect(src).toContain(`const EVENT_CHANNEL_PREFIX = '${EVENT_CHANNEL_PREFIX}';`);
  });
});

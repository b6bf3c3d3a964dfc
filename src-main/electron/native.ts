/**
 * Which better-sqlite3 addon the Electron main loads. node_modules keeps its build for Node's ABI (tests, CLI,
 * serve); Electron needs one for Electron's ABI:
 *  - from a checkout (`npm start`): scripts/electron-sqlite.js builds a copy into
 *    node_modules/.electron-abi/<electron version>-<platform>-<arch>/better_sqlite3.node the first time;
 *  - packaged: electron-builder rebuilt the app's own copy for Electron, so the default load is right;
 *  - env SCL_LAB_SQLITE_BINDING overrides the checkout's choice; a packaged app ignores it.
 * The folder naming must match scripts/electron-sqlite.js (test/electron/native.test.ts checks it).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const ELECTRON_ABI_FOLDER = join('node_modules', '.electron-abi');
export const SQLITE_ADDON = 'better_sqlite3.node';

/** node_modules/.electron-abi/<version>-<platform>-<arch>/better_sqlite3.node under the app folder. */
export function devSqliteBinding(appPath: string, electronVersion: string, platform: string = process.platform, arch: string = process.arch): string {
  return join(appPath, ELECTRON_ABI_FOLDER, `${electronVersion}-${platform}-${arch}`, SQLITE_ADDON);
}

export type BindingChoice =
  | { kind: 'default' }
  | { kind: 'file'; file: string; from: 'env' | 'electron-abi' }
  | { kind: 'missing'; file: string; hint: string };

export function chooseSqliteBinding(opts: {
  isPackaged: boolean;
  appPath: string;
  electronVersion: string;
  env?: NodeJS.ProcessEnv;
  exists?: (file: string) => boolean;
}): BindingChoice {
  const env = opts.env ?? process.env;
  const exists = opts.exists ?? existsSync;
  // A packaged app loads only its own addon: an environment variable must not make it load foreign native code.
  if (opts.isPackaged) return { kind: 'default' };
  const forced = env['SCL_LAB_SQLITE_BINDING'];
  if (forced !== undefined && forced.trim() !== '') return { kind: 'file', file: forced, from: 'env' };
  const file = devSqliteBinding(opts.appPath, opts.electronVersion);
  if (exists(file)) return { kind: 'file', file, from: 'electron-abi' };
  return {
    kind: 'missing',
    file,
    hint:
      `The Electron build of better-sqlite3 is missing (${file}). Start the app with "npm start", which builds it ` +
      'the first time, or run "node scripts/electron-sqlite.js" in the project folder.',
  };
}

/** A load error that means "wrong ABI" (NODE_MODULE_VERSION mismatch), for a helpful message. */
export function isAbiMismatch(err: unknown): boolean {
  const text = `${(err as Error)?.message ?? ''} ${String((err as { cause?: Error })?.cause?.message ?? '')}`;
  return /NODE_MODULE_VERSION|was compiled against a different Node\.js version|invalid ELF header|not a valid Win32 application/i.test(text);
}

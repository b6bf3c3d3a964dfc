/**
 * The two better-sqlite3 builds in one checkout (Node's in node_modules, Electron's in node_modules/.electron-abi)
 * and where the app keeps its data.
 */
import { createRequire } from 'node:module';
import { join, posix, win32 } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseSqliteBinding, devSqliteBinding, isAbiMismatch } from '../../src-main/electron/native';
import { electronDbPath, userDataDir } from '../../src-main/electron/paths';
import { defaultDbPath } from '../../src-main/store/paths';

const require_ = createRequire(__filename);
const script = require_('../../scripts/electron-sqlite.js') as {
  bindingPath(root: string, version: string, platform?: string, arch?: string): string;
  buildPlan(o: Record<string, unknown>): { name: string; args: string[] }[];
  cleanEnv(env: Record<string, string | undefined>): Record<string, string | undefined>;
  parseArgs(argv: string[]): Record<string, unknown>;
};

describe('which better-sqlite3 addon the Electron main loads', () => {
  it('the main looks exactly where scripts/electron-sqlite.js writes', () => {
    for (const [platform, arch] of [['linux', 'x64'], ['win32', 'x64'], ['darwin', 'arm64']]) {
      expect(devSqliteBinding('/repo', '41.7.1', platform, arch)).toBe(script.bindingPath('/repo', '41.7.1', platform, arch));
    }
    expect(devSqliteBinding('/repo', '41.7.1', 'linux', 'x64')).toBe(join('/repo', 'node_modules', '.electron-abi', '41.7.1-linux-x64', 'better_sqlite3.node'));
  });

  it('from a checkout: the Electron-ABI copy (env overrides it); packaged: the default (rebuilt) one, env ignored', () => {
    const base = { appPath: '/repo', electronVersion: '41.7.1', env: {} };
    const file = devSqliteBinding('/repo', '41.7.1');
    expect(chooseSqliteBinding({ ...base, isPackaged: false, exists: (f) => f === file })).toEqual({ kind: 'file', file, from: 'electron-abi' });
    const missing = chooseSqliteBinding({ ...base, isPackaged: false, exists: () => false });
    expect(missing).toMatchObject({ kind: 'missing', file });
    expect(missing.kind === 'missing' && missing.hint).toMatch(/npm start/);
    expect(chooseSqliteBinding({ ...base, isPackaged: true, exists: () => false })).toEqual({ kind: 'default' });
    expect(chooseSqliteBinding({ ...base, isPackaged: true, env: { SCL_LAB_SQLITE_BINDING: '/x/b.node' } })).toEqual({ kind: 'default' });
    expect(chooseSqliteBinding({ ...base, isPackaged: false, env: { SCL_LAB_SQLITE_BINDING: '/x/b.node' } })).toEqual({ kind: 'file', file: '/x/b.node', from: 'env' });
  });

  it('recognises a wrong-ABI load error', () => {
    expect(isAbiMismatch(new Error("The module '/x/better_sqlite3.node' was compiled against a different Node.js version using NODE_MODULE_VERSION 115. This version of Node.js requires NODE_MODULE_VERSION 145."))).toBe(true);
    expect(isAbiMismatch(Object.assign(new Error('cannot open database x'), { cause: new Error('NODE_MODULE_VERSION 115') }))).toBe(true);
    expect(isAbiMismatch(new Error('SQLITE_CANTOPEN'))).toBe(false);
  });
});

describe('scripts/electron-sqlite.js', () => {
  it('builds for Electron with its headers, never with the nodedir npm exports', () => {
    const env = { npm_config_nodedir: '/usr', npm_config_target: '20.0.0', npm_config_runtime: 'node', PATH: '/bin', HOME: '/root' };
    const clean = script.cleanEnv(env);
    expect(clean).toEqual({ PATH: '/bin', HOME: '/root' });
    const plan = script.buildPlan({ runtime: 'electron', target: '41.7.1', arch: 'x64', platform: process.platform, fromSource: false, nodeGyp: '/n/node-gyp.js', devdir: '/root/.electron-gyp', env });
    expect(plan.map((s) => s.name)).toEqual(['prebuilt binary (prebuild-install)', 'compile (node-gyp)']);
    expect(plan[0]!.args.slice(1)).toEqual(['--runtime=electron', '--target=41.7.1', '--arch=x64', `--platform=${process.platform}`, '--verbose']);
    expect(plan[1]!.args).toEqual(['/n/node-gyp.js', 'rebuild', '--release', '--target=41.7.1', '--arch=x64', '--runtime=electron', '--dist-url=https://electronjs.org/headers', '--devdir=/root/.electron-gyp']);
    expect(plan[1]!.args.join(' ')).not.toContain('nodedir');
  });

  it('for another OS only a prebuilt binary can do (no cross-compiling); --from-source skips it', () => {
    const other = process.platform === 'win32' ? 'linux' : 'win32';
    expect(script.buildPlan({ runtime: 'electron', target: '41.7.1', arch: 'x64', platform: other, fromSource: false, nodeGyp: '/n.js', devdir: '/d' }).map((s) => s.name)).toEqual(['prebuilt binary (prebuild-install)']);
    expect(script.buildPlan({ runtime: 'electron', target: '41.7.1', arch: 'x64', platform: process.platform, fromSource: true, nodeGyp: '/n.js', devdir: '/d' }).map((s) => s.name)).toEqual(['compile (node-gyp)']);
  });

  it('parses its flags', () => {
    expect(script.parseArgs(['--force', '--runtime', 'node', '--arch=arm64', '--from-source'])).toMatchObject({ force: true, runtime: 'node', arch: 'arm64', fromSource: true });
    expect(() => script.parseArgs(['--runtime', 'deno'])).toThrow(/runtime/);
    expect(() => script.parseArgs(['--bogus'])).toThrow(/unknown option/);
  });
});

describe('where the app keeps its data', () => {
  // Electron's appData: %APPDATA% (Windows), ~/Library/Application Support (macOS), $XDG_CONFIG_HOME or ~/.config (Linux)
  it('userData/scl-lab.sqlite is the file the CLI opens by default, on every platform', () => {
    const home = '/home/ada';
    expect(posix.join(posix.dirname(defaultDbPath({}, 'linux', home)))).toBe(posix.join(home, '.config', 'SCL Geometry Lab'));
    expect(electronDbPath(userDataDir(posix.join(home, '.config')), {})).toBe(defaultDbPath({}, 'linux', home));
    expect(electronDbPath(userDataDir('/xdg'), {})).toBe(defaultDbPath({ XDG_CONFIG_HOME: '/xdg' }, 'linux', home));
    expect(electronDbPath(userDataDir(posix.join(home, 'Library', 'Application Support')), {})).toBe(defaultDbPath({}, 'darwin', home));
    const appData = 'C:\\Users\\ada\\AppData\\Roaming';
    // the Windows case compares folder + file name (path.join here is POSIX)
    const win = defaultDbPath({ APPDATA: appData }, 'win32', 'C:\\Users\\ada');
    expect(win32.dirname(win)).toBe(win32.join(appData, 'SCL Geometry Lab'));
    expect(posix.basename(electronDbPath(userDataDir(appData), {}))).toBe(win32.basename(win));
  });

  it('SCL_LAB_DB moves it for the app and the CLI alike', () => {
    expect(electronDbPath('/ud', { SCL_LAB_DB: '/data/lab.sqlite' })).toBe(defaultDbPath({ SCL_LAB_DB: '/data/lab.sqlite' }, 'linux', '/h'));
    expect(electronDbPath('/ud', { SCL_LAB_DB: '  ' })).toBe(join('/ud', 'scl-lab.sqlite'));
  });
});

describe('scripts/electron-sqlite.js ensure(), with a fake node-gyp', () => {
  const ensure = (require_('../../scripts/electron-sqlite.js') as { ensure(o: Record<string, unknown>): string }).ensure;
  const fs = require_('node:fs') as typeof import('node:fs');
  const os = require_('node:os') as typeof import('node:os');
  let root: string;
  let gyp: string;
  let record: string;

  beforeEach(() => {
    root = fs.mkdtempSync(join(os.tmpdir(), 'scl-electron-sqlite-'));
    const mod = join(root, 'node_modules', 'better-sqlite3');
    fs.mkdirSync(join(mod, 'build', 'Release'), { recursive: true });
    fs.writeFileSync(join(mod, 'package.json'), '{"name":"better-sqlite3","version":"12.0.0"}');
    fs.writeFileSync(join(mod, 'binding.gyp'), '{}');
    fs.writeFileSync(join(mod, 'build', 'Release', 'better_sqlite3.node'), 'NODE-ABI BUILD');
    record = join(root, 'gyp-calls.jsonl');
    gyp = join(root, 'fake-node-gyp.js');
    fs.writeFileSync(
      gyp,
      `const fs = require('fs'), path = require('path');
       fs.appendFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(), nodedir: process.env.npm_config_nodedir ?? null, sawOldBuild: fs.existsSync('build') }) + '\\n');
       if (process.env.FAKE_GYP_FAIL) process.exit(1);
       fs.mkdirSync('build/Release', { recursive: true });
       fs.writeFileSync('build/Release/better_sqlite3.node', 'ELECTRON-ABI BUILD ' + process.argv.find((a) => a.startsWith('--target=')));`,
    );
  });
  afterEach(() => {
    delete process.env.FAKE_GYP_FAIL;
    fs.rmSync(root, { recursive: true, force: true });
  });

  const calls = () => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l)) : []);

  it('builds in a temporary copy, writes .electron-abi/<version>-<platform>-<arch>/, leaves node_modules alone', () => {
    process.env.npm_config_nodedir_backup = process.env.npm_config_nodedir;
    process.env.npm_config_nodedir = '/usr';
    try {
      const out = ensure({ root, runtime: 'electron', target: '41.0.0', fromSource: true, nodeGyp: gyp, log: () => {} });
      expect(out).toBe(devSqliteBinding(root, '41.0.0'));
      expect(fs.readFileSync(out, 'utf8')).toBe('ELECTRON-ABI BUILD --target=41.0.0');
      const [c] = calls();
      expect(c.argv).toEqual(expect.arrayContaining(['rebuild', '--target=41.0.0', '--runtime=electron', '--dist-url=https://electronjs.org/headers']));
      expect(c.nodedir).toBeNull(); // npm's nodedir would build against Node's headers
      expect(c.sawOldBuild).toBe(false); // node_modules' Node build is not copied into the work folder
      expect(c.cwd.startsWith(join(root, 'node_modules', '.electron-abi', 'build-'))).toBe(true);
      expect(fs.readFileSync(join(root, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), 'utf8')).toBe('NODE-ABI BUILD');
      expect(fs.readdirSync(join(root, 'node_modules', '.electron-abi'))).toEqual(['41.0.0-' + process.platform + '-' + process.arch]);
    } finally {
      process.env.npm_config_nodedir = process.env.npm_config_nodedir_backup;
      if (process.env.npm_config_nodedir === undefined) delete process.env.npm_config_nodedir;
      delete process.env.npm_config_nodedir_backup;
    }
  });

  it('does nothing when the file is there; --force rebuilds', () => {
    ensure({ root, target: '41.0.0', fromSource: true, nodeGyp: gyp, log: () => {} });
    ensure({ root, target: '41.0.0', fromSource: true, nodeGyp: gyp, log: () => {} });
    expect(calls()).toHaveLength(1);
    ensure({ root, target: '41.0.0', fromSource: true, nodeGyp: gyp, force: true, log: () => {} });
    expect(calls()).toHaveLength(2);
  });

  it('a failed build leaves no file and no temporary folder, and says what is needed', () => {
    process.env.FAKE_GYP_FAIL = '1';
    expect(() => ensure({ root, target: '41.0.0', fromSource: true, nodeGyp: gyp, log: () => {} })).toThrow(/C\+\+ toolchain/);
    expect(fs.existsSync(devSqliteBinding(root, '41.0.0'))).toBe(false);
    expect(fs.readdirSync(join(root, 'node_modules', '.electron-abi'))).toEqual([]);
  });
});

describe('the store loads the better-sqlite3 addon it is given', () => {
  it('setSqliteBinding(file) is used by openStore; a wrong file fails with its path; unset = default', async () => {
    const fs = require_('node:fs') as typeof import('node:fs');
    const os = require_('node:os') as typeof import('node:os');
    const { setSqliteBinding } = await import('../../src-main/store/connection');
    const { openStore } = await import('../../src-main/store');
    const dir = fs.mkdtempSync(join(os.tmpdir(), 'scl-binding-'));
    const nodeBuild = join(__dirname, '..', '..', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
    try {
      setSqliteBinding(nodeBuild);
      openStore(join(dir, 'a.sqlite')).close();
      setSqliteBinding(join(dir, 'missing', 'better_sqlite3.node'));
      expect(() => openStore(join(dir, 'b.sqlite'))).toThrow(/missing[\\/]better_sqlite3\.node/);
      setSqliteBinding(undefined);
      process.env.SCL_LAB_SQLITE_BINDING = join(dir, 'env', 'better_sqlite3.node');
      expect(() => openStore(join(dir, 'c.sqlite'))).toThrow(/env[\\/]better_sqlite3\.node/);
      delete process.env.SCL_LAB_SQLITE_BINDING;
      openStore(join(dir, 'd.sqlite')).close();
    } finally {
      setSqliteBinding(undefined);
      delete process.env.SCL_LAB_SQLITE_BINDING;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

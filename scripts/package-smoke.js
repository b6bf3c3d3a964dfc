#!/usr/bin/env node
/**
 * Offline packaging smoke test (`npm run test:package`, run by CI after `npm test`):
 *
 *   electron-builder --linux dir --x64  with  electronDist = a stub folder (no Electron download)
 *
 * then checks the result: app.asar holds the main, the preload, the renderer and package.json; native modules
 * and the wasm files are unpacked; the afterPack hook put "the Electron build" of better-sqlite3 in place (here a
 * marker file stands in for it, since Electron's headers cannot be downloaded offline). Needs `npm run build`
 * first. Prints one line per check and exits non-zero on the first failure.
 *
 *   node scripts/package-smoke.js [--keep]   (--keep leaves the output folder and prints its path)
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const MARKER = 'SCL-LAB-STUB-ELECTRON-ABI-BETTER-SQLITE3\n';
/** @electron/fuses' sentinel, and Electron's shipped fuse states ('1' on, '0' off) in FuseV1Options order. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const SHIPPED_FUSES = '10110010';
/** What electron-builder.yml's electronFuses must make of them, by FuseV1Options name. */
const EXPECTED_FUSES = {
  RunAsNode: '0', EnableCookieEncryption: '1', EnableNodeOptionsEnvironmentVariable: '0', EnableNodeCliInspectArguments: '0',
  EnableEmbeddedAsarIntegrityValidation: '1', OnlyLoadAppFromAsar: '1', LoadBrowserProcessSpecificV8Snapshot: '0',
  GrantFileProtocolExtraPrivileges: '0',
};

/** A folder electron-builder accepts as an unpacked Electron distribution for Linux. */
function makeStubElectron(dir) {
  fs.mkdirSync(path.join(dir, 'resources'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'locales'), { recursive: true });
  // a real Electron binary carries the fuse wire after this sentinel (wire version 1, 8 fuses, all as shipped)
  const wire = Buffer.concat([Buffer.from(`# ${FUSE_SENTINEL}`, 'latin1'), Buffer.from([1, SHIPPED_FUSES.length]), Buffer.from(SHIPPED_FUSES, 'latin1'), Buffer.from('\n')]);
  const script = Buffer.from('#!/bin/sh\necho "stub Electron (packaging test): cannot run the app" >&2\nexit 1\n');
  fs.writeFileSync(path.join(dir, 'electron'), Buffer.concat([script, wire]), { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'locales', 'en-US.pak'), '');
  fs.writeFileSync(path.join(dir, 'LICENSE'), 'stub\n');
  fs.writeFileSync(path.join(dir, 'LICENSES.chromium.html'), '<p>stub</p>\n');
  fs.writeFileSync(path.join(dir, 'version'), `${electronVersion()}\n`);
}

function electronVersion() {
  return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
}

function loadAsar() {
  // @electron/asar comes with electron-builder (app-builder-lib)
  const from = path.dirname(require.resolve('app-builder-lib/package.json', { paths: [ROOT] }));
  return require(require.resolve('@electron/asar', { paths: [from, ROOT] }));
}

function checker(results, print) {
  return (name, ok, detail = '') => {
    results.push({ name, ok, detail });
    if (print) process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? `  (${detail})` : ''}\n`);
  };
}

/** Runs the packaging and the checks; returns { ok, results, outDir, seconds }. */
function run({ keep = false, print = false, log = (l) => process.stderr.write(l) } = {}) {
  for (const f of ['dist/src-main/electron/main.js', 'dist/src-main/electron/preload.js', 'dist-renderer/index.html']) {
    if (!fs.existsSync(path.join(ROOT, f))) throw new Error(`${f} is missing: run "npm run build" first`);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'scl-lab-package-'));
  const stub = path.join(tmp, 'electron-stub');
  const out = path.join(tmp, 'out');
  const addon = path.join(tmp, 'better_sqlite3.node');
  // electron-builder's own scratch files (its jiti config cache, ...) go under tmp too, removed with it
  const scratch = path.join(tmp, 'tmp');
  fs.mkdirSync(scratch);
  makeStubElectron(stub);
  fs.writeFileSync(addon, MARKER);
  const cli = require.resolve('electron-builder/cli.js', { paths: [ROOT] });
  const args = [cli, '--linux', 'dir', '--x64', '--publish', 'never',
    `-c.electronDist=${stub}`, `-c.electronVersion=${electronVersion()}`, `-c.directories.output=${out}`];
  const t0 = Date.now();
  const r = spawnSync(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, SCL_LAB_ELECTRON_SQLITE: addon, ELECTRON_BUILDER_CACHE: path.join(tmp, 'cache'), TMPDIR: scratch, CI: 'true' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = (Date.now() - t0) / 1000;
  const results = [];
  const check = checker(results, print);
  check('electron-builder --linux dir exits 0', r.status === 0, `${seconds.toFixed(1)} s`);
  if (r.status !== 0) {
    log(`${r.stdout ?? ''}\n${r.stderr ?? ''}\n${r.error ? r.error.message : ''}\n`);
    if (!keep) fs.rmSync(tmp, { recursive: true, force: true });
    return { ok: false, results, outDir: out, seconds };
  }

  const appDir = path.join(out, 'linux-unpacked');
  const resources = path.join(appDir, 'resources');
  const asarFile = path.join(resources, 'app.asar');
  const unpacked = path.join(resources, 'app.asar.unpacked');
  check('the executable is named scl-geometry-lab', fs.existsSync(path.join(appDir, 'scl-geometry-lab')));
  check('app.asar exists', fs.existsSync(asarFile));
  const asar = loadAsar();
  const files = new Set(asar.listPackage(asarFile, { isPack: false }).map((p) => p.split(path.sep).join('/')));
  for (const f of ['/package.json', '/dist/src-main/electron/main.js', '/dist/src-main/electron/app.js', '/dist/src-main/electron/preload.js',
    '/dist/src-main/runner/worker.js', '/dist/src-main/api/server.js', '/dist-renderer/index.html', '/assets/icon.png',
    '/node_modules/better-sqlite3/lib/index.js', '/node_modules/zod/package.json', '/node_modules/@tensorflow/tfjs/package.json']) {
    check(`app.asar holds ${f}`, files.has(f));
  }
  const assets = [...files].filter((f) => f.startsWith('/dist-renderer/assets/') && f.endsWith('.js'));
  check('app.asar holds the renderer bundle (dist-renderer/assets/*.js)', assets.length > 0, `${assets.length} file(s)`);
  const leaked = [...files].filter((f) => /^\/(src-main|src-renderer|test|bench|docs|scripts)\//.test(f) || f.startsWith('/node_modules/electron/') || f.startsWith('/node_modules/vitest/') || f.endsWith('.map'));
  check('no sources, tests, devDependencies or source maps in app.asar', leaked.length === 0, leaked.slice(0, 5).join(', '));

  const pkg = JSON.parse(asar.extractFile(asarFile, 'package.json').toString('utf8'));
  check('package.json main is the Electron main', pkg.main === 'dist/src-main/electron/main.js', pkg.main);
  check('package.json name and version are packaged', pkg.name === 'scl-geometry-lab' && typeof pkg.version === 'string', `${pkg.name}@${pkg.version}`);

  const exe = fs.readFileSync(path.join(appDir, 'scl-geometry-lab'));
  const at = exe.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
  const names = Object.keys(EXPECTED_FUSES);
  const states = at >= FUSE_SENTINEL.length ? exe.subarray(at + 2, at + 2 + exe[at + 1]).toString('latin1') : '';
  for (const [i, name] of names.entries()) {
    check(`fuse ${name} is ${EXPECTED_FUSES[name] === '1' ? 'on' : 'off'} in the packaged executable`, states[i] === EXPECTED_FUSES[name], `state ${JSON.stringify(states[i] ?? 'missing')}`);
  }

  const sqliteAddon = path.join(unpacked, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  check('better-sqlite3 is unpacked (app.asar.unpacked/node_modules/better-sqlite3/build/Release/better_sqlite3.node)', fs.existsSync(sqliteAddon));
  check('the afterPack hook replaced it with the Electron-ABI build', fs.existsSync(sqliteAddon) && fs.readFileSync(sqliteAddon, 'utf8') === MARKER);
  check("better-sqlite3's JavaScript is unpacked with it", fs.existsSync(path.join(unpacked, 'node_modules', 'better-sqlite3', 'lib', 'index.js')));
  const wasmDir = path.join(unpacked, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  const wasm = fs.existsSync(wasmDir) ? fs.readdirSync(wasmDir).filter((f) => f.endsWith('.wasm')) : [];
  check("tfjs-backend-wasm's .wasm files are unpacked", wasm.length >= 3, wasm.join(', '));
  const nodeInAsar = [...files].filter((f) => f.endsWith('.node'));
  const nodeUnpacked = nodeInAsar.filter((f) => fs.existsSync(path.join(unpacked, f)));
  check('every .node file is unpacked', nodeUnpacked.length === nodeInAsar.length, `${nodeUnpacked.length}/${nodeInAsar.length}`);
  const tfNode = fs.existsSync(path.join(ROOT, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json'));
  if (tfNode) check('tfjs-node is unpacked (installed here)', fs.existsSync(path.join(unpacked, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json')));

  const ok = results.every((x) => x.ok);
  if (keep) process.stdout.write(`output kept in ${out}\n`);
  else fs.rmSync(tmp, { recursive: true, force: true });
  return { ok, results, outDir: out, seconds };
}

module.exports = { run, makeStubElectron, MARKER };

if (require.main === module) {
  try {
    const { ok, results } = run({ keep: process.argv.includes('--keep'), print: true });
    const failed = results.filter((x) => !x.ok).length;
    process.stdout.write(`package: ${results.length - failed} passed, ${failed} failed\n`);
    process.exit(ok ? 0 : 1);
  } catch (e) {
    process.stderr.write(`package-smoke: ${e.message}\n`);
    process.exit(1);
  }
}

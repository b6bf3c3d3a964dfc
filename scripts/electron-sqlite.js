#!/usr/bin/env node
/**
 * better-sqlite3 for Electron's ABI, next to (not instead of) node_modules' build for Node's ABI.
 *
 *   node scripts/electron-sqlite.js [--force] [--target VERSION] [--runtime electron|node] [--arch ARCH]
 *                                   [--platform PLATFORM] [--from-source] [--print-path]
 *
 * Writes node_modules/.electron-abi/<version>-<platform>-<arch>/better_sqlite3.node when it is missing (or with
 * --force), from a temporary copy of node_modules/better-sqlite3 so the copy that tests and the CLI load is
 * never touched. First it tries a prebuilt binary (prebuild-install, needs the internet), then compiles
 * (node-gyp with Electron's headers from https://electronjs.org/headers; needs a C++ toolchain, and the
 * internet once for the headers). `npm start` runs this before Electron; the Electron main loads the file
 * (src-main/electron/native.ts); electron-builder's afterPack hook (scripts/after-pack.js) copies it into the
 * packaged app. `--runtime node` builds for this Node instead (used to test the mechanism offline).
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const ADDON = 'better_sqlite3.node';
const ELECTRON_HEADERS = 'https://electronjs.org/headers';

/** Must match src-main/electron/native.ts devSqliteBinding(). */
function bindingPath(root, version, platform = process.platform, arch = process.arch) {
  return path.join(root, 'node_modules', '.electron-abi', `${version}-${platform}-${arch}`, ADDON);
}

function electronVersion(root = ROOT) {
  const pkg = path.join(root, 'node_modules', 'electron', 'package.json');
  if (!fs.existsSync(pkg)) throw new Error('electron is not installed (run npm install)');
  return JSON.parse(fs.readFileSync(pkg, 'utf8')).version;
}

/** npm's own node-gyp when run from an npm script, else the one in node_modules, else npm's next to node. */
function findNodeGyp(root = ROOT, env = process.env) {
  const candidates = [
    env.npm_config_node_gyp,
    path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c) => c && fs.existsSync(c)) ?? null;
}

/**
 * The environment for the child tools: npm exports its config as npm_config_* (e.g. nodedir, target, runtime,
 * disturl), which would silently make node-gyp build against Node's headers. Drop them.
 */
function cleanEnv(env = process.env) {
  const out = {};
  for (const [k, v] of Object.entries(env)) {
    if (/^npm_config_(nodedir|target|target_arch|arch|runtime|disturl|dist_url|build_from_source|platform|devdir)$/i.test(k)) continue;
    out[k] = v;
  }
  return out;
}

/** The commands that produce the addon, in order of preference (pure: the tests read it). */
function buildPlan({ runtime, target, arch, platform, fromSource, nodeGyp, devdir, env = process.env }) {
  const plan = [];
  if (!fromSource) {
    plan.push({
      name: 'prebuilt binary (prebuild-install)',
      args: [require.resolve('prebuild-install/bin.js', { paths: [path.join(ROOT, 'node_modules', 'better-sqlite3'), ROOT] }),
        `--runtime=${runtime}`, `--target=${target}`, `--arch=${arch}`, `--platform=${platform}`, '--verbose'],
      timeoutMs: 120_000,
    });
  }
  if (nodeGyp && platform === process.platform) {
    const args = [nodeGyp, 'rebuild', '--release', `--target=${target}`, `--arch=${arch}`];
    if (runtime === 'electron') args.push('--runtime=electron', `--dist-url=${ELECTRON_HEADERS}`, `--devdir=${devdir}`);
    else if (env.npm_config_nodedir) args.push(`--nodedir=${env.npm_config_nodedir}`); // this Node's own headers
    plan.push({ name: 'compile (node-gyp)', args, timeoutMs: 20 * 60_000 });
  }
  return plan;
}

function parseArgs(argv) {
  const o = { force: false, fromSource: false, printPath: false, runtime: 'electron', target: null, arch: process.arch, platform: process.platform };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [k, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    if (k === '--force') o.force = true;
    else if (k === '--from-source') o.fromSource = true;
    else if (k === '--print-path') o.printPath = true;
    else if (k === '--runtime') o.runtime = value();
    else if (k === '--target') o.target = value();
    else if (k === '--arch') o.arch = value();
    else if (k === '--platform') o.platform = value();
    else throw new Error(`unknown option ${a}`);
  }
  if (o.runtime !== 'electron' && o.runtime !== 'node') throw new Error('--runtime must be electron or node');
  return o;
}

/**
 * Makes sure the addon exists; returns its path. Options as the CLI flags; `root` and `nodeGyp` (tests) default to
 * the repo and the node-gyp found by findNodeGyp, `out` overrides the destination file.
 */
function ensure(opts = {}) {
  const root = opts.root ?? ROOT;
  const runtime = opts.runtime ?? 'electron';
  const target = opts.target ?? (runtime === 'electron' ? electronVersion(root) : process.versions.node);
  const arch = opts.arch ?? process.arch;
  const platform = opts.platform ?? process.platform;
  const log = opts.log ?? ((l) => process.stderr.write(`electron-sqlite: ${l}\n`));
  const out = opts.out ?? bindingPath(root, runtime === 'electron' ? target : `node-${target}`, platform, arch);
  if (!opts.force && fs.existsSync(out)) return out;

  const src = path.join(root, 'node_modules', 'better-sqlite3');
  if (!fs.existsSync(path.join(src, 'package.json'))) throw new Error(`better-sqlite3 is not installed in ${root} (run npm install)`);
  const abiRoot = path.join(root, 'node_modules', '.electron-abi');
  fs.mkdirSync(abiRoot, { recursive: true });
  const work = fs.mkdtempSync(path.join(abiRoot, 'build-'));
  const mod = path.join(work, 'better-sqlite3');
  const built = path.join(mod, 'build', 'Release', ADDON);
  log(`building better-sqlite3 for ${runtime} ${target} (${platform}-${arch}) in a copy of the module; node_modules' own build stays for Node`);
  try {
    const skip = path.join(src, 'build');
    fs.cpSync(src, mod, { recursive: true, filter: (p) => p !== skip && !p.startsWith(skip + path.sep) });
    const plan = buildPlan({
      runtime, target, arch, platform,
      fromSource: opts.fromSource === true,
      nodeGyp: opts.nodeGyp ?? findNodeGyp(root),
      devdir: path.join(require('node:os').homedir(), '.electron-gyp'),
    });
    if (plan.length === 0) throw new Error(`no way to build for ${platform} on ${process.platform} (cannot compile for another OS)`);
    const failures = [];
    for (const step of plan) {
      log(`${step.name}: ${path.basename(step.args[0])} ${step.args.slice(1).join(' ')}`);
      const r = spawnSync(process.execPath, step.args, { cwd: mod, env: cleanEnv(), stdio: opts.stdio ?? ['ignore', 'inherit', 'inherit'], timeout: step.timeoutMs });
      if (r.status === 0 && fs.existsSync(built)) {
        fs.mkdirSync(path.dirname(out), { recursive: true });
        const tmp = `${out}.tmp-${process.pid}`;
        fs.copyFileSync(built, tmp);
        fs.renameSync(tmp, out);
        log(`wrote ${path.relative(root, out)}`);
        return out;
      }
      failures.push(`${step.name}: ${r.error ? r.error.message : `exit code ${r.status}`}`);
      fs.rmSync(path.join(mod, 'build'), { recursive: true, force: true });
    }
    throw new Error(
      `could not build better-sqlite3 for ${runtime} ${target}: ${failures.join('; ')}. ` +
        'A prebuilt binary needs the internet; compiling needs a C++ toolchain (build-essential and python3 on Linux, ' +
        'Xcode command line tools on macOS, Visual Studio Build Tools on Windows) and the internet once for the headers.',
    );
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function electronBinaryHint(root = ROOT) {
  // not require('electron'): since Electron 42 that downloads the binary as a side effect
  const { electronBinary } = require('./start.js');
  const bin = electronBinary(process.env, path.join(root, 'node_modules', 'electron'));
  if (bin && fs.existsSync(bin)) return null;
  return 'the Electron binary is not installed; run "npx install-electron" with internet access';
}

module.exports = { bindingPath, buildPlan, cleanEnv, electronVersion, ensure, findNodeGyp, parseArgs };

if (require.main === module) {
  try {
    const o = parseArgs(process.argv.slice(2));
    const file = ensure(o);
    if (o.printPath) process.stdout.write(`${file}\n`);
    if (o.runtime === 'electron') {
      const hint = electronBinaryHint();
      if (hint) process.stderr.write(`electron-sqlite: note: ${hint}\n`);
    }
  } catch (e) {
    process.stderr.write(`electron-sqlite: ${e.message}\n`);
    process.exit(1);
  }
}

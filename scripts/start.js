#!/usr/bin/env node
/**
 * `npm start`: the desktop window where Electron can run, else the same app in the browser (`scl-lab serve`).
 *
 *   node scripts/start.js [--verbose]
 *
 * Electron runs when (1) its binary is installed (node_modules/electron/dist, or ELECTRON_OVERRIDE_DIST_PATH;
 * fetched once with Electron's own installer when missing), (2) there is a display (Linux: DISPLAY or
 * WAYLAND_DISPLAY), and (3) better-sqlite3 exists for Electron's ABI (scripts/electron-sqlite.js builds it).
 * Otherwise this prints ONE line (what is missing, how to get the window) and starts `scl-lab serve`: it opens
 * the default browser where a display exists and prints the tokened URL (always, on stdout). Logs of the
 * installer and of node-gyp are shown only with --verbose. Env SCL_LAB_START=serve forces the browser.
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const ELECTRON_DIR = path.join(ROOT, 'node_modules', 'electron');
const HOW_TO_GET_WINDOW = 'for the window: "npx install-electron" with internet access, then "npm start" again, or install the packaged app ("npm run dist")';

/** The Electron executable's path as node_modules/electron/index.js computes it, without its download side effect. */
function electronBinary(env = process.env, dir = ELECTRON_DIR) {
  const pathFile = path.join(dir, 'path.txt');
  const rel = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : null;
  if (env.ELECTRON_OVERRIDE_DIST_PATH) return path.join(env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron');
  return rel ? path.join(dir, 'dist', rel) : null;
}

function hasDisplay(env = process.env, platform = process.platform) {
  if (platform === 'win32' || platform === 'darwin') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** Electron's own installer (downloads the binary), output only with --verbose. */
function tryInstallElectron(verbose) {
  const installer = path.join(ELECTRON_DIR, 'install.js');
  if (!fs.existsSync(installer)) return false;
  const r = spawnSync(process.execPath, [installer], { cwd: ELECTRON_DIR, stdio: verbose ? 'inherit' : 'ignore', timeout: 10 * 60_000 });
  return r.status === 0;
}

/** Why Electron cannot run here, or null. Tries the fixable things (download, better-sqlite3 build) quietly. */
function electronProblem({ env = process.env, verbose = false } = {}) {
  if (!fs.existsSync(path.join(ELECTRON_DIR, 'package.json'))) return 'Electron is not installed (run "npm install")';
  let bin = electronBinary(env);
  if ((!bin || !fs.existsSync(bin)) && !env.ELECTRON_OVERRIDE_DIST_PATH && tryInstallElectron(verbose)) bin = electronBinary(env);
  if (!bin || !fs.existsSync(bin)) return "Electron's binary is not installed and could not be downloaded";
  if (!hasDisplay(env)) return 'there is no display (DISPLAY / WAYLAND_DISPLAY unset)';
  try {
    const sqlite = require('./electron-sqlite.js');
    sqlite.ensure({ log: verbose ? undefined : () => {}, stdio: verbose ? 'inherit' : 'ignore' });
  } catch (e) {
    return `better-sqlite3 could not be built for Electron's ABI${verbose ? ` (${e.message})` : ' (--verbose shows why)'}`;
  }
  return null;
}

function openBrowser(url) {
  const cmd = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const c = spawn(cmd[0], cmd[1], { stdio: 'ignore', detached: true });
    c.on('error', () => process.stderr.write(`npm start: could not open a browser; open ${url}\n`));
    c.unref();
  } catch {
    process.stderr.write(`npm start: could not open a browser; open ${url}\n`);
  }
}

/** `scl-lab serve` as a child; prints its URL, opens the browser where there is a display; resolves with its exit code. */
function serve({ env = process.env, verbose = false } = {}) {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'scl-lab.js'), 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', verbose ? 'inherit' : 'pipe'] });
  let out = '';
  let err = '';
  let announced = false;
  child.stdout.on('data', (d) => {
    if (announced) return void process.stdout.write(d);
    out += d;
    const m = /^(http:\/\/\S+)$/m.exec(out);
    if (!m) return;
    announced = true;
    process.stdout.write(`SCL Geometry Lab: ${m[1]}\n`);
    if (hasDisplay(env)) openBrowser(m[1]);
    else process.stderr.write('npm start: no display; open the URL above in a browser (over SSH: ssh -L PORT:127.0.0.1:PORT this-host). Ctrl-C stops.\n');
  });
  if (child.stderr) child.stderr.on('data', (d) => { err += d; });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      if (!announced && code !== 0) process.stderr.write(`npm start: scl-lab serve failed: ${err.trim().split('\n').pop() || `exit code ${code}`}\n`);
      resolve(code ?? (signal ? 0 : 1));
    });
  });
}

function runElectron(env) {
  const child = spawn(electronBinary(env), ['.'], { cwd: ROOT, env, stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 0 : 1))));
}

/** Newest mtime (ms) of the files under these folders (0 when none). */
function newest(dirs) {
  let t = 0;
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const f = path.join(d, e.name);
      if (e.isDirectory()) walk(f);
      else t = Math.max(t, fs.statSync(f).mtimeMs);
    }
  };
  for (const d of dirs) if (fs.existsSync(d)) walk(d);
  return t;
}

/** `npm run build` when dist/ or dist-renderer/ is missing or older than a source (so a built checkout starts at once). */
function buildIfStale(root = ROOT) {
  const outputs = ['dist/src-main/cli/main.js', 'dist/src-main/electron/main.js', 'dist-renderer/index.html'].map((f) => path.join(root, f));
  const built = Math.min(...outputs.map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0)));
  const sources = newest(['src-main', 'src-renderer'].map((d) => path.join(root, d)));
  if (built > 0 && built >= sources) return 0;
  const npm = process.env.npm_execpath;
  const r = npm ? spawnSync(process.execPath, [npm, 'run', 'build', '--silent'], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  return r.status ?? 1;
}

async function main(argv = process.argv.slice(2), env = process.env) {
  const verbose = argv.includes('--verbose');
  const unknown = argv.filter((a) => a !== '--verbose');
  if (unknown.length) {
    process.stderr.write(`npm start: unknown option ${unknown[0]} (only --verbose)\n`);
    return 2;
  }
  if (buildIfStale() !== 0) {
    process.stderr.write('npm start: the build failed (see above); fix it, then "npm start" again\n');
    return 1;
  }
  const problem = env.SCL_LAB_START === 'serve' ? 'SCL_LAB_START=serve' : electronProblem({ env, verbose });
  if (problem === null) return runElectron(env);
  process.stderr.write(`npm start: no desktop window: ${problem}; serving the app to the browser instead (${HOW_TO_GET_WINDOW}).\n`);
  return serve({ env, verbose });
}

module.exports = { electronBinary, hasDisplay, main };

if (require.main === module) main().then((code) => { process.exitCode = code; });

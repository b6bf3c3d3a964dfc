#!/usr/bin/env node
/**
 * The system packages `npm test` needs (run first by `npm test`):
 *
 *   chromium                browser tests (test/e2e; env SCL_CHROMIUM points elsewhere)
 *   dataset-fashion-mnist   deep-network tests (/usr/share/datasets/fashion-mnist, or SCL_LAB_DATA)
 *   slurm-wlm, munge        the Slurm tests (sbatch, slurmctld, slurmd, munged)
 *
 * Missing ones are installed with apt-get on Debian/Ubuntu, as root or through `sudo -n` (no password prompt).
 * Elsewhere (or when that fails) it prints one line per missing prerequisite with how to get it and exits 2.
 *
 *   node scripts/test-prereqs.js [--check]   (--check only reports, installs nothing)
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const PREREQS = [
  {
    name: 'Chromium', pkg: 'chromium', for: 'the browser tests',
    present: (env) => fs.existsSync(env.SCL_CHROMIUM || '/usr/bin/chromium'),
    other: 'install Chromium, or set SCL_CHROMIUM=/path/to/chromium',
  },
  {
    name: 'Fashion-MNIST', pkg: 'dataset-fashion-mnist', for: 'the deep-network tests',
    present: (env) => ['/usr/share/datasets/fashion-mnist', ...(env.SCL_LAB_DATA || '').split(path.delimiter).filter(Boolean).map((d) => path.join(d, 'fashion-mnist'))]
      .some((d) => fs.existsSync(path.join(d, 'train-labels-idx1-ubyte.gz')) || fs.existsSync(path.join(d, 'train-labels-idx1-ubyte'))),
    other: 'put the four Fashion-MNIST idx files in $SCL_LAB_DATA/fashion-mnist/',
  },
  {
    name: 'Slurm', pkg: 'slurm-wlm', for: 'the Slurm tests',
    present: () => ['sbatch', 'slurmctld', 'slurmd'].every(onPath),
    other: 'install Slurm (sbatch, slurmctld, slurmd on PATH)',
  },
  {
    name: 'MUNGE', pkg: 'munge', for: 'the Slurm tests',
    present: () => onPath('munged'),
    other: 'install MUNGE (munged on PATH)',
  },
];

function onPath(cmd) {
  const dirs = (process.env.PATH || '').split(path.delimiter).concat(['/usr/sbin', '/sbin', '/usr/bin']);
  return dirs.some((d) => d && fs.existsSync(path.join(d, cmd)));
}

function quiet(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return { ok: r.status === 0, err: (r.stderr || (r.error && r.error.message) || '').trim().split('\n').pop() };
}

/** How to run apt-get here: [] as root, ['sudo', '-n'] with password-less sudo, null when neither (or no apt). */
function aptPrefix() {
  if (process.platform !== 'linux' || !onPath('apt-get')) return null;
  if (typeof process.getuid === 'function' && process.getuid() === 0) return [];
  if (onPath('sudo') && quiet('sudo', ['-n', 'true']).ok) return ['sudo', '-n'];
  return null;
}

function aptGet(prefix, args) {
  const [cmd, ...rest] = prefix.length ? [...prefix, 'apt-get', ...args] : ['apt-get', ...args];
  return quiet(cmd, rest);
}

function main(argv = process.argv.slice(2), env = process.env) {
  let missing = PREREQS.filter((p) => !p.present(env));
  if (missing.length === 0) return 0;
  const prefix = argv.includes('--check') ? null : aptPrefix();
  if (prefix) {
    const pkgs = missing.map((p) => p.pkg);
    process.stderr.write(`test-prereqs: installing ${pkgs.join(' ')} with ${[...prefix, 'apt-get'].join(' ')} ...\n`);
    const upd = aptGet(prefix, ['update', '-qq']);
    const inst = upd.ok ? aptGet(prefix, ['install', '-y', '-qq', '--no-install-recommends', ...pkgs]) : upd;
    if (!inst.ok) process.stderr.write(`test-prereqs: apt-get failed: ${inst.err}\n`);
    missing = PREREQS.filter((p) => !p.present(env));
    if (missing.length === 0) return 0;
  }
  for (const p of missing) {
    process.stderr.write(`test-prereqs: missing ${p.name} (${p.for}): on Debian/Ubuntu "sudo apt-get install ${p.pkg}"; elsewhere ${p.other}\n`);
  }
  return 2;
}

module.exports = { PREREQS, main };

if (require.main === module) process.exitCode = main();

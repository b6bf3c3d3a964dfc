#!/usr/bin/env node
/**
 * `npm run check`: the edit-test loop. The static checks run side by side (type-check of the sources, of the
 * node tests and of the renderer/e2e tests, ESLint), each with a cache in node_modules/.cache/scl-lab-check/ so a
 * second run re-checks only what changed; then the fast unit tests (FAST below). Prints how long each step took;
 * exits 1 when any step fails, with that step's output.
 *
 *   node scripts/check.js
 */
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'scl-lab-check');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const ESLINT = path.join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js');
const VITEST = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

/** Unit tests that take a second or less each (no child processes, no training beyond a few steps). */
const FAST = [
  'test/store/open.test.ts', 'test/store/runs.test.ts', 'test/store/metrics.test.ts', 'test/store/series.test.ts',
  'test/store/export.test.ts', 'test/store/import-validation.test.ts', 'test/store/liveness.test.ts',
  'test/store/malformed.test.ts', 'test/store/reconcile.test.ts',
  'test/api/config.test.ts', 'test/api/config-versions.test.ts',
  'test/science/geometry.test.ts', 'test/science/batching.test.ts', 'test/science/closed-form.test.ts',
  'test/data/idx.test.ts', 'test/data/subset.test.ts', 'test/data/augment.test.ts',
  'test/electron/security.test.ts', 'test/electron/lifecycle.test.ts', 'test/electron/test-prereqs.test.ts',
  'test/architecture/imports.test.ts',
];

const tsc = (project, name) => [TSC, '-p', project, '--noEmit', '--incremental', '--tsBuildInfoFile', path.join(CACHE, `${name}.tsbuildinfo`)];
const STATIC = [
  { name: 'type-check sources (tsconfig.json)', args: tsc('tsconfig.json', 'sources') },
  { name: 'type-check node tests (test/tsconfig.json)', args: tsc('test/tsconfig.json', 'tests-node') },
  { name: 'type-check renderer and e2e tests (test/tsconfig.dom.json)', args: tsc('test/tsconfig.dom.json', 'tests-dom') },
  { name: 'eslint', args: [ESLINT, '.', '--cache', '--cache-location', path.join(CACHE, 'eslint') + path.sep] },
];

function step({ name, args }, { inherit = false } = {}) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: inherit ? 'inherit' : ['ignore', 'pipe', 'pipe'] });
    let output = '';
    if (!inherit) {
      child.stdout.on('data', (c) => (output += c));
      child.stderr.on('data', (c) => (output += c));
    }
    child.on('close', (code) => resolve({ name, ok: code === 0, seconds: (Date.now() - t0) / 1000, output }));
  });
}

async function main() {
  const t0 = Date.now();
  const results = await Promise.all(STATIC.map((s) => step(s)));
  for (const r of results) {
    process.stdout.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.seconds.toFixed(1)} s)\n`);
    if (!r.ok) process.stdout.write(`${r.output.trim()}\n`);
  }
  if (results.some((r) => !r.ok)) return 1;
  const tests = await step({ name: 'fast unit tests', args: [VITEST, 'run', ...FAST] }, { inherit: true });
  process.stdout.write(`${tests.ok ? 'ok  ' : 'FAIL'} ${tests.name} (${tests.seconds.toFixed(1)} s); check took ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  return tests.ok ? 0 : 1;
}

main().then((code) => process.exit(code));

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tempDir as sharedTempDir } from '../support/tmp';
import { join, resolve } from 'node:path';

export const BIN = resolve(__dirname, '../../bin/scl-lab.js');

export function tempDir(prefix = 'scl-lab-test-'): string {
  return sharedTempDir(prefix); // removed after the test file
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
  return p;
}

/** Run the built CLI (npm test builds first) as a user would; killed after timeoutMs (a guard, not a measure). */
export function cli(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: timeoutMs,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const exampleConfig = {
  kind: 'ufm', classes: 4, dim: 8,
  imbalance: { profile: 'custom', counts: [20, 20, 2, 2] },
  relu: true, temperature: 1.0,
  batching: { strategy: 'fixed', batchSize: 4, binding: true, stepPer: 'epoch' },
  optimizer: { name: 'gd', lr: 0.05 }, epochs: 1500, seed: 0, evalEvery: 100,
};

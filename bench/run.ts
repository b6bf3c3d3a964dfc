/**
 * `npm run bench`: every benchmark, each in its own process (a process holds one tfjs backend), in turn.
 * Numbers go into docs/benchmarks.md by hand, with the machine's load noted.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const here = __dirname;
const jobs: [string, string, string[]][] = [
  ['UFM SCL step, n=1000 d=64 k=10 tau=0.1 (ms/step)', 'ufm.js', ['wasm']],
  ['UFM SCL step on the cpu backend', 'ufm.js', ['cpu']],
  ['UFM time to geometry: L-BFGS vs projected GD (issue 14)', 'lbfgs.js', []],
  ['Deep training steps/s', 'deep.js', ['wasm']],
  ['Deep optimiser step on wasm: fused vs tf.train.* (issue 16)', 'optim.js', ['--rounds', '3']],
  ['wasm kernels: stock vs registered', 'kernels.js', ['--quick']],
  ['Store', 'store.js', []],
  ['Claim pivot (runs.summarize) over 120 stored runs', 'summarize.js', ['120']],
  ['Renderer (real Chromium)', 'renderer.js', []],
];

let failed = 0;
for (const [title, file, args] of jobs) {
  const path = join(here, file);
  console.log(`\n== ${title}`);
  if (!existsSync(path)) {
    console.log(`  (missing ${file}: run npm run build)`);
    continue;
  }
  const r = spawnSync(process.execPath, [path, ...args], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);

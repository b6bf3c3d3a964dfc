/**
 * UFM step time: n = 1000, d = 64, k = 10, tau = 0.1, full batch (one projected-GD step on the SCL objective),
 * and the same with a reshuffled mini-batching (B = 100 + binding) per epoch. Prints ms per step per backend.
 * Usage: node dist/bench/ufm.js [backend ...]
 */
import { initBackend, type BackendChoice } from '../src-main/compute/backend';
import { UfmTrainer, type UfmSpec } from '../src-main/science/ufm';

function spec(batching: UfmSpec['batching']): UfmSpec {
  return {
    k: 10, d: 64, counts: Array.from({ length: 10 }, () => 100), relu: true, tau: 0.1, lossForm: 'paper',
    batching, optimizer: { name: 'gd', lr: 0.01 }, epochs: 1_000_000, seed: 0, evalEvery: 1_000_000,
  };
}

/** ms per full-batch step (n = 1000, d = 64, k = 10, tau = 0.1), after 5 warm-up steps. */
export function ufmFullBatchMs(steps = 40): number {
  const t = new UfmTrainer(spec({ strategy: 'full', binding: false, stepPer: 'epoch' }));
  try {
    return time(t, steps);
  } finally {
    t.dispose();
  }
}

function time(t: UfmTrainer, steps: number): number {
  for (let i = 0; i < 5; i++) t.trainEpoch(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) t.trainEpoch();
  return (performance.now() - t0) / steps;
}

export async function benchUfm(backends: BackendChoice[]): Promise<{ backend: string; case: string; msPerStep: number }[]> {
  const rows: { backend: string; case: string; msPerStep: number }[] = [];
  for (const b of backends) {
    let info;
    try {
      info = await initBackend(b);
    } catch (e) {
      console.log(`  ${b}: not available (${(e as Error).message})`);
      continue;
    }
    const cases: [string, UfmSpec['batching']][] = [
      ['full batch n=1000', { strategy: 'full', binding: false, stepPer: 'epoch' }],
      ['reshuffle B=100+binding, step per epoch', { strategy: 'reshuffle', batchSize: 100, binding: true, stepPer: 'epoch' }],
    ];
    for (const [name, batching] of cases) {
      const t = new UfmTrainer(spec(batching));
      const ms = time(t, 40);
      t.dispose();
      rows.push({ backend: info.name, case: name, msPerStep: ms });
      console.log(`  UFM ${name.padEnd(42)} ${info.name.padEnd(8)} ${ms.toFixed(1)} ms/step`);
    }
  }
  return rows;
}

if (require.main === module) {
  const args = process.argv.slice(2) as BackendChoice[];
  benchUfm(args.length ? args : ['wasm', 'cpu']).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

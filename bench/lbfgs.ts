/**
 * Time to geometry: L-BFGS vs projected GD (plain and momentum 0.9, the best lr of a small grid) on full-batch UFM+/UFM, tau = 1,
 * d = 20, k = 10 (issue 14). Reports seconds and loss-and-gradient evaluations until Delta_OF < 0.05 and < 1e-3
 * (UFM+), or until Delta_OF moves less than 1e-4 per 100 evaluations (UFM, whose optimum is no OF), and the cost
 * of one evaluation at n = 1000, d = 64, k = 10, tau = 0.1. Only training time is clocked (metrics are not): wall
 * seconds and this process's CPU seconds (the machine is shared; on a loaded box the wall clock stretches by
 * the load while the CPU seconds stretch less). Each line carries the load average at its start. --seeds applies
 * to L-BFGS and to every GD entry.
 * Usage: node dist/bench/lbfgs.js [--quick] [--gd-seconds S] [--lbfgs-seconds S] [--history M] [--seeds a,b]
 *        [--only lbfgs|gd] [--cases i,j] [--gd gd:LR,momentum:LR,...] [--gd-best gd:LR]
 *        [--param projected,squared] [backend]
 * --gd: the GD grid on the issue case (the other cases run its winner, fewest evaluations to Delta_OF < 0.05;
 * --gd-best when the issue case is skipped).
 */
import { loadavg } from 'node:os';
import { initBackend, type BackendChoice } from '../src-main/compute/backend';
import { classMeans, deltaOF } from '../src-main/science/geometry';
import { classCounts, labelsFromCounts } from '../src-main/science/imbalance';
import { sclBatchF64, sclBatchF64Js } from '../src-main/science/scl-f64';
import { UfmTrainer, type UfmSpec } from '../src-main/science/ufm';

/** The history the bench runs L-BFGS with (the reproduction presets use the same). */
const LBFGS_BENCH_HISTORY = 20;

interface Case {
  name: string;
  counts: number[];
  relu: boolean;
}

function spec(c: Case, optimizer: UfmSpec['optimizer'], seed = 0): UfmSpec {
  return {
    k: c.counts.length, d: 20, counts: c.counts, relu: c.relu, tau: 1, lossForm: 'paper',
    batching: { strategy: 'full', binding: false, stepPer: 'epoch' },
    optimizer, epochs: 10_000_000, seed, evalEvery: 10_000_000,
  };
}

const load = () => `load ${loadavg().map((x) => x.toFixed(1)).join(' ')}`;
const cpuSeconds = (c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1e6;
};

function deltaOFOf(t: UfmTrainer): number {
  const k = t.spec.k;
  const mu = classMeans(t.state.H, t.spec.d, t.labels, k);
  const G = new Float64Array(k * k);
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) {
      let s = 0;
      for (let j = 0; j < t.spec.d; j++) s += mu[a * t.spec.d + j] * mu[b * t.spec.d + j];
      G[a * k + b] = s;
    }
  return deltaOF(G, k);
}

interface Hit {
  s: number;
  cpu: number;
  evals: number;
}

interface Outcome {
  hits: (Hit | null)[];
  final: number;
  seconds: number;
  evals: number;
}

/** Train until every threshold is crossed (UFM+) or Delta_OF has settled (UFM), or maxSeconds. */
function race(t: UfmTrainer, relu: boolean, maxSeconds: number, checkEvery: number): Outcome {
  const thresholds = [0.05, 1e-3];
  const hits: Outcome['hits'] = thresholds.map(() => null);
  let clock = 0, cpu = 0;
  let lastMark = { evals: 0, dof: deltaOFOf(t) };
  let dof = lastMark.dof;
  for (let it = 1; ; it++) {
    const t0 = performance.now(), c0 = process.cpuUsage();
    const evals0 = t.evaluations;
    t.trainEpoch();
    clock += (performance.now() - t0) / 1000;
    cpu += cpuSeconds(c0);
    // L-BFGS converged (no evaluation made: nothing changes any more)
    if (t.evaluations === evals0 && t.spec.optimizer.name === 'lbfgs') {
      dof = deltaOFOf(t);
      break;
    }
    if (it % checkEvery) continue;
    dof = deltaOFOf(t);
    if (relu) {
      thresholds.forEach((th, i) => {
        if (!hits[i] && dof < th) hits[i] = { s: clock, cpu, evals: t.evaluations };
      });
      if (hits.every(Boolean)) break;
    } else if (t.evaluations - lastMark.evals >= 100) {
      if (Math.abs(dof - lastMark.dof) < 1e-4) {
        hits[0] = { s: clock, cpu, evals: t.evaluations };
        break;
      }
      lastMark = { evals: t.evaluations, dof };
    }
    if (clock > maxSeconds) break;
  }
  return { hits, final: dof, seconds: clock, evals: t.evaluations };
}

const fmt = (h: Hit | null, o: Outcome) =>
  h ? `${h.s.toFixed(1)} s (cpu ${h.cpu.toFixed(1)} s) / ${h.evals} ev` : `> ${o.seconds.toFixed(0)} s / ${o.evals} ev`;

function perEvaluationMs(): string {
  const t = new UfmTrainer({
    ...spec({ name: '', counts: Array.from({ length: 10 }, () => 100), relu: true }, { name: 'lbfgs', history: 20 }),
    d: 64, tau: 0.1,
  });
  const g = new Float32Array(t.state.H.length);
  const batches = t.batcher.epoch(0);
  for (let i = 0; i < 5; i++) t.lossAndGrad(batches, g, 'full');
  const ms = bestOf(5, 8, () => t.lossAndGrad(batches, g, 'full'));
  t.dispose();
  return ms;
}

/** Best mean ms of `rounds` rounds of `reps` calls, and the spread (worst round / best round). */
function bestOf(rounds: number, reps: number, f: () => void): string {
  f();
  const ms: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) f();
    ms.push((performance.now() - t0) / reps);
  }
  return `${Math.min(...ms).toFixed(1)} ms (worst round ${Math.max(...ms).toFixed(1)})`;
}

/** The float64 kernel L-BFGS uses (wasm, and its plain-JS path), at n = 1010, d = 20 and at n = 1000, d = 64. */
function f64Ms(counts: number[], d: number, tau: number, kernel = sclBatchF64): string {
  const labels = labelsFromCounts(counts);
  const n = labels.length;
  const H = new Float64Array(n * d).map((_, j) => Math.cos(j * 0.37));
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let t = 0; t < d; t++) r += H[i * d + t] ** 2;
    for (let t = 0; t < d; t++) H[i * d + t] /= Math.sqrt(r);
  }
  const g = new Float64Array(n * d);
  const all = Array.from({ length: n }, (_, i) => i);
  return bestOf(5, kernel === sclBatchF64 ? 10 : 3, () => kernel(H, d, labels, all, tau, 'paper', g));
}

type GdSpec = { name: 'gd'; lr: number } | { name: 'momentum'; lr: number; momentum: number };

/** "gd:0.5,momentum:0.2" -> projected GD at lr 0.5, and with momentum 0.9 at lr 0.2. */
function parseGrid(text: string): GdSpec[] {
  return text.split(',').map((item) => {
    const [name, lr] = item.split(':');
    if ((name !== 'gd' && name !== 'momentum') || !(Number(lr) > 0)) throw new Error(`--gd: bad entry "${item}" (want gd:LR or momentum:LR)`);
    return name === 'gd' ? { name, lr: Number(lr) } : { name, lr: Number(lr), momentum: 0.9 };
  });
}

const gdName = (o: GdSpec) => (o.name === 'gd' ? `GD lr ${o.lr}` : `GD momentum 0.9 lr ${o.lr}`);

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const gdSeconds = Number(arg(args, '--gd-seconds') ?? (quick ? 10 : 150));
  const lbfgsSeconds = Number(arg(args, '--lbfgs-seconds') ?? 200);
  const history = Number(arg(args, '--history') ?? LBFGS_BENCH_HISTORY);
  const seeds = (arg(args, '--seeds') ?? '0').split(',').map(Number);
  const only = arg(args, '--only');
  const params = (arg(args, '--param') ?? 'projected').split(',').map((p) => {
    if (p !== 'projected' && p !== 'squared') throw new Error(`--param: "${p}" is not projected or squared`);
    return p;
  });
  const pick = arg(args, '--cases')?.split(',').map(Number);
  const values = new Set(['--gd-seconds', '--lbfgs-seconds', '--history', '--seeds', '--only', '--cases', '--gd', '--gd-best', '--param'].map((n) => arg(args, n)));
  const backend = (args.find((a) => !a.startsWith('--') && !values.has(a)) ?? 'wasm') as BackendChoice;
  const info = await initBackend(backend);
  console.log(`  backend ${info.name} (L-BFGS computes in float64); GD capped at ${gdSeconds} s, L-BFGS at ${lbfgsSeconds} s per run; ${load()}`);
  console.log(`  one loss-and-gradient evaluation, n=1000 d=64 k=10 tau=0.1 (bench/ufm.ts case, tfjs float32, GD path): ${perEvaluationMs()}; ${load()}`);
  const issue = [...Array(5).fill(200), ...Array(5).fill(2)];
  console.log(`  float64 kernel (L-BFGS path, wasm SIMD): n=1010 d=20 ${f64Ms(issue, 20, 1)}, n=1000 d=64 tau=0.1 ${f64Ms(Array(10).fill(100), 64, 0.1)}; ${load()}`);
  if (!quick) console.log(`  float64 kernel, plain-JS path (before the wasm kernel): n=1010 d=20 ${f64Ms(issue, 20, 1, sclBatchF64Js)}, n=1000 d=64 ${f64Ms(Array(10).fill(100), 64, 0.1, sclBatchF64Js)}; ${load()}`);
  const cases: Case[] = [
    { name: 'UFM+ 5x200 + 5x2 (R=100 step)', counts: issue, relu: true },
    { name: 'UFM+ 5x100 + 5x10 (R=10 step)', counts: [...Array(5).fill(100), ...Array(5).fill(10)], relu: true },
    { name: 'UFM+ long-tail R=100, nMax 200', counts: classCounts({ profile: 'long-tail', nMax: 200, ratio: 100 }, 10), relu: true },
    { name: 'UFM 5x200 + 5x2 (no ReLU)', counts: issue, relu: false },
  ];
  // projected GD: plain and with momentum 0.9, a grid of lrs on the issue case, its winner on the others
  const grid0 = parseGrid(arg(args, '--gd') ?? (quick ? 'gd:0.5' : 'gd:0.1,gd:0.5,gd:1,gd:2,momentum:0.02,momentum:0.2'));
  let best = parseGrid(arg(args, '--gd-best') ?? 'gd:0.5')[0];
  for (const [ci, c] of cases.entries()) {
    if (pick && !pick.includes(ci)) continue;
    console.log(`  ${c.name}   counts ${c.counts.join(' ')}`);
    const goal = c.relu ? 'Delta_OF < 0.05 | < 1e-3' : 'Delta_OF settles (< 1e-4 per 100 ev)';
    const show = (o: Outcome) => o.hits.slice(0, c.relu ? 2 : 1).map((h) => fmt(h, o)).join(' | ');
    if (only !== 'gd')
      for (const parametrization of c.relu ? params : (['projected'] as const))
        for (const seed of seeds) {
          const startLoad = load();
          const lb = new UfmTrainer(spec(c, { name: 'lbfgs', history, parametrization }, seed));
          const o = race(lb, c.relu, lbfgsSeconds, 1);
          lb.dispose();
          const what = c.relu ? `lbfgs ${parametrization}` : 'lbfgs';
          console.log(`    ${what} (history ${history}) seed ${seed}  ${goal}: ${show(o)}   final Delta_OF ${o.final.toExponential(2)}; ${startLoad}`);
        }
    if (only === 'lbfgs') continue;
    const grid = ci === 0 ? grid0 : [best];
    let bestEvals = Infinity;
    for (const opt of grid)
      for (const seed of seeds) {
        const startLoad = load();
        const gd = new UfmTrainer(spec(c, opt, seed));
        const g = race(gd, c.relu, gdSeconds, 10);
        gd.dispose();
        // the winner: fewest evaluations to the first goal (evaluations do not depend on the load)
        const h = g.hits[0];
        if (ci === 0 && seed === seeds[0] && h && h.evals < bestEvals) [bestEvals, best] = [h.evals, opt];
        console.log(`    ${gdName(opt).padEnd(24)} seed ${seed}  ${goal}: ${show(g)}   final Delta_OF ${g.final.toExponential(2)}; ${startLoad}`);
      }
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

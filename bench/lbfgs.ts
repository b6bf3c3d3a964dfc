/**
 * Time to geometry: L-BFGS vs projected GD (momentum, best lr of a small grid) on full-batch UFM+/UFM, tau = 1,
 * d = 20, k = 10 (issue 14). Reports seconds and loss-and-gradient evaluations until Delta_OF < 0.05 and < 1e-3
 * (UFM+), or until Delta_OF moves less than 1e-4 per 100 evaluations (UFM, whose optimum is no OF), and the cost
 * of one evaluation at n = 1000, d = 64, k = 10, tau = 0.1. Only training time is clocked (metrics are not).
 * Usage: node dist/bench/lbfgs.js [--quick] [--gd-seconds S] [--lbfgs-seconds S] [backend]
 */
import { initBackend, type BackendChoice } from '../src-main/compute/backend';
import { classMeans, deltaOF } from '../src-main/science/geometry';
import { classCounts, labelsFromCounts } from '../src-main/science/imbalance';
import { sclBatchF64 } from '../src-main/science/scl-f64';
import { UfmTrainer, type UfmSpec } from '../src-main/science/ufm';

interface Case {
  name: string;
  counts: number[];
  relu: boolean;
}

function spec(c: Case, optimizer: UfmSpec['optimizer']): UfmSpec {
  return {
    k: c.counts.length, d: 20, counts: c.counts, relu: c.relu, tau: 1, lossForm: 'paper',
    batching: { strategy: 'full', binding: false, stepPer: 'epoch' },
    optimizer, epochs: 10_000_000, seed: 0, evalEvery: 10_000_000,
  };
}

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

interface Outcome {
  hits: ({ s: number; evals: number } | null)[];
  final: number;
  seconds: number;
  evals: number;
}

/** Train until every threshold is crossed (UFM+) or Delta_OF has settled (UFM), or maxSeconds. */
function race(t: UfmTrainer, relu: boolean, maxSeconds: number, checkEvery: number): Outcome {
  const thresholds = [0.05, 1e-3];
  const hits: Outcome['hits'] = thresholds.map(() => null);
  let clock = 0;
  let lastMark = { evals: 0, dof: deltaOFOf(t) };
  let dof = lastMark.dof;
  for (let it = 1; ; it++) {
    const t0 = performance.now();
    t.trainEpoch();
    clock += (performance.now() - t0) / 1000;
    if (it % checkEvery) continue;
    dof = deltaOFOf(t);
    if (relu) {
      thresholds.forEach((th, i) => {
        if (!hits[i] && dof < th) hits[i] = { s: clock, evals: t.evaluations };
      });
      if (hits.every(Boolean)) break;
    } else if (t.evaluations - lastMark.evals >= 100) {
      if (Math.abs(dof - lastMark.dof) < 1e-4) {
        hits[0] = { s: clock, evals: t.evaluations };
        break;
      }
      lastMark = { evals: t.evaluations, dof };
    }
    if (clock > maxSeconds) break;
  }
  return { hits, final: dof, seconds: clock, evals: t.evaluations };
}

const fmt = (h: { s: number; evals: number } | null, o: Outcome) =>
  h ? `${h.s.toFixed(1)} s / ${h.evals} ev` : `> ${o.seconds.toFixed(0)} s / ${o.evals} ev`;

function perEvaluationMs(): number {
  const t = new UfmTrainer({
    ...spec({ name: '', counts: Array.from({ length: 10 }, () => 100), relu: true }, { name: 'lbfgs', history: 20 }),
    d: 64, tau: 0.1,
  });
  const g = new Float32Array(t.state.H.length);
  const batches = t.batcher.epoch(0);
  for (let i = 0; i < 5; i++) t.lossAndGrad(batches, g, 'full');
  const t0 = performance.now();
  for (let i = 0; i < 40; i++) t.lossAndGrad(batches, g, 'full');
  const ms = (performance.now() - t0) / 40;
  t.dispose();
  return ms;
}

/** The float64 kernel L-BFGS uses, at the size (n = 1010, d = 20) and at n = 1000, d = 64. */
function f64Ms(counts: number[], d: number, tau: number): number {
  const labels = labelsFromCounts(counts);
  const n = labels.length;
  const H = new Float64Array(n * d).map((_, j) => Math.cos(j * 0.37));
  const g = new Float64Array(n * d);
  const all = Array.from({ length: n }, (_, i) => i);
  sclBatchF64(H, d, labels, all, tau, 'paper', g);
  const t0 = performance.now();
  for (let i = 0; i < 10; i++) sclBatchF64(H, d, labels, all, tau, 'paper', g);
  return (performance.now() - t0) / 10;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const gi = args.indexOf('--gd-seconds');
  const gdSeconds = gi >= 0 ? Number(args[gi + 1]) : quick ? 10 : 60;
  const li = args.indexOf('--lbfgs-seconds');
  const lbfgsSeconds = li >= 0 ? Number(args[li + 1]) : 200;
  const backend = (args.find((a) => !a.startsWith('--') && Number.isNaN(Number(a))) ?? 'wasm') as BackendChoice;
  const info = await initBackend(backend);
  console.log(`  backend ${info.name} (L-BFGS computes in float64 JS); GD capped at ${gdSeconds} s, L-BFGS at ${lbfgsSeconds} s per run`);
  console.log(`  one loss-and-gradient evaluation, n=1000 d=64 k=10 tau=0.1: ${perEvaluationMs().toFixed(1)} ms (tfjs float32, GD path)`);
  console.log(`  float64 kernel (L-BFGS path): n=1010 d=20 ${f64Ms([...Array(5).fill(200), ...Array(5).fill(2)], 20, 1).toFixed(1)} ms, n=1000 d=64 ${f64Ms(Array(10).fill(100), 64, 0.1).toFixed(1)} ms`);
  const cases: Case[] = [
    { name: 'UFM+ 5x200 + 5x2 (R=100 step)', counts: [...Array(5).fill(200), ...Array(5).fill(2)], relu: true },
    { name: 'UFM+ 5x100 + 5x10 (R=10 step)', counts: [...Array(5).fill(100), ...Array(5).fill(10)], relu: true },
    { name: 'UFM+ long-tail R=100, nMax 200', counts: classCounts({ profile: 'long-tail', nMax: 200, ratio: 100 }, 10), relu: true },
    { name: 'UFM 5x200 + 5x2 (no ReLU)', counts: [...Array(5).fill(200), ...Array(5).fill(2)], relu: false },
  ];
  const lrs = quick ? [0.02] : [0.02, 0.05];
  let bestLr = 0.02;
  for (const [ci, c] of cases.entries()) {
    console.log(`  ${c.name}   counts ${c.counts.join(' ')}`);
    const goal = c.relu ? 'Delta_OF < 0.05 | < 1e-3' : 'Delta_OF settles (< 1e-4 per 100 ev)';
    const lb = new UfmTrainer(spec(c, { name: 'lbfgs', history: 20 }));
    const o = race(lb, c.relu, lbfgsSeconds, 1);
    lb.dispose();
    console.log(`    lbfgs (history 20)     ${goal}: ${o.hits.slice(0, c.relu ? 2 : 1).map((h) => fmt(h, o)).join(' | ')}   final Delta_OF ${o.final.toExponential(2)}`);
    const grid = ci === 0 ? lrs : [bestLr];
    let bestTime = Infinity;
    for (const lr of grid) {
      const gd = new UfmTrainer(spec(c, { name: 'momentum', lr, momentum: 0.9 }));
      const g = race(gd, c.relu, gdSeconds, 10);
      gd.dispose();
      const h = g.hits[0];
      if (ci === 0 && h && h.s < bestTime) [bestTime, bestLr] = [h.s, lr];
      console.log(`    GD momentum lr ${String(lr).padEnd(6)} ${goal}: ${g.hits.slice(0, c.relu ? 2 : 1).map((x) => fmt(x, g)).join(' | ')}   final Delta_OF ${g.final.toExponential(2)}`);
    }
  }
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}

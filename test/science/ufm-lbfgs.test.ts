import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/compute/backend';
import { decodeCheckpoint, encodeCheckpoint } from '../../src-main/runner/checkpoint-codec';
import { UfmTrainer, type UfmSpec } from '../../src-main/science/ufm';

const base = (over: Partial<UfmSpec>): UfmSpec => ({
  k: 4,
  d: 8,
  counts: [10, 10, 10, 10],
  relu: true,
  tau: 1,
  lossForm: 'paper',
  batching: { strategy: 'full', binding: false, stepPer: 'epoch' },
  optimizer: { name: 'lbfgs', history: 20 },
  epochs: 300,
  seed: 0,
  evalEvery: 10,
  ...over,
});

const gd = (lr: number) => ({ name: 'gd' as const, lr });
type Param = 'projected' | 'squared';
const lbfgs = (parametrization: Param) => ({ name: 'lbfgs' as const, history: 20, parametrization });

function runBoth(over: Partial<UfmSpec>, gdEpochs: number, lr: number) {
  const a = new UfmTrainer(base(over));
  const la = a.run();
  const b = new UfmTrainer(base({ ...over, optimizer: gd(lr), epochs: gdEpochs, evalEvery: gdEpochs }));
  const lb = b.run();
  a.dispose();
  b.dispose();
  return { lbfgs: la, gd: lb, evals: a.evaluations };
}

function expectAgreement(x: ReturnType<typeof runBoth>) {
  const [p, q] = [x.lbfgs.last.rec, x.gd.last.rec];
  expect(Math.abs(p.loss! - q.loss!) / Math.abs(q.loss!)).toBeLessThan(1e-5);
  for (const key of ['deltaOF', 'deltaETF', 'cosMean', 'cosMin', 'cosMax', 'normRatio'] as const)
    expect(Math.abs(p[key] - q[key]), key).toBeLessThan(1e-3);
}

describe.each(['projected', 'squared'] as const)('UFM / UFM+ by L-BFGS (%s) agrees with projected GD', (param) => {
  beforeAll(async () => {
    await initBackend(process.env.SCL_TEST_BACKEND === 'cpu' ? 'cpu' : 'auto');
  });

  it('balanced 4 x 10, UFM+, tau 1: both reach L* = 119.902 and the same geometry', () => {
    const x = runBoth({ optimizer: lbfgs(param), stop: { gapBelow: 1e-5 } }, 3000, 0.05);
    expect(['reached', 'converged']).toContain(x.lbfgs.stopReason);
    expect(x.lbfgs.last.rec.loss!).toBeCloseTo(119.902, 3);
    expect(x.gd.last.rec.loss!).toBeCloseTo(119.902, 3);
    expectAgreement(x);
  });

  it('imbalanced UFM+ (30, 30, 4, 4): the orthogonal frame, with fewer evaluations than GD epochs', () => {
    const x = runBoth({ optimizer: lbfgs(param), counts: [30, 30, 4, 4], stop: { deltaOFBelow: 1e-4, gapBelow: 1e-4 } }, 4000, 0.05);
    expect(x.lbfgs.stopReason).toBe('reached');
    expect(x.lbfgs.last.rec.deltaOF).toBeLessThan(1e-4);
    expect(x.gd.last.rec.deltaOF).toBeLessThan(1e-3);
    expect(x.evals).toBeLessThan(1000);
    expectAgreement(x);
  });

  it('imbalanced UFM without ReLU (40, 40, 4, 4): the same asymmetric optimum as GD run long', () => {
    const x = runBoth({ optimizer: lbfgs(param), relu: false, counts: [40, 40, 4, 4], epochs: 200 }, 8000, 0.05);
    expect(x.lbfgs.last.rec.deltaETF).toBeGreaterThan(0.05);
    expectAgreement(x);
  });
});

describe('UFM+ by projected L-BFGS: exact zeros at the orthogonal frame', () => {
  beforeAll(async () => {
    await initBackend(process.env.SCL_TEST_BACKEND === 'cpu' ? 'cpu' : 'auto');
  });

  /** Pairs of samples of different classes whose features are exactly orthogonal (disjoint supports), of all. */
  function orthogonalPairs(param: Param): { exact: number; all: number; deltaOF: number } {
    const t = new UfmTrainer(base({ optimizer: lbfgs(param), counts: [30, 30, 4, 4], epochs: 400, stop: { deltaOFBelow: 1e-4 } }));
    const r = t.run();
    const { H } = t.state;
    const d = t.spec.d;
    let exact = 0, all = 0;
    for (let i = 0; i < t.n; i++)
      for (let j = i + 1; j < t.n; j++) {
        if (t.labels[i] === t.labels[j]) continue;
        all++;
        let zero = true;
        for (let c = 0; c < d; c++) if (H[i * d + c] !== 0 && H[j * d + c] !== 0) zero = false;
        if (zero) exact++;
      }
    t.dispose();
    return { exact, all, deltaOF: r.last.rec.deltaOF };
  }

  it('without a target the projected run ends by itself: stop reason "converged" at L*', () => {
    const t = new UfmTrainer(base({ optimizer: lbfgs('projected'), epochs: 500 }));
    const r = t.run();
    t.dispose();
    expect(r.stopReason).toBe('converged');
    expect(r.last.rec.epoch).toBeLessThan(500);
    expect(r.last.rec.loss!).toBeCloseTo(119.902, 3);
  });

  it('every pair of classes ends on disjoint supports (h_i . h_j = 0 exactly); the squared form only approaches it', () => {
    const p = orthogonalPairs('projected');
    expect(p.deltaOF).toBeLessThan(1e-4);
    expect(p.exact).toBe(p.all);
    const q = orthogonalPairs('squared');
    expect(q.deltaOF).toBeLessThan(1e-4);
    expect(q.exact).toBeLessThan(q.all);
  });
});

describe('stop rules and resume', () => {
  beforeAll(async () => {
    await initBackend(process.env.SCL_TEST_BACKEND === 'cpu' ? 'cpu' : 'auto');
  });

  it('stops on deltaOFBelow at the first evaluation point that meets it (any optimiser)', () => {
    const t = new UfmTrainer(base({ counts: [20, 20, 3, 3], optimizer: gd(0.05), epochs: 5000, evalEvery: 50, stop: { deltaOFBelow: 0.05 } }));
    const r = t.run();
    t.dispose();
    expect(r.stopReason).toBe('reached');
    expect(r.last.rec.deltaOF).toBeLessThan(0.05);
    expect(r.last.rec.epoch).toBeLessThan(5000);
    expect(r.last.rec.epoch % 50).toBe(0);
    const before = r.history.at(-2)!;
    expect(before.deltaOF).toBeGreaterThanOrEqual(0.05);
  });

  it('ends at epochs with "maxEpochs" when the targets are not met, and at the time limit with "maxSeconds"', () => {
    const a = new UfmTrainer(base({ optimizer: gd(0.05), epochs: 20, stop: { deltaOFBelow: 1e-12 } }));
    const ra = a.run();
    a.dispose();
    expect(ra.stopReason).toBe('maxEpochs');
    expect(ra.last.rec.epoch).toBe(20);
    const b = new UfmTrainer(base({ optimizer: gd(0.05), epochs: 100_000, evalEvery: 1000, stop: { maxSeconds: 30 } }));
    let calls = 0;
    const rb = b.run({ elapsedSeconds: () => (++calls > 6 ? 31 : 0) }); // the clock passes 30 s before the 7th epoch
    b.dispose();
    expect(rb.stopReason).toBe('maxSeconds');
    expect(rb.last.rec.epoch).toBe(6);
    expect(rb.history.at(-1)!.epoch).toBe(6); // the stopping point is evaluated
  });

  it.each(['projected', 'squared'] as const)('resuming from a checkpoint continues the same L-BFGS memory (%s): 6 + 6 iterations equal 12 bit for bit', (param) => {
    const spec = base({ optimizer: lbfgs(param), counts: [20, 20, 3, 3], epochs: 12, evalEvery: 6 });
    const straight = new UfmTrainer(spec);
    straight.run();
    const first = new UfmTrainer({ ...spec, epochs: 6 });
    first.run();
    const s = first.state;
    const cp = encodeCheckpoint({ kind: 'ufm', epoch: s.epoch, H: s.H, opt: s.opt, lbfgs: s.lbfgs });
    const back = decodeCheckpoint(Buffer.from(cp.data), JSON.parse(JSON.stringify(cp.meta)));
    if (back.kind !== 'ufm') throw new Error('expected a ufm checkpoint');
    expect(back.lbfgs!.S.length).toBe(s.lbfgs!.S.length);
    expect(back.lbfgs!.S.length).toBeGreaterThan(0);
    const resumed = new UfmTrainer(spec, { epoch: back.epoch, H: back.H, opt: back.opt, lbfgs: back.lbfgs });
    resumed.run();
    expect(resumed.state.epoch).toBe(12);
    expect(resumed.evaluations).toBe(straight.evaluations);
    expect([...resumed.state.lbfgs!.x]).toEqual([...straight.state.lbfgs!.x]);
    expect([...resumed.state.H]).toEqual([...straight.state.H]);
    for (const t of [straight, first, resumed]) t.dispose();
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelsFromCounts } from '../../src-main/science/imbalance';
import { oracleSclLoss, type LossForm } from '../../src-main/science/scl-oracle';
import { sclBatchF64, sclBatchF64Js } from '../../src-main/science/scl-f64';

/** Unit rows from a fixed pseudo-random sequence (Park-Miller), n x d. */
function unitRows(n: number, d: number, seed: number): Float64Array {
  let s = seed;
  const H = new Float64Array(n * d).map(() => (s = (s * 16807) % 2147483647) / 2147483647 - 0.5);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let t = 0; t < d; t++) r += H[i * d + t] ** 2;
    for (let t = 0; t < d; t++) H[i * d + t] /= Math.sqrt(r);
  }
  return H;
}

const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Loss and gradient of `kernel` summed over batches, and their relative errors against the float64 oracle. */
function errors(kernel: typeof sclBatchF64, counts: number[], d: number, batches: number[][] | null, tau: number, form: LossForm) {
  const labels = labelsFromCounts(counts);
  const n = labels.length;
  const H = unitRows(n, d, 7 + n + d);
  const bs = batches ?? [Array.from({ length: n }, (_, i) => i)];
  const g = new Float64Array(n * d);
  let f = 0;
  for (const b of bs) f += kernel(H, d, labels, b, tau, form, g);
  const ref = oracleSclLoss(H, d, labels, bs, tau, form);
  let ge = 0;
  for (let j = 0; j < g.length; j++) ge = Math.max(ge, Math.abs(g[j] - ref.grad[j]));
  return { loss: f, lossRel: Math.abs(f - ref.loss) / Math.abs(ref.loss), gradRel: ge / maxAbs(ref.grad), g };
}

describe('float64 SCL kernel (WebAssembly SIMD path)', () => {
  const forms: LossForm[] = ['paper', 'supcon-mean', 'supcon-mean-positive-anchors'];

  it('matches the float64 oracle to 1e-12 relative on the imbalanced full batch (odd and even sizes, padded d)', () => {
    // 5 x 40 + 5 x 2 (n = 210, the imbalance at a fifth of its size) and odd n / odd d (tail column, padding)
    for (const [counts, d] of [[[40, 40, 40, 40, 40, 2, 2, 2, 2, 2], 20], [[7, 6, 1, 5], 5], [[9, 2, 3], 7], [[3, 3], 1]] as const)
      for (const tau of [1, 0.1, 0.02]) {
        const e = errors(sclBatchF64, [...counts], d, null, tau, 'paper');
        expect(e.lossRel, `counts ${counts} d ${d} tau ${tau}`).toBeLessThan(1e-12);
        expect(e.gradRel, `counts ${counts} d ${d} tau ${tau}`).toBeLessThan(1e-12);
      }
  });

  it('matches the oracle on batches with singletons, all loss forms, tau down to the wasm limit 1/300 and below', () => {
    const batches = [[0, 1, 2, 5, 6, 9, 12, 20, 21], [3, 4, 7, 8, 10, 11, 22], [0, 12], [13]];
    for (const form of forms)
      for (const tau of [1, 0.05, 1 / 30, 0.01, 1 / 290, 0.002]) {
        const e = errors(sclBatchF64, [6, 5, 4, 1, 4, 3], 9, batches, tau, form);
        expect(e.lossRel, `${form} tau ${tau}`).toBeLessThan(1e-12);
        expect(e.gradRel, `${form} tau ${tau}`).toBeLessThan(1e-12);
      }
  });

  it('agrees with the plain-JS kernel to 1e-13, including after its heap grew for a bigger batch', () => {
    for (const [counts, d] of [[[4, 4], 3], [[120, 80, 60, 2, 2], 16], [[5, 5, 5], 33]] as const) {
      const a = errors(sclBatchF64, [...counts], d, null, 0.25, 'supcon-mean');
      const b = errors(sclBatchF64Js, [...counts], d, null, 0.25, 'supcon-mean');
      expect(Math.abs(a.loss - b.loss) / Math.abs(b.loss)).toBeLessThan(1e-13);
      let ge = 0;
      for (let j = 0; j < a.g.length; j++) ge = Math.max(ge, Math.abs(a.g[j] - b.g[j]));
      expect(ge / maxAbs(b.g)).toBeLessThan(1e-13);
    }
  });

  it('a non-finite feature makes the loss and gradient non-finite (what L-BFGS checks), not a silent number', () => {
    const labels = labelsFromCounts([3, 3]);
    const H = unitRows(6, 4, 3);
    H[5] = NaN;
    const g = new Float64Array(H.length);
    const f = sclBatchF64(H, 4, labels, [0, 1, 2, 3, 4, 5], 1, 'paper', g);
    expect(Number.isFinite(f)).toBe(false);
    expect(Array.from(g).some((v) => !Number.isFinite(v))).toBe(true);
  });

  it('the embedded wasm bytes are the compiled scl-f64.wat (scripts/build-wasm.js is not stale)', async () => {
    const root = join(__dirname, '..', '..');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the build script is CommonJS (scripts/ is plain node)
    const build = require(join(root, 'scripts', 'build-wasm.js')) as {
      compile(f: string): Promise<Buffer>;
      generated(name: string, bytes: Buffer): string;
    };
    const dir = join(root, 'src-main', 'science', 'wasm');
    const bytes = await build.compile(join(dir, 'scl-f64.wat'));
    expect(readFileSync(join(dir, 'scl-f64-wasm.ts'), 'utf8')).toBe(build.generated('scl-f64', bytes));
  });
});

import { describe, expect, it } from 'vitest';
import { geometry, nc1 } from '../../src-main/science/geometry';
import { labelsFromCounts } from '../../src-main/science/imbalance';
import { ofFeatures } from './fixtures';

describe('geometry metrics (spec section 3)', () => {
  it('an exact OF: Delta_OF = 0, Delta_ETF = 0, cosines 0, norms equal, NC1 = 0, NCC = 1', () => {
    const counts = [5, 5, 2, 2];
    const y = labelsFromCounts(counts);
    const { H, d } = ofFeatures(y, 4, 7);
    const g = geometry(H, d, y, 4, counts);
    expect(g.deltaOF).toBeLessThan(1e-12);
    expect(g.deltaETF).toBeLessThan(1e-12);
    expect(g.cosMax).toBeCloseTo(0, 12);
    expect(g.cosGroups).toEqual({ majMaj: 0, minMin: 0, majMin: 0 });
    expect(g.normRatio).toBeCloseTo(1, 12);
    expect(g.nc1).toBeLessThan(1e-20);
    expect(g.nccAccTrain).toBe(1);
  });

  it('NC1 equals (1/k) tr(Sigma_W Sigma_B^+) computed directly', () => {
    // k = 2 in d = 2: means (1,0) and (0,1); within-class spread along x only
    const H = Float64Array.from([1.1, 0, 0.9, 0, 0.1, 1, -0.1, 1]);
    const y = Int32Array.from([0, 0, 1, 1]);
    const means = Float64Array.from([1, 0, 0, 1]);
    // Sigma_W = diag(0.01, 0) ; Sigma_B = (1/2) sum (mu_c - muG)(.)^T with mu_c - muG = ±(0.5,-0.5) => [[.25,-.25],[-.25,.25]]
    // Sigma_B^+ = [[1,-1],[-1,1]] ; tr(Sigma_W Sigma_B^+) = 0.01 ; NC1 = 0.01 / 2
    expect(nc1(H, 2, y, means, 2)).toBeCloseTo(0.005, 12);
  });

  it('balanced NCC accuracy averages per-class accuracies', () => {
    // class 0: 4 examples, 3 right; class 1: 2 examples, both right -> (0.75 + 1)/2
    const H = Float64Array.from([1, 0, 1, 0, 1, 0, 0.1, 1, 0, 1, 0, 1]);
    const y = Int32Array.from([0, 0, 0, 0, 1, 1]);
    const g = geometry(H, 2, y, 2, [4, 2]);
    expect(g.nccAccTrain).toBeCloseTo(0.875, 12);
  });

  it('Delta_OF is computed from the Gram matrix: orthogonal means of unequal norms are NOT an OF', () => {
    // class 0: every example at e1 (mean e1, norm 1); class 1: half at e2, half at e3 (mean (e2+e3)/2, norm 1/sqrt 2)
    const H = Float64Array.from([1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const y = Int32Array.from([0, 0, 1, 1]);
    const g = geometry(H, 3, y, 2, [2, 2]);
    // G_M = diag(1, 1/2), ||G_M||_F = sqrt(5)/2: Delta_OF = sqrt((2/sqrt5 - 1/sqrt2)^2 + (1/sqrt5 - 1/sqrt2)^2)
    const expected = Math.hypot(2 / Math.sqrt(5) - Math.SQRT1_2, 1 / Math.sqrt(5) - Math.SQRT1_2);
    expect(expected).toBeGreaterThan(0.3);
    expect(g.deltaOF).toBeCloseTo(expected, 12);
    // the cosines alone say "orthogonal": only the Gram matrix sees the unequal norms
    expect(g.cosMax).toBeCloseTo(0, 12);
    expect(g.classNorms[0] / g.classNorms[1]).toBeCloseTo(Math.SQRT2, 12);
  });

  it('Delta_OF of three unequal, non-orthogonal class means matches the Gram formula by hand', () => {
    // unit examples; class 1 = {(0.6, 0.8), (0.6, -0.8)} has mean (0.6, 0): norms 1, 0.6, 1
    const H = Float64Array.from([1, 0, 1, 0, 0.6, 0.8, 0.6, -0.8, 0, 1, 0, 1]);
    const y = Int32Array.from([0, 0, 1, 1, 2, 2]);
    const g = geometry(H, 2, y, 3, [2, 2, 2]);
    // M = [(1,0), (0.6,0), (0,1)]: G = [[1, .6, 0], [.6, .36, 0], [0, 0, 1]]
    const G = [1, 0.6, 0, 0.6, 0.36, 0, 0, 0, 1];
    const f = Math.hypot(...G);
    const expected = Math.hypot(...G.map((v, i) => v / f - (i % 4 === 0 ? 1 / Math.sqrt(3) : 0)));
    expect(g.deltaOF).toBeCloseTo(expected, 12);
  });
});

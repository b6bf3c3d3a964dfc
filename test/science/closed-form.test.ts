import { describe, expect, it } from 'vitest';
import { deltaOfOfEtf, etfAngleDegrees, etfOptimumBalanced, ofOptimum } from '../../src-main/science/closed-form';
import { geometry } from '../../src-main/science/geometry';
import { labelsFromCounts } from '../../src-main/science/imbalance';
import { oracleSclLoss } from '../../src-main/science/scl-oracle';
import { etfFeatures, ofFeatures } from './fixtures';

describe('closed forms of the spec', () => {
  const labels = labelsFromCounts([10, 10, 10, 10]);
  const full = [Array.from({ length: 40 }, (_, i) => i)];

  it('UFM+ optimum, one full batch, k = 4 classes of 10, tau = 1: L* = 119.902', () => {
    expect(ofOptimum(full, labels, 1)).toBeCloseTo(119.902, 3);
  });

  it('the orthogonal frame attains L* (oracle loss of an exact OF)', () => {
    const { H, d } = ofFeatures(labels, 4, 6);
    expect(oracleSclLoss(H, d, labels, full, 1).loss).toBeCloseTo(119.902, 3);
  });

  it('UFM balanced optimum (simplex ETF), k = 4 x 10, tau = 1: 113.111, attained by an exact ETF', () => {
    expect(etfOptimumBalanced(4, 10, 1)).toBeCloseTo(113.111, 3);
    const { H, d } = etfFeatures(labels, 4);
    expect(oracleSclLoss(H, d, labels, full, 1).loss).toBeCloseTo(113.111, 3);
  });

  it.each([
    [4, 0.5176],
    [10, 0.3204],
    [100, 0.1001],
  ])('Delta_OF of a perfect ETF, k = %i: %f (formula and measured geometry agree)', (k, expected) => {
    expect(deltaOfOfEtf(k)).toBeCloseTo(expected, 4);
    const y = labelsFromCounts(Array.from({ length: k }, () => 2));
    const { H, d } = etfFeatures(y, k);
    const g = geometry(H, d, y, k, Array.from({ length: k }, () => 2));
    expect(g.deltaOF).toBeCloseTo(expected, 4);
    expect(g.deltaETF).toBeLessThan(1e-9);
  });

  it('ETF angle for k = 10 is 96.38 degrees', () => {
    expect(etfAngleDegrees(10)).toBeCloseTo(96.38, 2);
  });
});

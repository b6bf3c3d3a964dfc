import { describe, expect, it } from 'vitest';
import { classCounts, labelsFromCounts } from '../../src-main/science/imbalance';

describe('imbalance profiles (spec section 4)', () => {
  it('CIFAR-10 step R = 10: 5 x 5000 + 5 x 500', () => {
    expect(classCounts({ profile: 'step', nMax: 5000, ratio: 10, minorityFraction: 0.5 }, 10)).toEqual([
      5000, 5000, 5000, 5000, 5000, 500, 500, 500, 500, 500,
    ]);
  });

  it('CIFAR-10 long-tail R = 100 matches the spec table', () => {
    expect(classCounts({ profile: 'long-tail', nMax: 5000, ratio: 100 }, 10)).toEqual([
      5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50,
    ]);
  });

  it('step with the paper floor rule: floor(n_max / R)', () => {
    expect(classCounts({ profile: 'step', nMax: 500, ratio: 3, minorityFraction: 0.5 }, 4)).toEqual([500, 500, 166, 166]);
    expect(classCounts({ profile: 'step', nMax: 200, ratio: 100, minorityFraction: 0.3 }, 10)).toEqual([
      200, 200, 200, 200, 200, 200, 200, 2, 2, 2,
    ]);
  });

  it('balanced and custom', () => {
    expect(classCounts({ profile: 'balanced', nMax: 7 }, 3)).toEqual([7, 7, 7]);
    expect(classCounts({ profile: 'custom', counts: [20, 20, 2, 2] }, 4)).toEqual([20, 20, 2, 2]);
  });

  it('labels are laid out class by class', () => {
    expect(Array.from(labelsFromCounts([2, 3]))).toEqual([0, 0, 1, 1, 1]);
  });
});

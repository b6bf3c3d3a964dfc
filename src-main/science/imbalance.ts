/**
 * Class-imbalance profiles (spec section 4). Applied to training sets only; test sets stay balanced.
 *   balanced:       n_c = n_max
 *   step(R, rho):   the first classes get n_max, the last floor(rho k) get floor(n_max / R), where
 *                   rho = minorityFraction (the paper's rho = 1/2 makes both halves equal)
 *   long-tail(R):   n_c = floor(n_max R^(-c/(k-1))), c = 0..k-1
 *   custom:         an explicit list
 */
export type ImbalanceProfile =
  | { profile: 'balanced'; nMax: number }
  | { profile: 'step'; nMax: number; ratio: number; minorityFraction?: number }
  | { profile: 'long-tail'; nMax: number; ratio: number }
  | { profile: 'custom'; counts: number[] };

/** floor() that forgives the last ulp: 5000 * 100^-1 must be 50, not 49. */
function floorExact(x: number): number {
  return Math.floor(x + 1e-9 * Math.max(1, Math.abs(x)));
}

export function classCounts(p: ImbalanceProfile, k: number): number[] {
  switch (p.profile) {
    case 'balanced':
      return Array.from({ length: k }, () => p.nMax);
    case 'step': {
      const nMajor = k - floorExact((p.minorityFraction ?? 0.5) * k);
      const minor = floorExact(p.nMax / p.ratio);
      return Array.from({ length: k }, (_, c) => (c < nMajor ? p.nMax : minor));
    }
    case 'long-tail':
      return Array.from({ length: k }, (_, c) => (k === 1 ? p.nMax : floorExact(p.nMax * Math.pow(p.ratio, -c / (k - 1)))));
    case 'custom':
      return p.counts.slice();
  }
}

/** Labels 0..k-1 laid out class by class: counts [2,3] -> [0,0,1,1,1]. */
export function labelsFromCounts(counts: readonly number[]): Int32Array {
  const n = counts.reduce((a, b) => a + b, 0);
  const y = new Int32Array(n);
  let i = 0;
  counts.forEach((nc, c) => {
    for (let j = 0; j < nc; j++) y[i++] = c;
  });
  return y;
}

/** Majority classes are those at the maximum count; everything else is minority (none when balanced). */
export function majorityMask(counts: readonly number[]): boolean[] {
  const max = Math.max(...counts);
  return counts.map((c) => c === max);
}

/**
 * A seed group's class-mean cosine matrices: their element-wise mean (what a grouped heatmap shows, labelled as a
 * mean) and which seeds disagree with the group.
 *
 * "Disagrees": a seed's matrix is compared entry by entry (off-diagonal) with the element-wise MEDIAN of the
 * group's matrices; the seed disagrees when some entry is further than `tol` (default 0.2, in cosine units) from
 * that median. The median, not the mean, so that one collapsed seed (minority cosines 0.99 where the others are
 * near 0) cannot drag the reference towards itself. With two seeds there is no majority: each is compared with
 * the other, and both are flagged when they differ by more than `tol`.
 */
import { offDiagonal } from './geometry';

export const DEFAULT_TOL = 0.2;

/** Element-wise mean of same-size matrices (null when there are none or their sizes differ). */
export function meanMatrix(mats: readonly (readonly number[])[]): number[] | null {
  if (!mats.length || mats.some((m) => m.length !== mats[0]!.length)) return null;
  const out = new Array<number>(mats[0]!.length).fill(0);
  for (const m of mats) for (let i = 0; i < m.length; i++) out[i]! += m[i]!;
  return out.map((v) => v / mats.length);
}

/** Element-wise median of same-size matrices. */
export function medianMatrix(mats: readonly (readonly number[])[]): number[] | null {
  if (!mats.length || mats.some((m) => m.length !== mats[0]!.length)) return null;
  return mats[0]!.map((_, i) => {
    const xs = mats.map((m) => m[i]!).sort((a, b) => a - b);
    const h = xs.length >> 1;
    return xs.length % 2 ? xs[h]! : (xs[h - 1]! + xs[h]!) / 2;
  });
}

export interface SeedVerdict {
  /** Mean of the seed's off-diagonal cosines. */
  offMean: number;
  /** Largest |entry - reference| off the diagonal, and where (class indices). */
  maxDev: number;
  at: [number, number];
  /** The seed's value and the reference's at that entry. */
  value: number;
  reference: number;
  disagrees: boolean;
}

/** One verdict per matrix (same order); null when the sizes differ. */
export function seedAgreement(mats: readonly (readonly number[])[], k: number, tol = DEFAULT_TOL): SeedVerdict[] | null {
  if (mats.some((m) => m.length !== k * k)) return null;
  const median = mats.length >= 3 ? medianMatrix(mats) : null;
  return mats.map((m, s) => {
    const ref = median ?? (mats.length === 2 ? mats[1 - s]! : m);
    let maxDev = 0;
    let at: [number, number] = [0, 0];
    for (let i = 0; i < k; i++)
      for (let j = i + 1; j < k; j++) {
        const d = Math.abs(m[i * k + j]! - ref[i * k + j]!);
        if (d > maxDev) {
          maxDev = d;
          at = [i, j];
        }
      }
    const off = offDiagonal(m, k);
    return {
      offMean: off.length ? off.reduce((a, b) => a + b, 0) / off.length : 0,
      maxDev,
      at,
      value: m[at[0] * k + at[1]]!,
      reference: ref[at[0] * k + at[1]]!,
      disagrees: maxDev > tol,
    };
  });
}

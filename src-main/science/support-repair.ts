/**
 * Support repair: a way out of the spurious stationary points of UFM+ (spec section 2) for projected L-BFGS.
 *
 * At the OF every class mean sits on its own coordinates: the supports of the class means are disjoint. With
 * u >= 0 and exact zeros, projected methods can stop at a KKT point where two classes share their support
 * (measured: two minority classes on one coordinate while a majority class spreads over three). Its gradient
 * on the coordinates that would separate them points outward, so no small step leaves it; the loss is
 * 1e-6 to 1e-2 relative above L*.
 *
 * A move takes the pair of classes whose means are most alike (cosine > COLLISION_COS), and puts every row of
 * one of them (the one with fewer examples first, then the other) on a single spare coordinate: one that no
 * class uses, or else the smallest share of a class that spreads over two or more coordinates not shared with
 * any other class (that class gives the coordinate up: it is zeroed in its rows). The solver keeps a move only
 * if it leads below the stationary point's loss; otherwise it goes back (ufm-lbfgs.ts). Pure.
 */

/** Two class means at least this alike (cosine) count as sharing their support. */
export const COLLISION_COS = 0.01;
/** A coordinate belongs to a class mean's support when its share of the mean's norm is above this. */
const SUPPORT_SHARE = 1e-3;

export interface RepairMove {
  /** The class put on `coordinate`, and the class it collided with. */
  mover: number;
  partner: number;
  /** Cosine of the two class means at the stationary point. */
  cos: number;
  coordinate: number;
  /** The class that gave up `coordinate`, or null when no class used it. */
  donor: number | null;
}

/** Candidate moves from the point x (n x d rows, >= 0), the most alike pair first; empty when supports are disjoint. */
export function repairMoves(x: Float64Array, d: number, labels: ArrayLike<number>, k: number): RepairMove[] {
  const n = labels.length;
  const M = new Float64Array(k * d);
  const count = new Array<number>(k).fill(0);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    count[c]++;
    for (let j = 0; j < d; j++) M[c * d + j] += x[i * d + j];
  }
  const norm = Array.from({ length: k }, (_, a) => {
    let s = 0;
    for (let j = 0; j < d; j++) s += M[a * d + j] ** 2;
    return Math.sqrt(s);
  });
  const share = (a: number, j: number) => (norm[a] > 0 ? M[a * d + j] / norm[a] : 0);
  const pairs: { a: number; b: number; cos: number }[] = [];
  for (let a = 0; a < k; a++)
    for (let b = a + 1; b < k; b++) {
      if (!(norm[a] > 0 && norm[b] > 0)) continue;
      let s = 0;
      for (let j = 0; j < d; j++) s += M[a * d + j] * M[b * d + j];
      const cos = s / (norm[a] * norm[b]);
      if (cos > COLLISION_COS) pairs.push({ a, b, cos });
    }
  pairs.sort((p, q) => q.cos - p.cos || p.a - q.a || p.b - q.b);
  const moves: RepairMove[] = [];
  for (const { a, b, cos } of pairs) {
    const order = count[b] < count[a] ? [b, a] : [a, b];
    for (const [mover, partner] of [order, [order[1], order[0]]]) {
      const spot = spareCoordinate(d, k, mover, share);
      if (spot) moves.push({ mover, partner, cos, ...spot });
    }
  }
  return moves;
}

/** A coordinate no class uses; else the smallest unshared share of a class spread over >= 2 coordinates. */
function spareCoordinate(d: number, k: number, mover: number, share: (a: number, j: number) => number): { coordinate: number; donor: number | null } | null {
  for (let j = 0; j < d; j++) {
    let used = false;
    for (let a = 0; a < k && !used; a++) used = share(a, j) > SUPPORT_SHARE;
    if (!used) return { coordinate: j, donor: null };
  }
  let best: { coordinate: number; donor: number; m: number } | null = null;
  for (let c = 0; c < k; c++) {
    if (c === mover) continue;
    const support: number[] = [];
    for (let j = 0; j < d; j++) if (share(c, j) > SUPPORT_SHARE) support.push(j);
    if (support.length < 2) continue;
    for (const j of support) {
      let shared = false;
      for (let a = 0; a < k && !shared; a++) shared = a !== c && share(a, j) > SUPPORT_SHARE;
      const m = share(c, j);
      if (!shared && (!best || m < best.m)) best = { coordinate: j, donor: c, m };
    }
  }
  return best && { coordinate: best.coordinate, donor: best.donor };
}

/** x after the move (a copy, unit rows): the mover's rows on e_coordinate, the coordinate zeroed in the donor's rows. */
export function applyMove(x: Float64Array, d: number, labels: ArrayLike<number>, move: RepairMove): Float64Array {
  const out = x.slice();
  for (let i = 0; i < labels.length; i++) {
    const o = i * d;
    if (labels[i] === move.mover) {
      out.fill(0, o, o + d);
      out[o + move.coordinate] = 1;
    } else if (labels[i] === move.donor && out[o + move.coordinate] > 0) {
      out[o + move.coordinate] = 0;
      let r = 0;
      for (let j = o; j < o + d; j++) r += out[j] * out[j];
      if (!(r > 0)) {
        // the row lived on that coordinate alone: it keeps its place (the move is judged by the loss)
        out[o + move.coordinate] = x[o + move.coordinate];
        continue;
      }
      const c = 1 / Math.sqrt(r);
      for (let j = o; j < o + d; j++) out[j] *= c;
    }
  }
  return out;
}

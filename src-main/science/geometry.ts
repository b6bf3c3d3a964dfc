/**
 * Geometry metrics (spec section 3), computed in Float64 on the training embeddings H (n x d, row-major).
 *   mu_c = uncentred class mean, M = [mu_1..mu_k], G_M = M^T M
 *   Delta_OF  = || G_M/||G_M||_F - I/sqrt(k) ||_F
 *   Delta_ETF = || G~/||G~||_F - (I - 11^T/k)/sqrt(k-1) ||_F,   G~ from the means centred by their unweighted mean
 *   NC1 = (1/k) tr(Sigma_W Sigma_B^+)   (the authors' code omits the 1/k; we report it WITH the 1/k)
 */
import { Matrix, pseudoInverse } from 'ml-matrix';
import { majorityMask } from './imbalance';

export interface CosineGroups {
  majMaj: number | null;
  minMin: number | null;
  majMin: number | null;
}

export interface Geometry {
  deltaOF: number;
  deltaETF: number;
  nc1: number;
  cosMean: number;
  cosMin: number;
  cosMax: number;
  cosGroups: CosineGroups;
  normRatio: number;
  classNorms: number[];
  nccAccTrain: number;
  /** k x k, row-major. */
  gram: Float64Array;
  /** k x k cosine matrix of class means, row-major. */
  cosine: Float64Array;
  /** Class means, k x d row-major (kept for NCC on test data). */
  means: Float64Array;
}

export function classMeans(H: ArrayLike<number>, d: number, labels: ArrayLike<number>, k: number): Float64Array {
  const mu = new Float64Array(k * d);
  const cnt = new Float64Array(k);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    cnt[y]++;
    for (let t = 0; t < d; t++) mu[y * d + t] += H[i * d + t];
  }
  for (let c = 0; c < k; c++) {
    if (cnt[c] === 0) throw new Error(`class ${c} has no examples: its mean is undefined`);
    for (let t = 0; t < d; t++) mu[c * d + t] /= cnt[c];
  }
  return mu;
}

function frob(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

function gramOf(M: Float64Array, k: number, d: number): Float64Array {
  const G = new Float64Array(k * k);
  for (let a = 0; a < k; a++)
    for (let b = a; b < k; b++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += M[a * d + t] * M[b * d + t];
      G[a * k + b] = G[b * k + a] = s;
    }
  return G;
}

export function deltaOF(gram: Float64Array, k: number): number {
  const f = frob(gram);
  const inv = 1 / Math.sqrt(k);
  let s = 0;
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) {
      const v = gram[a * k + b] / f - (a === b ? inv : 0);
      s += v * v;
    }
  return Math.sqrt(s);
}

export function deltaETF(means: Float64Array, k: number, d: number): number {
  const c = new Float64Array(k * d);
  for (let t = 0; t < d; t++) {
    let m = 0;
    for (let a = 0; a < k; a++) m += means[a * d + t];
    m /= k;
    for (let a = 0; a < k; a++) c[a * d + t] = means[a * d + t] - m;
  }
  const G = gramOf(c, k, d);
  const f = frob(G);
  const tn = Math.sqrt(k - 1); // ||I - 11^T/k||_F
  let s = 0;
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) {
      const v = G[a * k + b] / f - ((a === b ? 1 : 0) - 1 / k) / tn;
      s += v * v;
    }
  return Math.sqrt(s);
}

/**
 * NC1 = (1/k) tr(Sigma_W Sigma_B^+). With A = (M - mu_G)/sqrt(k) (d x k), Sigma_B = A A^T and
 * tr(Sigma_W (AA^T)^+) = (1/n) sum_i || A^+ (h_i - mu_{y_i}) ||^2, which needs only a d x k pseudo-inverse.
 */
export function nc1(H: ArrayLike<number>, d: number, labels: ArrayLike<number>, means: Float64Array, k: number): number {
  const muG = new Float64Array(d);
  for (let a = 0; a < k; a++) for (let t = 0; t < d; t++) muG[t] += means[a * d + t] / k;
  const A = new Matrix(d, k);
  const sk = Math.sqrt(k);
  for (let a = 0; a < k; a++) for (let t = 0; t < d; t++) A.set(t, a, (means[a * d + t] - muG[t]) / sk);
  const Ap = pseudoInverse(A, 1e-10).to2DArray(); // k x d
  let s = 0;
  const n = labels.length;
  const r = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const y = labels[i];
    for (let t = 0; t < d; t++) r[t] = H[i * d + t] - means[y * d + t];
    for (let a = 0; a < k; a++) {
      const row = Ap[a];
      let v = 0;
      for (let t = 0; t < d; t++) v += row[t] * r[t];
      s += v * v;
    }
  }
  return s / n / k;
}

/** Balanced nearest-class-centre accuracy: the mean over classes of the per-class accuracy. */
export function nccAccuracy(H: ArrayLike<number>, d: number, labels: ArrayLike<number>, means: Float64Array, k: number): number {
  const correct = new Float64Array(k);
  const total = new Float64Array(k);
  for (let i = 0; i < labels.length; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let t = 0; t < d; t++) {
        const v = H[i * d + t] - means[c * d + t];
        s += v * v;
      }
      if (s < bestD) {
        bestD = s;
        best = c;
      }
    }
    total[labels[i]]++;
    if (best === labels[i]) correct[labels[i]]++;
  }
  let acc = 0;
  let present = 0;
  for (let c = 0; c < k; c++)
    if (total[c] > 0) {
      acc += correct[c] / total[c];
      present++;
    }
  return acc / present;
}

function stats(v: number[]): { mean: number; min: number; max: number } | null {
  if (v.length === 0) return null;
  let s = 0, mn = Infinity, mx = -Infinity;
  for (const x of v) {
    s += x;
    mn = Math.min(mn, x);
    mx = Math.max(mx, x);
  }
  return { mean: s / v.length, min: mn, max: mx };
}

/** All metrics of spec section 3 for one embedding matrix. counts decides majority (max count) vs minority. */
export function geometry(H: ArrayLike<number>, d: number, labels: ArrayLike<number>, k: number, counts: readonly number[]): Geometry {
  const means = classMeans(H, d, labels, k);
  const gram = gramOf(means, k, d);
  const classNorms = Array.from({ length: k }, (_, c) => Math.sqrt(gram[c * k + c]));
  const cosine = new Float64Array(k * k);
  for (let a = 0; a < k; a++)
    for (let b = 0; b < k; b++) cosine[a * k + b] = gram[a * k + b] / (classNorms[a] * classNorms[b] || 1);
  const major = majorityMask(counts);
  const all: number[] = [], mm: number[] = [], nn: number[] = [], mn: number[] = [];
  for (let a = 0; a < k; a++)
    for (let b = a + 1; b < k; b++) {
      const c = cosine[a * k + b];
      all.push(c);
      if (major[a] && major[b]) mm.push(c);
      else if (!major[a] && !major[b]) nn.push(c);
      else mn.push(c);
    }
  const st = stats(all)!;
  return {
    deltaOF: deltaOF(gram, k),
    deltaETF: deltaETF(means, k, d),
    nc1: nc1(H, d, labels, means, k),
    cosMean: st.mean,
    cosMin: st.min,
    cosMax: st.max,
    cosGroups: { majMaj: stats(mm)?.mean ?? null, minMin: stats(nn)?.mean ?? null, majMin: stats(mn)?.mean ?? null },
    normRatio: Math.max(...classNorms) / Math.min(...classNorms),
    classNorms,
    nccAccTrain: nccAccuracy(H, d, labels, means, k),
    gram,
    cosine,
    means,
  };
}

/** The scalar geometry of an evaluation point (what the history records), from the full Geometry. */
export function geometryScalars(g: Geometry) {
  return {
    deltaOF: g.deltaOF,
    deltaETF: g.deltaETF,
    nc1: g.nc1,
    cosMean: g.cosMean,
    cosMin: g.cosMin,
    cosMax: g.cosMax,
    normRatio: g.normRatio,
    nccAccTrain: g.nccAccTrain,
  };
}

/** Exact geometries to test against: every example of class c sits at its class's vertex. */

/** Orthogonal frame: class c -> e_c in R^d (d >= k). */
export function ofFeatures(labels: Int32Array, k: number, d = k): { H: Float64Array; d: number } {
  const H = new Float64Array(labels.length * d);
  labels.forEach((y, i) => (H[i * d + y] = 1));
  return { H, d };
}

/** Simplex ETF: class c -> (e_c - 1/k) normalised, in R^k. */
export function etfFeatures(labels: Int32Array, k: number): { H: Float64Array; d: number } {
  const d = k;
  const H = new Float64Array(labels.length * d);
  const norm = Math.sqrt((1 - 1 / k) ** 2 + (k - 1) / (k * k));
  labels.forEach((y, i) => {
    for (let t = 0; t < d; t++) H[i * d + t] = ((t === y ? 1 : 0) - 1 / k) / norm;
  });
  return { H, d };
}

/** Seeded random unit rows (optionally non-negative). */
export function randomFeatures(n: number, d: number, seed: number, nonneg = false): Float32Array {
  let s = seed * 2654435761 + 1;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const H = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let nn = 0;
    for (let t = 0; t < d; t++) {
      const v = rnd() * 2 - 1;
      H[i * d + t] = nonneg ? Math.abs(v) : v;
      nn += H[i * d + t] ** 2;
    }
    for (let t = 0; t < d; t++) H[i * d + t] /= Math.sqrt(nn);
  }
  return H;
}

/**
 * The SCL loss and its gradient in float64, for L-BFGS. The float32 tfjs kernel carries ~1e-5 of noise on a loss
 * of ~6,000; the descent of a quasi-Newton method through the imbalanced UFM+ saddle moves the loss by less than
 * that per iteration, so its line search needs float64. Same objective as scl.ts (spec section 1):
 *   S = X X^T / tau,  lse_i = logsumexp_{l != i} S_il,  L = sum_i a_i (lse_i - (x_i . (C_{y_i} - x_i)) / (tau npos_i))
 *   dL/dx_m = (1/tau) [ sum_l (P_ml + P_lm) x_l - 2 a_m (C_{y_m} - x_m) / npos_m ],  P_il = a_i softmax_il
 * with C_c the class sum of the batch and a_i the anchor weight (1, or the supcon-mean scale; 0 without positive).
 *
 * Unit rows give |S| <= 1/tau, so for tau >= 1/300 one shift 1/tau for every row keeps exp(S - 1/tau) in
 * [e^-600, 1]: E = exp(S - 1/tau) is then symmetric (one exp a pair) and P_il + P_li = E_il (f_i + f_l) with
 * f_i = a_i / den_i. That O(m^2 d) part (Gram, exp, (P + P^T) X) runs in WebAssembly SIMD (wasm/scl-f64.wat,
 * f64x2); the O(m d) rest (class sums, the loss, the positive term of the gradient) here. Smaller temperatures
 * take the plain-JS path with a per-row shift (sclBatchF64Js).
 */
import { lossFormScale, type LossForm } from './scl-oracle';
import { WASM_BASE64 } from './wasm/scl-f64-wasm';

interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  gram(X: number, m: number, dp: number, E: number, den: number, inv: number, shift: number): void;
  grad(X: number, m: number, dp: number, E: number, f: number, G: number): void;
}

/** The slice of the global WebAssembly API used here (the project's lib settings do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

let kernel: KernelExports | null = null;
function wasmKernel(): KernelExports {
  if (!kernel) {
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const mod = new wasm.Module(Buffer.from(WASM_BASE64, 'base64'));
    kernel = new wasm.Instance(mod, {}).exports as KernelExports;
  }
  return kernel;
}

/** Largest wasm heap the kernel grows to (bytes); a bigger batch takes the JS path. */
const MAX_WASM_BYTES = 2 ** 31;

/** The batch's rows, labels, class sums and anchor scale (shared by both paths). */
function prepare(H: ArrayLike<number>, d: number, labels: ArrayLike<number>, batch: readonly number[], tau: number, form: LossForm) {
  const m = batch.length;
  let k = 0;
  for (let a = 0; a < m; a++) k = Math.max(k, labels[batch[a]] + 1);
  const y = new Int32Array(m);
  const cnt = new Int32Array(k);
  for (let a = 0; a < m; a++) cnt[(y[a] = labels[batch[a]])]++;
  let anchors = 0;
  for (let a = 0; a < m; a++) if (cnt[y[a]] >= 2) anchors++;
  const scale = lossFormScale(form, tau, m, anchors);
  const C = new Float64Array(k * d);
  for (let a = 0; a < m; a++) {
    const o = batch[a] * d, oc = y[a] * d;
    for (let t = 0; t < d; t++) C[oc + t] += H[o + t];
  }
  return { m, y, cnt, scale, C };
}

/** Loss of one batch (example ids `batch`) at features H (n x d); adds dL/dH into grad (n x d). */
export function sclBatchF64(
  H: ArrayLike<number>,
  d: number,
  labels: ArrayLike<number>,
  batch: readonly number[],
  tau: number,
  form: LossForm,
  grad: Float64Array,
): number {
  const inv = 1 / tau;
  const m = batch.length;
  const dp = (d + 3) & ~3;
  const at = (b: number) => (b + 15) & ~15;
  const offX = 0, offE = at(offX + m * dp * 8), offDen = at(offE + m * m * 8), offF = at(offDen + (m + 2) * 8);
  const offG = at(offF + m * 8), end = offG + m * dp * 8;
  if (2 * inv > 600 || end > MAX_WASM_BYTES) return sclBatchF64Js(H, d, labels, batch, tau, form, grad);
  const { y, cnt, scale, C } = prepare(H, d, labels, batch, tau, form);
  const K = wasmKernel();
  const have = K.memory.buffer.byteLength;
  if (end > have) K.memory.grow(Math.ceil((end - have) / 65536));
  const buf = K.memory.buffer;
  const X = new Float64Array(buf, offX, m * dp);
  for (let a = 0; a < m; a++) {
    const o = batch[a] * d, oa = a * dp;
    for (let t = 0; t < d; t++) X[oa + t] = H[o + t];
    for (let t = d; t < dp; t++) X[oa + t] = 0;
  }
  const den = new Float64Array(buf, offDen, m + 2).fill(0);
  K.gram(offX, m, dp, offE, offDen, inv, inv);
  const f = new Float64Array(buf, offF, m);
  let loss = 0;
  for (let i = 0; i < m; i++) {
    const npos = cnt[y[i]] - 1;
    if (npos === 0) {
      f[i] = 0; // no positive: no term (still a negative for the others)
      continue;
    }
    let pos = 0;
    const oc = y[i] * d, oi = i * dp;
    for (let t = 0; t < d; t++) pos += X[oi + t] * (C[oc + t] - X[oi + t]);
    loss += scale * (inv + Math.log(den[i]) - (pos * inv) / npos);
    f[i] = scale / den[i];
  }
  const G = new Float64Array(buf, offG, m * dp).fill(0);
  K.grad(offX, m, dp, offE, offF, offG);
  for (let i = 0; i < m; i++) {
    const o = batch[i] * d, oi = i * dp, oc = y[i] * d;
    const w = cnt[y[i]] > 1 ? (2 * scale) / (cnt[y[i]] - 1) : 0;
    for (let t = 0; t < d; t++) grad[o + t] += (G[oi + t] - w * (C[oc + t] - X[oi + t])) * inv;
  }
  return loss;
}

/** The same in plain JavaScript (any temperature; the reference the wasm path is tested against too). */
export function sclBatchF64Js(
  H: ArrayLike<number>,
  d: number,
  labels: ArrayLike<number>,
  batch: readonly number[],
  tau: number,
  form: LossForm,
  grad: Float64Array,
): number {
  const { m, y, cnt, scale, C } = prepare(H, d, labels, batch, tau, form);
  const X = new Float64Array(m * d);
  for (let a = 0; a < m; a++) {
    const o = batch[a] * d;
    for (let t = 0; t < d; t++) X[a * d + t] = H[o + t];
  }
  // S, both halves (row-major, so the softmax pass reads rows contiguously). Unit rows give |S| <= 1/tau, so
  // the shift 1/tau is safe while 2/tau is far from exp's range: then exp(S - 1/tau) is symmetric, one exp a pair.
  const S = new Float64Array(m * m);
  const inv = 1 / tau;
  const fixedShift = 2 * inv <= 600;
  const den = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const oi = i * d;
    for (let l = i + 1; l < m; l++) {
      const ol = l * d;
      let s = 0;
      for (let t = 0; t < d; t++) s += X[oi + t] * X[ol + t];
      s *= inv;
      if (fixedShift) {
        s = Math.exp(s - inv);
        den[i] += s;
        den[l] += s;
      }
      S[i * m + l] = s;
      S[l * m + i] = s;
    }
  }
  let loss = 0;
  const wAnchor = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const npos = cnt[y[i]] - 1;
    const row = i * m;
    let mx = inv;
    if (!fixedShift) {
      mx = -Infinity;
      for (let l = 0; l < m; l++) if (l !== i && S[row + l] > mx) mx = S[row + l];
      let dd = 0;
      for (let l = 0; l < m; l++) {
        if (l === i) continue;
        const e = Math.exp(S[row + l] - mx);
        S[row + l] = e;
        dd += e;
      }
      den[i] = dd;
    }
    if (npos === 0) {
      for (let l = 0; l < m; l++) S[row + l] = 0; // no positive: no term (still a negative for the others)
      continue;
    }
    const a = scale;
    wAnchor[i] = (2 * a) / npos;
    let pos = 0;
    const oc = y[i] * d, oi = i * d;
    for (let t = 0; t < d; t++) pos += X[oi + t] * (C[oc + t] - X[oi + t]);
    loss += a * (mx + Math.log(den[i]) - (pos * inv) / npos);
    const f = a / den[i];
    for (let l = 0; l < m; l++) S[row + l] *= f; // P_il
  }
  // gradient: (P + P^T) X - 2 a W X, by symmetric pairs
  const G = new Float64Array(m * d);
  for (let i = 0; i < m; i++) {
    const oi = i * d;
    for (let l = i + 1; l < m; l++) {
      const v = S[i * m + l] + S[l * m + i];
      if (v === 0) continue;
      const ol = l * d;
      for (let t = 0; t < d; t++) {
        G[oi + t] += v * X[ol + t];
        G[ol + t] += v * X[oi + t];
      }
    }
  }
  for (let i = 0; i < m; i++) {
    const o = batch[i] * d, oi = i * d, oc = y[i] * d, w = wAnchor[i];
    for (let t = 0; t < d; t++) grad[o + t] += (G[oi + t] - w * (C[oc + t] - X[oi + t])) * inv;
  }
  return loss;
}

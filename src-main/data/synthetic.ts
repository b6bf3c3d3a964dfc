/**
 * Seeded Gaussian-mixture data: k classes, class c has counts[c] examples drawn as
 *   x = mu_c + noise * z,   z ~ N(0, I),   mu_c uniform on the sphere of the given radius in R^dim.
 * Examples are either vectors (dim = D) or small images (dim = h*w*c, stored NHWC like the readers).
 * Deterministic from the seed. Centres and noise use separate RNG streams, so the centres do not change
 * when the counts do.
 */
import { makeRng } from '../science/rng';
import { DataError } from './errors';

export type SyntheticShape =
  | { kind: 'vector'; dim: number }
  | { kind: 'image'; height: number; width: number; channels: number };

export interface SyntheticSpec {
  k: number;
  /** Examples per class: one number for all classes, or one per class. */
  counts: number | readonly number[];
  shape: SyntheticShape;
  /** Radius of the sphere the class centres lie on. */
  radius: number;
  /** Standard deviation of the isotropic noise (default 1). */
  noise?: number;
  seed: number;
}

/**
 * `features` is row-major n x dim (Float32): example i is features[i*dim .. (i+1)*dim). For images this is
 * NHWC with `sampleShape` = [height, width, channels]; for vectors `sampleShape` = [dim].
 * Examples are laid out class by class (all of class 0, then class 1, ...); shuffle when batching.
 */
export interface SyntheticSet {
  features: Float32Array;
  labels: Int32Array;
  n: number;
  k: number;
  dim: number;
  sampleShape: [number] | [number, number, number];
  /** The class centres, k x dim row-major. */
  centres: Float64Array;
}

function checkPositiveInt(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new DataError(`synthetic data: ${name} must be a positive integer, got ${v}`);
}

export function makeSynthetic(spec: SyntheticSpec): SyntheticSet {
  const { k, shape, radius, seed } = spec;
  const noise = spec.noise ?? 1;
  checkPositiveInt('k', k);
  const sampleShape: [number] | [number, number, number] =
    shape.kind === 'vector' ? [shape.dim] : [shape.height, shape.width, shape.channels];
  sampleShape.forEach((v, i) => checkPositiveInt(shape.kind === 'vector' ? 'dim' : ['height', 'width', 'channels'][i], v));
  const dim = sampleShape.reduce((a, b) => a * b, 1);
  const counts = typeof spec.counts === 'number' ? Array.from({ length: k }, () => spec.counts as number) : spec.counts.slice();
  if (counts.length !== k) throw new DataError(`synthetic data: ${counts.length} class counts given for k = ${k} classes`);
  counts.forEach((c, i) => {
    if (!Number.isInteger(c) || c < 0) throw new DataError(`synthetic data: count of class ${i} must be a whole number >= 0, got ${c}`);
  });
  if (!(radius >= 0) || !Number.isFinite(radius)) throw new DataError(`synthetic data: radius must be finite and >= 0, got ${radius}`);
  if (!(noise >= 0) || !Number.isFinite(noise)) throw new DataError(`synthetic data: noise must be finite and >= 0, got ${noise}`);

  const centreRng = makeRng(seed, 'synthetic/centres');
  const centres = new Float64Array(k * dim);
  for (let c = 0; c < k; c++) {
    let norm = 0;
    while (norm === 0) {
      norm = 0;
      for (let j = 0; j < dim; j++) {
        const z = centreRng.normal();
        centres[c * dim + j] = z;
        norm += z * z;
      }
      norm = Math.sqrt(norm);
    }
    for (let j = 0; j < dim; j++) centres[c * dim + j] *= radius / norm;
  }

  const n = counts.reduce((a, b) => a + b, 0);
  const features = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  let i = 0;
  for (let c = 0; c < k; c++) {
    // One stream per class: class c's examples depend only on the seed, c and counts[c].
    const rng = makeRng(seed, `synthetic/noise/${c}`);
    for (let m = 0; m < counts[c]; m++, i++) {
      labels[i] = c;
      for (let j = 0; j < dim; j++) features[i * dim + j] = centres[c * dim + j] + noise * rng.normal();
    }
  }
  return { features, labels, n, k, dim, sampleShape, centres };
}

/**
 * Binary checkpoints: every array as Float32 bytes back to back, and a meta JSON that says what they are.
 *   ufm:  features H and the optimiser's moment buffers; with lbfgs, then (as Float64 bytes) its iterate x, the
 *         gradient at x and the memory pairs S, Y (so a resume continues the same L-BFGS history)
 *   deep: every weight tensor (incl. batch-norm statistics, classifier) and the optimiser's state tensors
 * The runner stores them opaquely (data + meta); only workers encode and decode.
 */
import type { DeepCheckpoint } from '../science/deep';
import type { LbfgsState } from '../science/lbfgs';
import type { OptimizerState } from '../science/optim';

export type CheckpointPayload =
  | { kind: 'ufm'; epoch: number; H: Float32Array; opt: OptimizerState; lbfgs?: LbfgsState }
  | { kind: 'deep'; epoch: number; state: DeepCheckpoint };

interface TensorMeta {
  name: string;
  shape: number[];
  length: number;
}

export type CheckpointMeta =
  | { kind: 'ufm'; epoch: number; t: number; sizes: { H: number; m: number; v: number }; lbfgs?: LbfgsMeta }
  | { kind: 'deep'; epoch: number; weights: TensorMeta[]; optimizer: TensorMeta[] };

/** The Float64 tail: x (size), g (size or 0), then pairs x S and pairs x Y (size each). */
interface LbfgsMeta {
  size: number;
  hasGrad: boolean;
  pairs: number;
  f: number | null;
  iters: number;
  evals: number;
  repairs?: number;
}

function lbfgsBytes(s: LbfgsState): { bytes: Uint8Array; meta: LbfgsMeta } {
  const parts = [s.x, s.g, ...s.S, ...s.Y];
  const all = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  const f = Number.isFinite(s.f) ? s.f : null;
  return { bytes: new Uint8Array(all.buffer), meta: { size: s.x.length, hasGrad: s.g.length > 0, pairs: s.S.length, f, iters: s.iters, evals: s.evals, ...(s.repairs ? { repairs: s.repairs } : {}) } };
}

function lbfgsFrom(bytes: Uint8Array, m: LbfgsMeta): LbfgsState {
  const all = new Float64Array(new Uint8Array(bytes).buffer); // a copy: Buffer#slice is a view
  let o = 0;
  const take = (n: number) => all.slice(o, (o += n));
  const x = take(m.size);
  const g = take(m.hasGrad ? m.size : 0);
  const S = Array.from({ length: m.pairs }, () => take(m.size));
  const Y = Array.from({ length: m.pairs }, () => take(m.size));
  return { x, g, S, Y, f: m.f ?? NaN, iters: m.iters, evals: m.evals, ...(m.repairs ? { repairs: m.repairs } : {}) };
}

const lbfgsLength = (m: LbfgsMeta | undefined) => (m ? m.size * (1 + (m.hasGrad ? 1 : 0) + 2 * m.pairs) : 0);

function concat(parts: Float32Array[]): Uint8Array {
  const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return new Uint8Array(all.buffer);
}

export function encodeCheckpoint(c: CheckpointPayload): { data: Uint8Array; meta: CheckpointMeta } {
  if (c.kind === 'ufm') {
    const m = c.opt.m ?? new Float32Array(0);
    const v = c.opt.v ?? new Float32Array(0);
    const meta: CheckpointMeta = { kind: 'ufm', epoch: c.epoch, t: c.opt.t, sizes: { H: c.H.length, m: m.length, v: v.length } };
    const f32 = concat([c.H, m, v]);
    if (!c.lbfgs) return { data: f32, meta };
    const l = lbfgsBytes(c.lbfgs);
    const data = new Uint8Array(f32.byteLength + l.bytes.byteLength);
    data.set(f32);
    data.set(l.bytes, f32.byteLength);
    return { data, meta: { ...meta, lbfgs: l.meta } };
  }
  const metaOf = (ts: DeepCheckpoint['weights']) => ts.map((t) => ({ name: t.name, shape: t.shape, length: t.data.length }));
  return {
    data: concat([...c.state.weights.map((w) => w.data), ...c.state.optimizer.map((w) => w.data)]),
    meta: { kind: 'deep', epoch: c.epoch, weights: metaOf(c.state.weights), optimizer: metaOf(c.state.optimizer) },
  };
}

export function decodeCheckpoint(data: Uint8Array, rawMeta: unknown): CheckpointPayload {
  const meta = rawMeta as CheckpointMeta;
  if (!meta || (meta.kind !== 'ufm' && meta.kind !== 'deep')) throw new Error('the checkpoint meta does not say what it holds');
  const expected =
    meta.kind === 'ufm'
      ? meta.sizes.H + meta.sizes.m + meta.sizes.v
      : [...meta.weights, ...meta.optimizer].reduce((a, t) => a + t.length, 0);
  const bytes64 = meta.kind === 'ufm' ? 8 * lbfgsLength(meta.lbfgs) : 0;
  if (data.byteLength !== 4 * expected + bytes64)
    throw new Error(`checkpoint of epoch ${meta.epoch} is ${data.byteLength} bytes, expected ${4 * expected + bytes64}`);
  // copy (new Uint8Array, not Buffer#slice, which is a view): a SQLite Buffer's byteOffset need not be 4-aligned
  const all = new Float32Array(new Uint8Array(data.subarray(0, 4 * expected)).buffer);
  if (meta.kind === 'ufm') {
    const { H, m, v } = meta.sizes;
    return {
      kind: 'ufm',
      epoch: meta.epoch,
      H: all.slice(0, H),
      opt: { t: meta.t, m: m ? all.slice(H, H + m) : undefined, v: v ? all.slice(H + m, H + m + v) : undefined },
      ...(meta.lbfgs ? { lbfgs: lbfgsFrom(data.subarray(4 * expected), meta.lbfgs) } : {}),
    };
  }
  let o = 0;
  const take = (ts: TensorMeta[]) =>
    ts.map((t) => {
      const d = all.slice(o, o + t.length);
      o += t.length;
      return { name: t.name, shape: t.shape, data: d };
    });
  const weights = take(meta.weights);
  const optimizer = take(meta.optimizer);
  return { kind: 'deep', epoch: meta.epoch, state: { epoch: meta.epoch, weights, optimizer } };
}

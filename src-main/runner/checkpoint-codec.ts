/**
 * Binary checkpoints: every array as Float32 bytes back to back, and a meta JSON that says what they are.
 *   ufm:  features H and the optimiser's moment buffers
 *   deep: every weight tensor (incl. batch-norm statistics, classifier) and the optimiser's state tensors
 * The runner stores them opaquely (data + meta); only workers encode and decode.
 */
import type { DeepCheckpoint } from '../science/deep';
import type { OptimizerState } from '../science/optim';

export type CheckpointPayload =
  | { kind: 'ufm'; epoch: number; H: Float32Array; opt: OptimizerState }
  | { kind: 'deep'; epoch: number; state: DeepCheckpoint };

interface TensorMeta {
  name: string;
  shape: number[];
  length: number;
}

export type CheckpointMeta =
  | { kind: 'ufm'; epoch: number; t: number; sizes: { H: number; m: number; v: number } }
  | { kind: 'deep'; epoch: number; weights: TensorMeta[]; optimizer: TensorMeta[] };

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
    return { data: concat([c.H, m, v]), meta: { kind: 'ufm', epoch: c.epoch, t: c.opt.t, sizes: { H: c.H.length, m: m.length, v: v.length } } };
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
  if (data.byteLength !== 4 * expected) throw new Error(`checkpoint of epoch ${meta.epoch} is ${data.byteLength} bytes, expected ${4 * expected}`);
  // copy: a SQLite Buffer's byteOffset need not be 4-aligned
  const all = new Float32Array(data.slice().buffer);
  if (meta.kind === 'ufm') {
    const { H, m, v } = meta.sizes;
    return {
      kind: 'ufm',
      epoch: meta.epoch,
      H: all.slice(0, H),
      opt: { t: meta.t, m: m ? all.slice(H, H + m) : undefined, v: v ? all.slice(H + m, H + m + v) : undefined },
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

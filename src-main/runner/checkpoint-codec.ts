/** Binary form of a UFM checkpoint: features and optimiser state as Float32 bytes, sizes in the meta JSON. */
export interface UfmCheckpoint {
  epoch: number;
  H: Float32Array;
  opt: { t: number; m?: Float32Array; v?: Float32Array };
}

export interface UfmCheckpointMeta {
  kind: 'ufm';
  epoch: number;
  t: number;
  sizes: { H: number; m: number; v: number };
}

export function encodeUfmCheckpoint(c: UfmCheckpoint): { data: Uint8Array; meta: UfmCheckpointMeta } {
  const parts = [c.H, c.opt.m ?? new Float32Array(0), c.opt.v ?? new Float32Array(0)];
  const total = parts.reduce((a, p) => a + p.length, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return {
    data: new Uint8Array(all.buffer),
    meta: { kind: 'ufm', epoch: c.epoch, t: c.opt.t, sizes: { H: c.H.length, m: parts[1].length, v: parts[2].length } },
  };
}

export function decodeUfmCheckpoint(data: Uint8Array, meta: unknown): UfmCheckpoint {
  const m = meta as UfmCheckpointMeta;
  if (!m || m.kind !== 'ufm' || !m.sizes) throw new Error('checkpoint meta is not a UFM checkpoint');
  const { H, m: nm, v: nv } = m.sizes;
  if (data.byteLength !== 4 * (H + nm + nv)) {
    throw new Error(`checkpoint of epoch ${m.epoch} is ${data.byteLength} bytes, expected ${4 * (H + nm + nv)}`);
  }
  // copy: a SQLite Buffer's byteOffset need not be 4-aligned
  const all = new Float32Array(data.slice().buffer);
  return {
    epoch: m.epoch,
    H: all.slice(0, H),
    opt: { t: m.t, m: nm ? all.slice(H, H + nm) : undefined, v: nv ? all.slice(H + nm, H + nm + nv) : undefined },
  };
}

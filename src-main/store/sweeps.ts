import { randomUUID } from 'node:crypto';
import { canonicalJson } from './canonical';
import type { StoreContext } from './context';
import { StoreError } from './errors';
import type { Sweep } from './types';

/** Sweeps: a named spec that runs point at through runs.sweep_id. */

interface SweepRow {
  id: number;
  uuid: string;
  name: string;
  spec_json: string;
  created_at: number;
}

function toSweep(r: SweepRow): Sweep {
  return { id: r.id, uuid: r.uuid, name: r.name, spec: JSON.parse(r.spec_json), createdAt: r.created_at };
}

export function createSweep(
  ctx: StoreContext,
  name: string,
  spec: unknown,
  now = Date.now(),
  uuid: string = randomUUID(),
): number {
  ctx.assertWritable('create a sweep');
  if (typeof name !== 'string' || name.trim() === '') throw new StoreError('INVALID', 'sweep name: expected a non-empty string');
  if (spec === undefined) throw new StoreError('INVALID', 'sweep spec: required');
  const info = ctx
    .stmt('INSERT INTO sweeps(uuid, name, spec_json, created_at) VALUES (?, ?, ?, ?)')
    .run(uuid, name.trim(), canonicalJson(spec, 'sweep spec'), now);
  return Number(info.lastInsertRowid);
}

export function listSweeps(ctx: StoreContext): Sweep[] {
  ctx.assertOpen();
  const rows = ctx.stmt('SELECT id, uuid, name, spec_json, created_at FROM sweeps ORDER BY created_at DESC, id DESC').all();
  return (rows as SweepRow[]).map(toSweep);
}

export function getSweep(ctx: StoreContext, id: number): Sweep {
  ctx.assertOpen();
  const row = ctx.stmt('SELECT id, uuid, name, spec_json, created_at FROM sweeps WHERE id = ?').get(id) as SweepRow | undefined;
  if (row === undefined) throw new StoreError('NOT_FOUND', `sweep ${id} does not exist in ${ctx.file}`);
  return toSweep(row);
}

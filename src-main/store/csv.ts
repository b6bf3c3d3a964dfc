import * as fs from 'node:fs';
import * as path from 'node:path';
import type { StoreContext } from './context';
import { resolveRunIds } from './export';
import { getRun } from './run-queries';
import type { RunRecord } from './types';
import { flagToNumber } from './values';

/**
 * CSV exports: runs.csv (one row a run: identity, flattened config leaves, final summaries) and metrics.csv
 * (long format run_uuid,run_name,key,step,value). Non-finite values are written NaN / Infinity / -Infinity.
 */

const NEWLINE = '\n';
const CHUNK_ROWS = 5000;

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : JSON.stringify(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

function line(cells: readonly unknown[]): string {
  return cells.map(cell).join(',') + NEWLINE;
}

/** Leaf values of a config by dotted path; arrays stay whole (as JSON). */
export function flattenConfig(obj: Record<string, unknown>, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [k, v] of Object.entries(obj)) {
    const p = prefix === '' ? k : `${prefix}.${k}`;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) flattenConfig(v as Record<string, unknown>, p, out);
    else out[p] = v;
  }
  return out;
}

const RUN_COLUMNS = ['run_uuid', 'run_id', 'run_name', 'kind', 'status', 'seed', 'config_hash', 'sweep_id', 'created_at',
  'finished_at', 'last_step', 'tags', 'error'] as const;

export function runsCsv(ctx: StoreContext, ids?: readonly number[]): string {
  ctx.assertOpen();
  const runs: RunRecord[] = resolveRunIds(ctx, ids).map((id) => getRun(ctx, id));
  const flat = runs.map((r) => flattenConfig(r.config));
  const configCols = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.summaries)))].sort();
  const header = [
    ...RUN_COLUMNS,
    ...configCols.map((c) => `config.${c}`),
    ...keys.flatMap((k) => [`${k}.last`, `${k}.min`, `${k}.max`, `${k}.last_step`]),
  ];
  let out = line(header);
  runs.forEach((r, i) => {
    const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
    out += line([
      r.uuid, r.id, r.name, r.kind, r.status, r.seed, r.configHash, r.sweepId, iso(r.createdAt), iso(r.finishedAt),
      r.lastStep, r.tags.join(';'), r.error,
      ...configCols.map((c) => flat[i]![c]),
      ...keys.flatMap((k) => {
        const s = r.summaries[k];
        return s === undefined ? [null, null, null, null] : [s.last, s.min, s.max, s.lastStep];
      }),
    ]);
  });
  return out;
}

/** metrics.csv in chunks of lines (the statement is fully read before each chunk is handed out). */
function* metricsChunks(ctx: StoreContext, ids?: readonly number[]): Generator<string> {
  yield line(['run_uuid', 'run_name', 'key', 'step', 'value']);
  const stmt = ctx
    .stmt(
      `SELECT r.uuid, r.name, k.name, s.step, s.value, s.flag, s.key_id FROM scalars s JOIN runs r ON r.id = s.run_id
       JOIN metric_keys k ON k.id = s.key_id WHERE s.run_id = ? AND (s.key_id, s.step) > (?, ?)
       ORDER BY s.key_id, s.step LIMIT ${CHUNK_ROWS}`,
    )
    .raw(true);
  for (const id of resolveRunIds(ctx, ids)) {
    let after: [number, number] = [-1, -1];
    for (;;) {
      const rows = stmt.all(id, after[0], after[1]) as [string, string | null, string, number, number | null, number, number][];
      if (rows.length === 0) break;
      let chunk = '';
      for (const [uuid, name, key, step, value, flag] of rows) chunk += line([uuid, name, key, step, flagToNumber(value, flag)]);
      const last = rows[rows.length - 1]!;
      after = [last[6], last[3]];
      yield chunk;
    }
  }
}

export function metricsCsv(ctx: StoreContext, ids?: readonly number[]): string {
  ctx.assertOpen();
  let out = '';
  for (const chunk of metricsChunks(ctx, ids)) out += chunk;
  return out;
}

/** Writes runs.csv and metrics.csv into `dir` (created if needed); returns their paths. */
export function writeCsvFiles(ctx: StoreContext, dir: string, ids?: readonly number[]): { runs: string; metrics: string } {
  ctx.assertOpen();
  fs.mkdirSync(dir, { recursive: true });
  const runs = path.join(dir, 'runs.csv');
  const metrics = path.join(dir, 'metrics.csv');
  fs.writeFileSync(runs, runsCsv(ctx, ids));
  const fd = fs.openSync(metrics, 'w');
  try {
    for (const chunk of metricsChunks(ctx, ids)) fs.writeSync(fd, chunk);
  } finally {
    fs.closeSync(fd);
  }
  return { runs, metrics };
}

import { decodeF64 } from './blob';
import { BLOCK_SHIFTS, mergeUnit, readBlocks, readPoints, type Unit } from './blocks';
import type { StoreContext } from './context';
import { StoreError } from './errors';
import { flagToNumber } from './values';
import type { Series, SeriesPoint, SeriesQuery, Snapshot } from './types';

/** Chart reads: scalar series (full or min/max/last-bucketed in SQL), snapshots, the keys a run logged. */

export const DEFAULT_BUCKETS = 1000;

// Pixel-bucketed decimation in SQL (spec §3.5): bucket b = (step - x0) * nb / (x1 - x0 + 1), integer division.
// MIN/MAX skip NULL, i.e. non-finite values. The bucket's last point is fetched by primary key at its MAX(step)
// instead of the spec's ROW_NUMBER() window: same result, ~2.5x faster (50 runs x 10k steps: ~180 vs ~460 ms).
// Used when a bucket spans fewer than 8 steps; wider buckets are built from LOD blocks (decimateBlocks).
const DECIMATE = `
SELECT a.s0, a.s1, a.vmin, a.vmax, a.n, l.value AS vlast, l.flag AS flast
FROM (SELECT MIN(step) AS s0, MAX(step) AS s1, MIN(value) AS vmin, MAX(value) AS vmax, COUNT(*) AS n
      FROM scalars
      WHERE run_id = :r AND key_id = :k AND step BETWEEN :x0 AND :x1
      GROUP BY (step - :x0) * :nb / :w) AS a
JOIN scalars AS l ON l.run_id = :r AND l.key_id = :k AND l.step = a.s1
ORDER BY a.s1`;

const RAW = `SELECT step, value, flag FROM scalars
  WHERE run_id = ? AND key_id = ? AND step BETWEEN ? AND ? ORDER BY step`;

interface Bucket {
  s0: number;
  s1: number;
  vmin: number | null;
  vmax: number | null;
  n: number;
  vlast: number | null;
  flast: number;
}

function checkBound(v: number | undefined, field: string): void {
  if (v !== undefined && (typeof v !== 'number' || Number.isNaN(v))) {
    throw new StoreError('INVALID', `${field}: expected a number, got ${String(v)}`);
  }
}

function emptySeries(runId: number, key: string): Series {
  return { runId, key, points: [], total: 0, decimated: false };
}

/**
 * Points of `key` for steps in [x0, x1] (default: the whole series), read in one snapshot. Every point when
 * there are at most 4 x buckets of them; otherwise at most `buckets` points, one per pixel bucket, each with
 * the exact min, max (finite values), last value and count of its span [firstStep, step]. Zoom = re-query.
 */
export function getSeries(ctx: StoreContext, runId: number, key: string, q: SeriesQuery = {}): Series {
  return ctx.read(() => readSeries(ctx, runId, key, q));
}

export function getSeriesMany(ctx: StoreContext, runIds: readonly number[], key: string, q: SeriesQuery = {}): Series[] {
  return ctx.read(() => runIds.map((id) => readSeries(ctx, id, key, q)));
}

function readSeries(ctx: StoreContext, runId: number, key: string, q: SeriesQuery): Series {
  const s = readSeriesValues(ctx, runId, key, q);
  if (!q.wall || s.points.length === 0) return s;
  const keyId = ctx.keyId(key)!;
  const wallOf = ctx.stmt('SELECT wall_ms FROM scalars WHERE run_id = ? AND key_id = ? AND step = ?').pluck(true);
  return { ...s, points: s.points.map((p) => ({ ...p, wallMs: wallOf.get(runId, keyId, p.step) as number })) };
}

function readSeriesValues(ctx: StoreContext, runId: number, key: string, q: SeriesQuery): Series {
  const buckets = q.buckets ?? DEFAULT_BUCKETS;
  if (!Number.isSafeInteger(buckets) || buckets < 1) throw new StoreError('INVALID', `buckets: expected an integer >= 1`);
  checkBound(q.x0, 'x0');
  checkBound(q.x1, 'x1');
  const keyId = ctx.keyId(key);
  if (keyId === undefined) return emptySeries(runId, key);
  const summary = ctx
    .stmt('SELECT last_step, n FROM run_summary WHERE run_id = ? AND key_id = ?')
    .get(runId, keyId) as { last_step: number; n: number } | undefined;
  if (summary === undefined) return emptySeries(runId, key);

  let x0: number;
  let x1: number;
  let total: number;
  if (q.x0 === undefined && q.x1 === undefined) {
    x0 = (ctx.stmt('SELECT MIN(step) AS s FROM scalars WHERE run_id = ? AND key_id = ?').get(runId, keyId) as { s: number }).s;
    x1 = summary.last_step;
    total = summary.n;
  } else {
    x0 = Math.max(0, Math.ceil(q.x0 ?? 0));
    x1 = Math.min(Number.MAX_SAFE_INTEGER, Math.floor(q.x1 ?? summary.last_step));
    if (x1 < x0) return emptySeries(runId, key);
    total = (
      ctx
        .stmt('SELECT COUNT(*) AS n FROM scalars WHERE run_id = ? AND key_id = ? AND step BETWEEN ? AND ?')
        .get(runId, keyId, x0, x1) as { n: number }
    ).n;
  }

  if (total <= 4 * buckets) {
    const rows = ctx.stmt(RAW).raw(true).all(runId, keyId, x0, x1) as [number, number | null, number][];
    const points: SeriesPoint[] = rows.map(([step, value, flag]) => {
      const v = flagToNumber(value, flag);
      return { step, value: v, min: value, max: value, firstStep: step, n: 1 };
    });
    return { runId, key, points, total, decimated: false };
  }

  const width = x1 - x0 + 1;
  // blocks of up to two pixels: a point may span 2 px, its min/max still exact (so no spike is lost)
  const shift = [...BLOCK_SHIFTS].reverse().find((s) => 2 ** s * buckets <= 2 * width);
  if (shift !== undefined) {
    return { runId, key, points: decimateBlocks(ctx, runId, keyId, x0, x1, buckets, shift), total, decimated: true };
  }
  // BigInt binds as INTEGER, so the bucket expression is exact integer division (a JS number binds as REAL)
  const params = { r: runId, k: keyId, x0: BigInt(x0), x1: BigInt(x1), nb: BigInt(buckets), w: BigInt(width) };
  const rows = ctx.stmt(DECIMATE).all(params) as Bucket[];
  const points: SeriesPoint[] = rows.map((b) => ({
    step: b.s1,
    value: flagToNumber(b.vlast, b.flast),
    min: b.vmin,
    max: b.vmax,
    firstStep: b.s0,
    n: b.n,
  }));
  return { runId, key, points, total, decimated: true };
}

/**
 * Decimation from LOD blocks of 2^shift steps (at most two pixels wide): raw points at the two ragged ends,
 * whole blocks in between, each unit put in the pixel bucket of its first step. Every point is exact
 * (min / max / last / n) over its own span [firstStep, step]; spans follow block edges, so a point covers its
 * pixel bucket to within one block (1 or 2 px), and there are at most `buckets` of them.
 */
function decimateBlocks(
  ctx: StoreContext,
  runId: number,
  keyId: number,
  x0: number,
  x1: number,
  buckets: number,
  shift: number,
): SeriesPoint[] {
  const size = 2 ** shift;
  const lo = Math.ceil(x0 / size); // first block inside [x0, x1]
  const hi = Math.floor((x1 + 1) / size) - 1; // last block inside
  const units: Unit[] =
    hi < lo
      ? readPoints(ctx, runId, keyId, x0, x1)
      : [
          ...readPoints(ctx, runId, keyId, x0, lo * size - 1),
          ...readBlocks(ctx, runId, keyId, shift, lo, hi),
          ...readPoints(ctx, runId, keyId, (hi + 1) * size, x1),
        ];
  const width = x1 - x0 + 1;
  const points: SeriesPoint[] = [];
  let bucket = -1;
  let acc: Unit | null = null;
  const emit = (u: Unit): void => {
    points.push({ step: u.last, value: u.lastValue, min: u.min, max: u.max, firstStep: u.first, n: u.n });
  };
  for (const u of units) {
    const b = Math.floor(((u.first - x0) * buckets) / width);
    if (acc !== null && b === bucket) {
      mergeUnit(acc, u);
      continue;
    }
    if (acc !== null) emit(acc);
    acc = { ...u };
    bucket = b;
  }
  if (acc !== null) emit(acc);
  return points;
}

interface SnapshotRow {
  step: number;
  rows: number;
  cols: number;
  data: Buffer;
  wall_ms: number;
}

function toSnapshot(r: SnapshotRow): Snapshot {
  return { step: r.step, rows: r.rows, cols: r.cols, data: decodeF64(r.data), wallMs: r.wall_ms };
}

/** Every snapshot of `key` for a run, by step. */
export function getSnapshots(ctx: StoreContext, runId: number, key: string): Snapshot[] {
  ctx.assertOpen();
  const keyId = ctx.keyId(key);
  if (keyId === undefined) return [];
  const rows = ctx
    .stmt('SELECT step, rows, cols, data, wall_ms FROM snapshots WHERE run_id = ? AND key_id = ? ORDER BY step')
    .all(runId, keyId) as SnapshotRow[];
  return rows.map(toSnapshot);
}

export function getSnapshot(ctx: StoreContext, runId: number, key: string, step: number): Snapshot | null {
  ctx.assertOpen();
  const keyId = ctx.keyId(key);
  if (keyId === undefined) return null;
  const row = ctx
    .stmt('SELECT step, rows, cols, data, wall_ms FROM snapshots WHERE run_id = ? AND key_id = ? AND step = ?')
    .get(runId, keyId, step) as SnapshotRow | undefined;
  return row === undefined ? null : toSnapshot(row);
}

/** Steps at which `key` has a snapshot (for an epoch slider), without loading the data. */
export function snapshotSteps(ctx: StoreContext, runId: number, key: string): number[] {
  ctx.assertOpen();
  const keyId = ctx.keyId(key);
  if (keyId === undefined) return [];
  return ctx
    .stmt('SELECT step FROM snapshots WHERE run_id = ? AND key_id = ? ORDER BY step')
    .pluck(true)
    .all(runId, keyId) as number[];
}

/** The first step at which `key` is <= `threshold` (finite values), with its wall time; null when none is. */
export function firstStepAtOrBelow(ctx: StoreContext, runId: number, key: string, threshold: number): { step: number; wallMs: number } | null {
  ctx.assertOpen();
  const keyId = ctx.keyId(key);
  if (keyId === undefined) return null;
  const row = ctx
    .stmt('SELECT step, wall_ms FROM scalars WHERE run_id = ? AND key_id = ? AND value <= ? ORDER BY step LIMIT 1')
    .get(runId, keyId, threshold) as { step: number; wall_ms: number } | undefined;
  return row === undefined ? null : { step: row.step, wallMs: row.wall_ms };
}

/** Names of the scalar series and snapshot keys a run has logged, sorted. */
export function metricKeys(ctx: StoreContext, runId: number): { scalars: string[]; snapshots: string[] } {
  ctx.assertOpen();
  const scalars = ctx
    .stmt('SELECT k.name FROM run_summary s JOIN metric_keys k ON k.id = s.key_id WHERE s.run_id = ? ORDER BY k.name')
    .pluck(true)
    .all(runId) as string[];
  const snapshots = ctx
    .stmt(
      `SELECT k.name FROM metric_keys k WHERE k.id IN (SELECT DISTINCT key_id FROM snapshots WHERE run_id = ?)
       ORDER BY k.name`,
    )
    .pluck(true)
    .all(runId) as string[];
  return { scalars, snapshots };
}

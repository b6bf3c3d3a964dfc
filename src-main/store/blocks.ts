import type { StoreContext } from './context';
import { FLAG_FINITE, flagToNumber, valueFlag } from './values';

/**
 * Level-of-detail blocks for fast chart reads. For each scalar series and each shift s in BLOCK_SHIFTS,
 * scalar_blocks holds one row per non-empty block of 2^s steps: first/last step, last value, min/max (finite
 * values) and count. Kept exact in the same transaction as the scalars: appends merge in JS, anything else
 * (re-logged or out-of-order steps) recomputes the touched blocks bottom-up. getSeries reads ~nb/2..8nb block
 * rows instead of every point when a chart's bucket spans >= 8 steps. Levels cost write time (one block row per
 * 16 points at the finest level, ~15% of a bulk insert), hence only three, 16x apart.
 */
export const BLOCK_SHIFTS = [4, 8, 12] as const;
const FANOUT = 16; // 2^(BLOCK_SHIFTS[i+1] - BLOCK_SHIFTS[i])

export interface Unit {
  first: number;
  last: number;
  lastValue: number; // may be NaN / ±Infinity
  min: number | null;
  max: number | null;
  n: number;
}

type BlockRow = [first: number, last: number, lastValue: number | null, lastFlag: number, min: number | null, max: number | null, n: number];

const PUT = `INSERT OR REPLACE INTO scalar_blocks(run_id, key_id, shift, block, first_step, last_step, last_value,
  last_flag, min_value, max_value, n) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
const RANGE = `SELECT first_step, last_step, last_value, last_flag, min_value, max_value, n FROM scalar_blocks
  WHERE run_id = ? AND key_id = ? AND shift = ? AND block BETWEEN ? AND ? ORDER BY block`;
const RAW = `SELECT step, value, flag FROM scalars WHERE run_id = ? AND key_id = ? AND step BETWEEN ? AND ? ORDER BY step`;

export function rowToUnit(r: BlockRow): Unit {
  return { first: r[0], last: r[1], lastValue: flagToNumber(r[2], r[3]), min: r[4], max: r[5], n: r[6] };
}

export function pointUnit(step: number, value: number): Unit {
  const finite = Number.isFinite(value);
  return { first: step, last: step, lastValue: value, min: finite ? value : null, max: finite ? value : null, n: 1 };
}

/** Folds `u` (later steps) into `acc`. */
export function mergeUnit(acc: Unit, u: Unit): void {
  if (u.first < acc.first) acc.first = u.first;
  if (u.last >= acc.last) {
    acc.last = u.last;
    acc.lastValue = u.lastValue;
  }
  if (u.min !== null && (acc.min === null || u.min < acc.min)) acc.min = u.min;
  if (u.max !== null && (acc.max === null || u.max > acc.max)) acc.max = u.max;
  acc.n += u.n;
}

function put(ctx: StoreContext, runId: number, keyId: number, shift: number, block: number, u: Unit): void {
  const flag = valueFlag(u.lastValue);
  ctx
    .stmt(PUT)
    .run(runId, keyId, shift, block, u.first, u.last, flag === FLAG_FINITE ? u.lastValue : null, flag, u.min, u.max, u.n);
}

// Append path: merges new points into a block row (or creates it). Valid only when every new point lies
// after the block's stored points, which the caller guarantees. Written MERGE_ROWS rows per statement.
const MERGE_ROWS = 50;
const mergeSql = (rows: number): string => `INSERT INTO scalar_blocks(run_id, key_id, shift, block, first_step,
  last_step, last_value, last_flag, min_value, max_value, n)
  VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
  ON CONFLICT(run_id, key_id, shift, block) DO UPDATE SET
    first_step = MIN(first_step, excluded.first_step),
    last_step = excluded.last_step, last_value = excluded.last_value, last_flag = excluded.last_flag,
    min_value = MIN(COALESCE(min_value, excluded.min_value), COALESCE(excluded.min_value, min_value)),
    max_value = MAX(COALESCE(max_value, excluded.max_value), COALESCE(excluded.max_value, max_value)),
    n = n + excluded.n`;
const MERGE_ONE = mergeSql(1);
const MERGE_MANY = mergeSql(MERGE_ROWS);
const COLS = 11;

/**
 * Collects block merges for new points strictly after their series' stored last step (append path) and
 * writes them with few statements. One per write transaction.
 */
export class BlockAppender {
  private readonly args: (number | null)[] = [];

  /** Points of one series, in step order, all after its stored last step. */
  add(runId: number, keyId: number, steps: readonly number[], values: readonly number[]): void {
    const args = this.args;
    for (const shift of BLOCK_SHIFTS) {
      const size = 2 ** shift;
      let i = 0;
      while (i < steps.length) {
        const block = Math.floor(steps[i]! / size);
        const first = steps[i]!;
        let min: number | null = null;
        let max: number | null = null;
        let n = 0;
        for (; i < steps.length && Math.floor(steps[i]! / size) === block; i++, n++) {
          const v = values[i]!;
          if (v === v && v !== Infinity && v !== -Infinity) {
            if (min === null || v < min) min = v;
            if (max === null || v > max) max = v;
          }
        }
        const last = values[i - 1]!;
        const flag = valueFlag(last);
        args.push(runId, keyId, shift, block, first, steps[i - 1]!, flag === FLAG_FINITE ? last : null, flag, min, max, n);
      }
    }
  }

  write(ctx: StoreContext): void {
    const args = this.args;
    const rows = args.length / COLS;
    const full = rows - (rows % MERGE_ROWS);
    const many = ctx.stmt(MERGE_MANY);
    for (let r = 0; r < full; r += MERGE_ROWS) many.run(args.slice(r * COLS, (r + MERGE_ROWS) * COLS));
    const one = ctx.stmt(MERGE_ONE);
    for (let r = full; r < rows; r++) one.run(args.slice(r * COLS, (r + 1) * COLS));
    args.length = 0;
  }
}

/** Recomputes every block containing one of `steps`, level by level (each from the 8 blocks below it). */
export function recomputeBlocks(ctx: StoreContext, runId: number, keyId: number, steps: readonly number[]): void {
  let touched = new Set(steps.map((s) => Math.floor(s / 2 ** BLOCK_SHIFTS[0])));
  BLOCK_SHIFTS.forEach((shift, level) => {
    const size = 2 ** shift;
    for (const b of touched) {
      let acc: Unit | null = null;
      if (level === 0) {
        const rows = ctx.stmt(RAW).raw(true).all(runId, keyId, b * size, (b + 1) * size - 1) as [number, number | null, number][];
        for (const [step, value, flag] of rows) {
          const u = pointUnit(step, flagToNumber(value, flag));
          if (acc === null) acc = u;
          else mergeUnit(acc, u);
        }
      } else {
        const children = ctx
          .stmt(RANGE)
          .raw(true)
          .all(runId, keyId, BLOCK_SHIFTS[level - 1]!, b * FANOUT, b * FANOUT + FANOUT - 1) as BlockRow[];
        for (const c of children) {
          const u = rowToUnit(c);
          if (acc === null) acc = u;
          else mergeUnit(acc, u);
        }
      }
      if (acc === null) ctx.stmt('DELETE FROM scalar_blocks WHERE run_id = ? AND key_id = ? AND shift = ? AND block = ?').run(runId, keyId, shift, b);
      else put(ctx, runId, keyId, shift, b, acc);
    }
    touched = new Set([...touched].map((b) => Math.floor(b / FANOUT)));
  });
}

/** Blocks [lo, hi] at `shift`, as units in step order. */
export function readBlocks(ctx: StoreContext, runId: number, keyId: number, shift: number, lo: number, hi: number): Unit[] {
  return (ctx.stmt(RANGE).raw(true).all(runId, keyId, shift, lo, hi) as BlockRow[]).map(rowToUnit);
}

/** Raw points in [x0, x1] as units. */
export function readPoints(ctx: StoreContext, runId: number, keyId: number, x0: number, x1: number): Unit[] {
  if (x1 < x0) return [];
  const rows = ctx.stmt(RAW).raw(true).all(runId, keyId, x0, x1) as [number, number | null, number][];
  return rows.map(([step, value, flag]) => pointUnit(step, flagToNumber(value, flag)));
}

/** SQL that (re)builds every block of every series from scalars (migration backfill). */
export function backfillSql(): string {
  const parts = [
    `INSERT INTO scalar_blocks(run_id, key_id, shift, block, first_step, last_step, last_value, last_flag, min_value, max_value, n)
     SELECT a.run_id, a.key_id, ${BLOCK_SHIFTS[0]}, a.block, a.s0, a.s1, l.value, l.flag, a.vmin, a.vmax, a.n
     FROM (SELECT run_id, key_id, step >> ${BLOCK_SHIFTS[0]} AS block, MIN(step) AS s0, MAX(step) AS s1,
                  MIN(value) AS vmin, MAX(value) AS vmax, COUNT(*) AS n
           FROM scalars GROUP BY run_id, key_id, step >> ${BLOCK_SHIFTS[0]}) AS a
     JOIN scalars AS l ON l.run_id = a.run_id AND l.key_id = a.key_id AND l.step = a.s1;`,
  ];
  for (let i = 1; i < BLOCK_SHIFTS.length; i++) {
    const shift = BLOCK_SHIFTS[i]!;
    const below = BLOCK_SHIFTS[i - 1]!;
    parts.push(
      `INSERT INTO scalar_blocks(run_id, key_id, shift, block, first_step, last_step, last_value, last_flag, min_value, max_value, n)
       SELECT a.run_id, a.key_id, ${shift}, a.block, a.s0, a.s1, c.last_value, c.last_flag, a.vmin, a.vmax, a.n
       FROM (SELECT run_id, key_id, block / ${FANOUT} AS block, MIN(first_step) AS s0, MAX(last_step) AS s1,
                    MIN(min_value) AS vmin, MAX(max_value) AS vmax, SUM(n) AS n
             FROM scalar_blocks WHERE shift = ${below} GROUP BY run_id, key_id, block / ${FANOUT}) AS a
       JOIN scalar_blocks AS c ON c.run_id = a.run_id AND c.key_id = a.key_id AND c.shift = ${below}
                               AND c.block = a.s1 >> ${below};`,
    );
  }
  return parts.join('\n');
}

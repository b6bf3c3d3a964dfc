/**
 * Non-finite floats do not survive SQLite (NaN binds as NULL), so a scalar is stored as (value, flag):
 * flag 0 finite (value holds it), 1 NaN, 2 +Infinity, 3 -Infinity (value NULL).
 */
export const FLAG_FINITE = 0;
export const FLAG_NAN = 1;
export const FLAG_POS_INF = 2;
export const FLAG_NEG_INF = 3;

export function valueFlag(v: number): number {
  if (Number.isFinite(v)) return FLAG_FINITE;
  if (Number.isNaN(v)) return FLAG_NAN;
  return v > 0 ? FLAG_POS_INF : FLAG_NEG_INF;
}

export function flagToNumber(value: number | null, flag: number): number {
  switch (flag) {
    case FLAG_FINITE:
      return value ?? NaN;
    case FLAG_POS_INF:
      return Infinity;
    case FLAG_NEG_INF:
      return -Infinity;
    default:
      return NaN;
  }
}

/** JSON has no NaN / Infinity: exports write them as these strings. */
export type JsonNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export function toJsonNumber(v: number): JsonNumber {
  if (Number.isFinite(v)) return v;
  if (Number.isNaN(v)) return 'NaN';
  return v > 0 ? 'Infinity' : '-Infinity';
}

export function fromJsonNumber(v: JsonNumber): number {
  return typeof v === 'number' ? v : Number(v);
}

/**
 * Numeric and boolean filters of the runs table, e.g. `deltaOF < 0.05`, `relu = true`, `imbalance.ratio >= 10`:
 * parsed from the search box (parseFilters, also used by the renderer) and compiled to parameterised SQL
 * (filterSql): a field and a value never enter the SQL text; the operator comes from a fixed list.
 *
 * A field is a final metric (its short name: deltaOF, deltaETF, nc1, cosMean, normRatio, nccTrain, nccTest,
 * ceTrain, ceTest, loss (UFM objective), lossMean (deep runs), gap; or a full key such as `geom/deltaOF`), a run column (id, seed, lastStep) or a
 * dotted config path (relu, temperature, imbalance.ratio, batching.batchSize, ...).
 */
import { StoreError } from './errors';

export const FILTER_OPS = ['<', '<=', '>', '>=', '=', '!='] as const;
export type FilterOp = (typeof FILTER_OPS)[number];
export interface RunFilter {
  readonly field: string;
  readonly op: FilterOp;
  readonly value: number | boolean | string;
}

/** Short names of the metrics a filter can name (the table shows them; the store keeps the key). */
export const FILTER_METRICS: Record<string, string> = {
  deltaOF: 'geom/deltaOF',
  deltaETF: 'geom/deltaETF',
  nc1: 'geom/nc1',
  cosMean: 'geom/cosMean',
  cosMin: 'geom/cosMin',
  cosMax: 'geom/cosMax',
  normRatio: 'geom/normRatio',
  nccTrain: 'acc/nccTrain',
  nccTest: 'acc/nccTest',
  ceTrain: 'acc/ceTrain',
  ceTest: 'acc/ceTest',
  loss: 'train/loss',
  lossMean: 'train/lossMean',
  gap: 'train/gap',
};
const COLUMNS: Record<string, string> = { id: 'r.id', seed: 'r.seed', lastStep: 'r.last_step' };
/** Top-level config fields a one-word clause may name ("relu = true"); "R=100" is a search for what the table shows. */
const CONFIG_TOP = new Set(['kind', 'classes', 'dim', 'relu', 'temperature', 'epochs', 'evalEvery', 'loss', 'views', 'augment', 'name', 'lossForm']);
const PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
const KEY = /^[A-Za-z]+\/[A-Za-z0-9_]+$/;
const CLAUSE = /^\s*([A-Za-z_][\w./]*)\s*(<=|>=|!=|<|>|=)\s*(.+?)\s*$/;

function literal(raw: string): number | boolean | string {
  if (raw === 'true' || raw === 'false') return raw === 'true';
  const n = Number(raw);
  if (raw !== '' && Number.isFinite(n)) return n;
  return raw.replace(/^(["'])(.*)\1$/, '$2');
}

/**
 * The filters of a search text when EVERY comma- or "and"-separated part is a clause `field op value` on a known
 * field (a metric, a run column, a dotted config path or a top-level config field); null when the text is a plain
 * search (the table then matches it against what it shows, names, notes, tags and config).
 */
export function parseFilters(text: string): RunFilter[] | null {
  const parts = text.split(/\s*,\s*|\s+and\s+/i).filter((p) => p.trim() !== '');
  if (!parts.length) return null;
  const out: RunFilter[] = [];
  for (const p of parts) {
    const m = CLAUSE.exec(p);
    if (!m) return null;
    const f = m[1]!;
    if (!(f in FILTER_METRICS) && !(f in COLUMNS) && !KEY.test(f) && !f.includes('.') && !CONFIG_TOP.has(f)) return null;
    out.push({ field: m[1]!, op: m[2] as FilterOp, value: literal(m[3]!) });
  }
  return out;
}

/** One filter as a SQL condition on the runs row `r`, with its parameters. */
export function filterSql(f: RunFilter, i = 0): { sql: string; params: unknown[] } {
  const where = `filters[${i}]`;
  if (!FILTER_OPS.includes(f.op)) throw new StoreError('INVALID', `${where}.op: expected one of ${FILTER_OPS.join(' ')}, got ${String(f.op)}`);
  if (typeof f.field !== 'string' || f.field.length > 100) throw new StoreError('INVALID', `${where}.field: expected a field name`);
  const v = f.value;
  if (typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'string') throw new StoreError('INVALID', `${where}.value: expected a number, true / false or a string`);
  if (typeof v === 'number' && !Number.isFinite(v)) throw new StoreError('INVALID', `${where}.value: expected a finite number`);
  const value = typeof v === 'boolean' ? (v ? 1 : 0) : v;
  const metric = FILTER_METRICS[f.field] ?? (KEY.test(f.field) ? f.field : null);
  if (metric !== null) {
    if (typeof v !== 'number') throw new StoreError('INVALID', `${where}.value: the metric ${f.field} compares with a number, got ${JSON.stringify(v)}`);
    return {
      sql: `(SELECT s.last_value FROM run_summary s JOIN metric_keys k ON k.id = s.key_id WHERE s.run_id = r.id AND k.name = ?) ${f.op} ?`,
      params: [metric, value],
    };
  }
  const col = COLUMNS[f.field];
  if (col) return { sql: `${col} ${f.op} ?`, params: [value] };
  if (!PATH.test(f.field)) throw new StoreError('INVALID', `${where}.field: "${f.field}" is not a metric, a run column or a config path like imbalance.ratio`);
  return { sql: `json_extract(r.config_json, ?) ${f.op} ?`, params: [`$.${f.field}`, value] };
}

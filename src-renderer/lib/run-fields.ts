/** Reading the key config fields of a run row (config is an untyped record on the wire). */
import type { RunRow } from '../../src-main/api/contract';

export type { RunRow };
type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function cfg(row: RunRow, path: string): unknown {
  let o: unknown = row.config;
  for (const p of path.split('.')) o = obj(o)[p];
  return o;
}

export function classesOf(row: RunRow): number | null {
  return num(cfg(row, 'classes'));
}

/** Imbalance ratio R = max/min class count (1 when balanced). */
export function imbalanceRatio(imb: unknown): number | null {
  const i = obj(imb);
  switch (i.profile) {
    case 'balanced':
      return 1;
    case 'step':
    case 'long-tail':
      return num(i.ratio);
    case 'custom': {
      const c = Array.isArray(i.counts) ? (i.counts as unknown[]).map(num).filter((x): x is number => x !== null) : [];
      return c.length ? Math.max(...c) / Math.min(...c) : null;
    }
    default:
      return null;
  }
}

export function imbalanceLabel(row: RunRow): string {
  const i = obj(cfg(row, 'imbalance'));
  const p = typeof i.profile === 'string' ? i.profile : '?';
  if (p === 'balanced') return 'balanced';
  const r = imbalanceRatio(i);
  return r === null ? p : `${p} R=${Number(r.toPrecision(3))}`;
}

export function batchingLabel(row: RunRow): string {
  const b = obj(cfg(row, 'batching'));
  const s = typeof b.strategy === 'string' ? b.strategy : '?';
  const size = s !== 'full' && num(b.batchSize) !== null ? ` ${b.batchSize}` : '';
  return `${s}${size}${b.binding === true ? ' +bind' : ''}`;
}

export function reluLabel(row: RunRow): string {
  const r = cfg(row, 'relu');
  return r === true ? 'ReLU' : r === false ? 'no' : '–';
}

/**
 * The name of an unnamed run, from the config fields that tell runs apart, e.g. "UFM+ step R=10 fixed 4 +bind
 * seed 0", "resnet18 cifar10 SCL fixed 256 seed 1", "embeddings feats.npy". The temperature shows when it is not 1.
 */
export function autoName(row: Pick<RunRow, 'kind' | 'config' | 'seed'>): string {
  const r = row as RunRow;
  const parts: string[] = [];
  if (row.kind === 'embeddings') {
    const f = cfg(r, 'file');
    return `embeddings ${typeof f === 'string' ? (f.split(/[\\/]/).pop() ?? f) : ''}`.trim();
  }
  if (row.kind === 'deep') {
    const model = cfg(r, 'model.name');
    const data = cfg(r, 'dataset.name');
    const loss = cfg(r, 'loss');
    parts.push(typeof model === 'string' ? model : 'deep', typeof data === 'string' ? data : '', loss === 'ce' ? 'CE' : 'SCL');
  } else parts.push(cfg(r, 'relu') === true ? 'UFM+' : 'UFM');
  parts.push(imbalanceLabel(r), batchingLabel(r));
  const t = num(cfg(r, 'temperature'));
  if (t !== null && t !== 1) parts.push(`τ=${t}`);
  parts.push(`seed ${row.seed}`);
  return parts.filter((p) => p && p !== '?').join(' ');
}

/** A run's name, or one made from its distinguishing config (never "run 3"). */
export function runTitle(row: Pick<RunRow, 'id' | 'name'> & Partial<Pick<RunRow, 'kind' | 'config' | 'seed'>>): string {
  if (row.name?.trim()) return row.name;
  return row.kind && row.config && typeof row.seed === 'number' ? autoName(row as RunRow) : `run ${row.id}`;
}

/** Latest value of a metric from the summaries (null if never logged or non-finite). */
export function lastMetric(row: RunRow, key: string): number | null {
  const s = row.summaries[key];
  return s && typeof s.last === 'number' && Number.isFinite(s.last) ? s.last : null;
}

/** Flatten a nested config into dotted keys: { batching: { binding: true } } -> { 'batching.binding': true }. */
export function flatten(o: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (typeof o === 'object' && o !== null && !Array.isArray(o)) {
    for (const [k, v] of Object.entries(o as Obj)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = o;
  }
  return out;
}

/**
 * The faster backends a run's worker tried and skipped, with why (`env.backendSkipped`, written when the run
 * started). Empty for runs that never started, ran on the first choice, or were stored before it existed.
 */
export function backendSkipped(env: unknown): { name: string; reason: string }[] {
  const list = obj(env).backendSkipped;
  if (!Array.isArray(list)) return [];
  return list
    .map(obj)
    .filter((s) => typeof s.name === 'string')
    .map((s) => ({ name: s.name as string, reason: typeof s.reason === 'string' && s.reason.trim() ? s.reason : 'no reason recorded' }));
}

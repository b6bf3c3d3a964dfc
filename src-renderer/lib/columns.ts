/** Columns of the runs table: header, width, how to read, sort and show a run (or a seed group). */
import { fmtDate, fmtDuration, fmtMeanStd, fmtNum, fmtValue } from './format';
import { batchingLabel, cfg, classesOf, imbalanceLabel, imbalanceRatio, lastMetric, reluLabel, runTitle, type RunRow } from './run-fields';
import { meanStd } from './stats';

export interface Column {
  id: string;
  label: string;
  title?: string;
  width: number;
  numeric?: boolean;
  /** Sort key of one run. */
  value(r: RunRow): string | number | null;
  /** Cell text of one run. */
  text(r: RunRow): string;
  /** Cell text of a seed group; default: the first run's text (same config). */
  groupText?(rs: RunRow[]): string;
  /** Sort key of a seed group; default: the first run's value. */
  groupValue?(rs: RunRow[]): string | number | null;
}

const STATUS_ORDER = ['running', 'queued', 'interrupted', 'failed', 'cancelled', 'finished'];

function metricColumn(id: string, key: string, label: string, title: string): Column {
  return {
    id,
    label,
    title: `${title} (${key}, latest)`,
    width: 88,
    numeric: true,
    value: (r) => lastMetric(r, key),
    text: (r) => fmtNum(lastMetric(r, key), 4),
    groupValue: (rs) => meanStd(rs.map((r) => lastMetric(r, key))).mean,
    groupText: (rs) => {
      const m = meanStd(rs.map((r) => lastMetric(r, key)));
      return fmtMeanStd(m.mean, m.std, 3);
    },
  };
}

const temperature = (r: RunRow): number | null => {
  const t = cfg(r, 'temperature');
  return typeof t === 'number' ? t : null;
};

export const COLUMNS: Column[] = [
  {
    id: 'status',
    label: 'Status',
    width: 90,
    value: (r) => STATUS_ORDER.indexOf(r.status),
    text: (r) => r.status,
    groupText: (rs) => {
      const counts = new Map<string, number>();
      for (const r of rs) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
      return [...counts].map(([s, n]) => (counts.size === 1 ? s : `${n} ${s}`)).join(', ');
    },
  },
  { id: 'id', label: 'ID', width: 48, numeric: true, value: (r) => r.id, text: (r) => String(r.id), groupText: () => '' },
  { id: 'name', label: 'Name', width: 250, value: (r) => runTitle(r).toLowerCase(), text: runTitle },
  { id: 'kind', label: 'Kind', width: 48, value: (r) => r.kind, text: (r) => r.kind },
  { id: 'classes', label: 'k', title: 'classes', width: 36, numeric: true, value: classesOf, text: (r) => fmtNum(classesOf(r)) },
  { id: 'relu', label: 'ReLU', width: 48, value: reluLabel, text: reluLabel },
  { id: 'imbalance', label: 'Imbalance', width: 108, value: (r) => imbalanceRatio(cfg(r, 'imbalance')), text: imbalanceLabel },
  { id: 'batching', label: 'Batching', width: 116, value: batchingLabel, text: batchingLabel },
  { id: 'temperature', label: 'τ', title: 'temperature', width: 44, numeric: true, value: temperature, text: (r) => fmtNum(temperature(r)) },
  {
    id: 'seed',
    label: 'Seed',
    width: 52,
    numeric: true,
    value: (r) => r.seed,
    text: (r) => String(r.seed),
    groupText: (rs) => `n=${rs.length}`,
    groupValue: (rs) => rs.length,
  },
  metricColumn('deltaOF', 'geom/deltaOF', 'ΔOF', 'distance to an orthogonal frame'),
  metricColumn('deltaETF', 'geom/deltaETF', 'ΔETF', 'distance to a simplex ETF'),
  metricColumn('nc1', 'geom/nc1', 'NC1', 'within-class variability collapse'),
  metricColumn('ncc', 'acc/nccTrain', 'NCC acc', 'nearest-class-centre accuracy, train'),
  metricColumn('ceTest', 'acc/ceTest', 'CE acc', "CE runs: balanced test accuracy of the run's linear classifier"),
  metricColumn('loss', 'train/loss', 'Loss sum', 'UFM objective: sum of the batch losses'),
  metricColumn('lossMean', 'train/lossMean', 'Loss mean', "deep runs: mean of the epoch's batch losses"),
  { id: 'backend', label: 'Backend', width: 64, value: (r) => r.backend ?? '', text: (r) => r.backend ?? '–' },
  {
    id: 'tags',
    label: 'Tags',
    width: 120,
    value: (r) => r.tags.join(','),
    text: (r) => r.tags.join(', '),
    groupText: (rs) => [...new Set(rs.flatMap((r) => r.tags))].join(', '),
  },
];

const duration = (r: RunRow): number | null => (r.startedAt && r.finishedAt ? (r.finishedAt - r.startedAt) / 1000 : null);

/** Columns the chooser can add (hidden by default). */
export const EXTRA_COLUMNS: Column[] = [
  { id: 'created', label: 'Created', width: 128, value: (r) => r.createdAt, text: (r) => fmtDate(r.createdAt) },
  { id: 'duration', label: 'Duration', width: 90, numeric: true, value: duration, text: (r) => fmtDuration(duration(r)) },
  metricColumn('nccTest', 'acc/nccTest', 'NCC acc (test)', 'nearest-class-centre accuracy, test'),
  metricColumn('ceTrain', 'acc/ceTrain', 'CE acc (train)', "CE runs: balanced train accuracy of the run's linear classifier"),
  metricColumn('cosMean', 'geom/cosMean', 'mean cos', 'mean cosine between class means'),
  metricColumn('normRatio', 'geom/normRatio', 'norm ratio', 'max / min norm of the class means'),
  metricColumn('gap', 'train/gap', 'Gap', 'loss minus the closed-form optimum L*'),
];

export const DEFAULT_COLUMN_IDS: readonly string[] = COLUMNS.map((c) => c.id);
const CONFIG_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** A column of any config field, by dotted path (`config:optimizer.lr`). */
export function configColumn(path: string): Column | null {
  if (!CONFIG_PATH.test(path)) return null;
  const read = (r: RunRow) => cfg(r, path);
  return {
    id: `config:${path}`,
    label: path.split('.').pop()!,
    title: `config ${path}`,
    width: 96,
    value: (r) => {
      const v = read(r);
      return typeof v === 'number' || typeof v === 'string' ? v : v === undefined ? null : JSON.stringify(v);
    },
    text: (r) => fmtValue(read(r)),
  };
}

const KNOWN = new Map([...COLUMNS, ...EXTRA_COLUMNS].map((c) => [c.id, c]));
export const ALL_COLUMNS: readonly Column[] = [...KNOWN.values()];

/** Column ids (as stored in the table's preferences) to columns, unknown ids left out. */
export function columnsFor(ids: readonly string[]): Column[] {
  return ids.flatMap((id) => {
    const c = KNOWN.get(id) ?? (id.startsWith('config:') ? configColumn(id.slice(7)) : null);
    return c ? [c] : [];
  });
}

export const COLUMN_BY_ID = new Map(COLUMNS.map((c) => [c.id, c]));

export function gridTemplate(cols: readonly Column[]): string {
  return ['28px', ...cols.map((c) => `${c.width}px`)].join(' ');
}

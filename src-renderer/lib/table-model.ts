/** The rows the runs table shows: runs, or seed groups (same configHash) with their runs when expanded. */
import { columnsFor, type Column } from './columns';
import type { RunRow } from './run-fields';

export type TableRow =
  | { kind: 'run'; key: string; run: RunRow; child: boolean }
  | { kind: 'group'; key: string; hash: string; runs: RunRow[]; expanded: boolean };

export interface SortSpec {
  column: string;
  descending: boolean;
}

export interface ViewOptions {
  sort: SortSpec | null;
  groupSeeds: boolean;
  expanded: ReadonlySet<string>;
}

type Key = string | number | null;

/** Nulls last whatever the direction; numbers before strings. */
function compareKeys(a: Key, b: Key, desc: boolean): number {
  if (a === null || (typeof a === 'number' && Number.isNaN(a))) return b === null ? 0 : 1;
  if (b === null || (typeof b === 'number' && Number.isNaN(b))) return -1;
  let c: number;
  if (typeof a === 'number' && typeof b === 'number') c = a - b;
  else c = String(a).localeCompare(String(b), undefined, { numeric: true });
  return desc ? -c : c;
}

export function rowIds(r: TableRow): number[] {
  return r.kind === 'run' ? [r.run.id] : r.runs.map((x) => x.id);
}

export function buildRows(runs: readonly RunRow[], opts: ViewOptions): TableRow[] {
  const col = opts.sort ? columnsFor([opts.sort.column])[0] : undefined;
  const desc = opts.sort?.descending ?? false;
  const sortRuns = (xs: RunRow[]): RunRow[] => {
    if (!col) return xs;
    const keyed = xs.map((r) => ({ r, k: col.value(r) }));
    keyed.sort((a, b) => compareKeys(a.k, b.k, desc) || b.r.id - a.r.id);
    return keyed.map((x) => x.r);
  };
  if (!opts.groupSeeds) {
    return sortRuns(runs.slice()).map((run) => ({ kind: 'run', key: `r${run.id}`, run, child: false }));
  }
  // groups keep the order of their first run in the (server-sorted) list unless a column sorts them
  const groups = new Map<string, RunRow[]>();
  for (const r of runs) {
    const g = groups.get(r.configHash);
    if (g) g.push(r);
    else groups.set(r.configHash, [r]);
  }
  let entries = [...groups.entries()];
  if (col) {
    const keyOf = (rs: RunRow[]): Key => (rs.length > 1 && col.groupValue ? col.groupValue(rs) : col.value(rs[0]!));
    const keyed = entries.map((e) => ({ e, k: keyOf(e[1]) }));
    keyed.sort((a, b) => compareKeys(a.k, b.k, desc) || b.e[1][0]!.id - a.e[1][0]!.id);
    entries = keyed.map((x) => x.e);
  }
  const rows: TableRow[] = [];
  for (const [hash, rs] of entries) {
    if (rs.length === 1) {
      rows.push({ kind: 'run', key: `r${rs[0]!.id}`, run: rs[0]!, child: false });
      continue;
    }
    const expanded = opts.expanded.has(hash);
    rows.push({ kind: 'group', key: `g${hash}`, hash, runs: rs, expanded });
    if (expanded) for (const run of sortRuns(rs.slice())) rows.push({ kind: 'run', key: `c${run.id}`, run, child: true });
  }
  return rows;
}

/**
 * A plain search of the runs table: every word must appear in what the row shows (its cells, e.g. "R=100",
 * "fixed 4 +bind", the made-up name of an unnamed run) or in its name, notes, tags, uuid or config JSON.
 */
export function matchesShown(r: RunRow, query: string, columns: readonly Column[]): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return true;
  const hay = [...columns.map((c) => c.text(r)), r.name ?? '', r.notes ?? '', r.tags.join(' '), r.uuid, JSON.stringify(r.config)].join('\n').toLowerCase();
  return words.every((w) => hay.includes(w));
}

/** The runs table's sort, filters, seed grouping and columns, kept across reloads (localStorage). */
import { DEFAULT_COLUMN_IDS } from './columns';
import type { SortSpec } from './table-model';

export interface TablePrefs {
  columns: string[];
  sort: SortSpec | null;
  groupSeeds: boolean;
  filters: { text: string; status: string; tag: string; sweepId: string };
}

const KEY = 'scl-lab.runs-table';
export const DEFAULT_PREFS: TablePrefs = {
  columns: [...DEFAULT_COLUMN_IDS],
  sort: null,
  groupSeeds: false,
  filters: { text: '', status: '', tag: '', sweepId: '' },
};

const str = (v: unknown, d: string) => (typeof v === 'string' && v.length <= 500 ? v : d);

export function loadPrefs(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): TablePrefs {
  try {
    const raw = JSON.parse(storage?.getItem(KEY) ?? 'null') as Partial<TablePrefs> | null;
    if (!raw || typeof raw !== 'object') return structuredClone(DEFAULT_PREFS);
    const cols = Array.isArray(raw.columns) ? raw.columns.filter((c): c is string => typeof c === 'string').slice(0, 60) : DEFAULT_PREFS.columns;
    const s = raw.sort;
    const f = (raw.filters ?? {}) as Partial<TablePrefs['filters']>;
    return {
      columns: cols.length ? cols : [...DEFAULT_PREFS.columns],
      sort: s && typeof s === 'object' && typeof s.column === 'string' ? { column: s.column, descending: s.descending === true } : null,
      groupSeeds: raw.groupSeeds === true,
      filters: { text: str(f.text, ''), status: str(f.status, ''), tag: str(f.tag, ''), sweepId: str(f.sweepId, '') },
    };
  } catch {
    return structuredClone(DEFAULT_PREFS);
  }
}

export function savePrefs(p: TablePrefs, storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(KEY, JSON.stringify(p));
  } catch {
    // storage full or disabled: the table still works, it only forgets
  }
}

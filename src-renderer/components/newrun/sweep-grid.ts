/** Sweep grid rows (a config field and its values) -> the contract's sweep spec `grid` record. */
export interface GridRow {
  field: string;
  values: string;
}

/** type "json": values are JSON separated by ";" (they contain commas themselves). */
export const GRID_FIELDS: { path: string; label: string; type: 'number' | 'boolean' | 'string' | 'json'; example: string }[] = [
  { path: 'relu', label: 'ReLU', type: 'boolean', example: 'true, false' },
  { path: 'temperature', label: 'temperature τ', type: 'number', example: '0.1, 0.5, 1' },
  { path: 'imbalance.ratio', label: 'imbalance ratio R', type: 'number', example: '1, 10, 100' },
  { path: 'batching.binding', label: 'batch-binding', type: 'boolean', example: 'true, false' },
  { path: 'batching.strategy', label: 'batching strategy', type: 'string', example: 'fixed, reshuffle' },
  { path: 'batching.batchSize', label: 'batch size', type: 'number', example: '4, 8, 16' },
  { path: 'batching.batches', label: 'explicit batches', type: 'json', example: '[[0,1,2,3],[2,3,4,5],[0,4]]; [[0,1,2,3],[2,3,4,5],[0,4],[0,1,4]]' },
  { path: 'optimizer.lr', label: 'learning rate', type: 'number', example: '0.01, 0.05' },
  { path: 'dim', label: 'dim', type: 'number', example: '8, 16, 32' },
  { path: 'lossForm', label: 'loss form', type: 'string', example: 'paper, supcon-mean' },
];

export function parseValues(field: string, text: string): { values: unknown[] } | { error: string } {
  const spec = GRID_FIELDS.find((f) => f.path === field);
  const parts = text.split(spec?.type === 'json' ? ';' : ',').map((s) => s.trim()).filter(Boolean);
  if (!parts.length) return { error: 'give at least one value' };
  if (spec?.type === 'json') {
    const values: unknown[] = [];
    for (const p of parts) {
      try {
        values.push(JSON.parse(p));
      } catch {
        return { error: `"${p.length > 40 ? `${p.slice(0, 40)}…` : p}" is not JSON (separate the values with ";")` };
      }
    }
    return { values };
  }
  const values: unknown[] = [];
  for (const p of parts) {
    if (spec?.type === 'number') {
      const v = Number(p);
      if (!Number.isFinite(v)) return { error: `"${p}" is not a number` };
      values.push(v);
    } else if (spec?.type === 'boolean') {
      const v = /^(true|on|yes|1)$/i.test(p) ? true : /^(false|off|no|0)$/i.test(p) ? false : null;
      if (v === null) return { error: `"${p}" is not true or false` };
      values.push(v);
    } else values.push(p);
  }
  return { values: [...new Set(values)] };
}

export function buildGrid(rows: readonly GridRow[]): { grid: Record<string, unknown[]>; cells: number } | { error: string; row: number } {
  const grid: Record<string, unknown[]> = {};
  for (const [i, r] of rows.entries()) {
    if (grid[r.field]) return { error: `${r.field} appears twice`, row: i };
    const p = parseValues(r.field, r.values);
    if ('error' in p) return { error: p.error, row: i };
    grid[r.field] = p.values;
  }
  const cells = Object.values(grid).reduce((a, v) => a * v.length, 1);
  return { grid, cells };
}

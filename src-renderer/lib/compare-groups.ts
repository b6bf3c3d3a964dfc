/**
 * Compare-page grouping: selected runs with the same configHash form a seed group; each group is labelled
 * by the config values that differ between the groups (e.g. "relu=false" vs "relu=true").
 */
import { fmtValue } from './format';
import { flatten, runTitle, type RunRow } from './run-fields';

export interface CompareGroup {
  key: string;
  label: string;
  runs: RunRow[];
}

const IGNORED = new Set(['seed', 'name']);

/** Config keys whose values differ between the given configs (seed and name excluded). */
export function differingKeys(configs: readonly Record<string, unknown>[], ignore: ReadonlySet<string> = IGNORED): string[] {
  const flat = configs.map((c) => flatten(c));
  const keys = new Set(flat.flatMap((f) => Object.keys(f)));
  return [...keys]
    .filter((k) => !ignore.has(k))
    .filter((k) => new Set(flat.map((f) => JSON.stringify(f[k]))).size > 1)
    .sort();
}

export function compareGroups(runs: readonly RunRow[], bySeed: boolean): CompareGroup[] {
  const map = new Map<string, RunRow[]>();
  for (const r of runs) {
    const key = bySeed ? r.configHash : `run${r.id}`;
    const g = map.get(key);
    if (g) g.push(r);
    else map.set(key, [r]);
  }
  const groups = [...map.entries()].map(([key, rs]) => ({ key, runs: rs }));
  const diff = differingKeys(groups.map((g) => g.runs[0]!.config));
  const flats = groups.map((g) => flatten(g.runs[0]!.config));
  return groups.map((g, i) => {
    // legends from the keys that differ (at most 4 named; more are counted), never from long run names
    const named = diff.length <= 4 ? diff : diff.slice(0, 3);
    const parts = named.map((k) => `${k.split('.').pop()}=${fmtValue(flats[i]![k])}`);
    if (diff.length > named.length) parts.push(`+${diff.length - named.length} more keys`);
    const desc = parts.length ? parts.join(', ') : null;
    const first = g.runs[0]!;
    const label = g.runs.length > 1 ? (desc ?? runTitle(first)) : desc ? `${desc} · #${first.id}` : runTitle(first);
    return { key: g.key, label, runs: g.runs };
  });
}

/**
 * What an import bundle may carry, beyond its shape: every run's config must be a run config this version
 * accepts, and no value may nest deeper than MAX_IMPORT_DEPTH (a hostile bundle would otherwise overflow the
 * stack of every recursive walk after it).
 */
import { ConfigError, parseRunConfig, type RunConfig } from '../api/schema/config';
import { StoreError } from './errors';
import { formatPath } from './export-format';

/** Deeper than any bundle export writes (configs and results nest < 10 levels). */
export const MAX_IMPORT_DEPTH = 64;

/**
 * The one gate an imported config passes through: validated with the current run config schema (defaults
 * filled in). Configs of older versions reach it migrated (parseBundle runs migrateExportedRun first). `where` names the run
 * in messages, e.g. `runs[2] (uuid 1b2…, "baseline")`.
 */
export function parseImportedConfig(raw: unknown, where: string): RunConfig {
  try {
    return parseRunConfig(raw);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const fields = err.issues.map((i) => `config${i.field ? '.' + i.field : ''}: ${i.message}`);
    throw new StoreError('INVALID', `invalid import file: ${where}: ${fields.slice(0, 5).join('; ')}` +
      (fields.length > 5 ? ` (and ${fields.length - 5} more)` : ''));
  }
}

/**
 * Throws a StoreError naming the path of the first value nested deeper than `max` arrays/objects. Iterative,
 * so it cannot itself overflow the stack.
 */
export function checkDepth(value: unknown, max = MAX_IMPORT_DEPTH): void {
  interface Frame { v: object; depth: number; parent: Frame | null; key: string | number }
  const pathOf = (f: Frame | null): (string | number)[] => {
    const out: (string | number)[] = [];
    for (let g = f; g !== null && g.parent !== null; g = g.parent) out.unshift(g.key);
    return out;
  };
  if (value === null || typeof value !== 'object') return;
  const stack: Frame[] = [{ v: value, depth: 0, parent: null, key: '' }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    if (f.depth >= max) {
      throw new StoreError('INVALID', `invalid import file: ${formatPath(pathOf(f))}: nested more than ${max} levels deep`);
    }
    const visit = (key: string | number, child: unknown): void => {
      if (child !== null && typeof child === 'object') stack.push({ v: child, depth: f.depth + 1, parent: f, key });
    };
    if (Array.isArray(f.v)) for (let i = 0; i < f.v.length; i++) visit(i, f.v[i]);
    else for (const key of Object.keys(f.v)) visit(key, (f.v as Record<string, unknown>)[key]);
  }
}

/** A sweep: a base config, a grid over config fields (dotted paths), and seeds. Expands to one run per cell x seed. */
import { z } from 'zod';
import { ConfigError, parseRunConfig, type ConfigIssue, type RunConfig } from './config';
import { assertDottedPaths, setPath } from './dotted-path';

export const sweepSpecSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  base: z.record(z.string(), z.unknown()),
  grid: z.record(z.string().min(1), z.array(z.unknown()).min(1, 'each grid field needs at least one value')).default({}),
  seeds: z.array(z.number().int().min(0)).min(1, 'seeds needs at least one seed').optional(),
});
export type SweepSpec = z.infer<typeof sweepSpecSchema>;

export interface SweepCell {
  /** The grid values of this cell, e.g. { relu: true }. */
  params: Record<string, unknown>;
  config: RunConfig;
}

/** Expand and validate every cell; the first invalid cell is reported with its grid values. */
export function expandSweep(raw: unknown, source?: string): { spec: SweepSpec; cells: SweepCell[] } {
  const r = sweepSpecSchema.safeParse(raw);
  if (!r.success) {
    throw new ConfigError(
      r.error.issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message })),
      source ? `${source} (sweep spec)` : 'sweep spec',
    );
  }
  const spec = r.data;
  const keys = Object.keys(spec.grid);
  // before any object is built: a grid key such as "__proto__.tag" names no config field
  assertDottedPaths(keys.map((k) => [k, `grid.${k}`]), source ? `${source} (sweep spec)` : 'sweep spec');
  let combos: Record<string, unknown>[] = [{}];
  for (const k of keys) combos = combos.flatMap((c) => spec.grid[k].map((v) => ({ ...c, [k]: v })));
  const seeds = spec.seeds ?? [typeof spec.base.seed === 'number' ? spec.base.seed : 0];
  const cells: SweepCell[] = [];
  for (const params of combos)
    for (const seed of seeds) {
      const cfg = structuredClone(spec.base) as Record<string, unknown>;
      for (const [k, v] of Object.entries(params)) setPath(cfg, k, v);
      cfg.seed = seed;
      try {
        cells.push({ params: { ...params, seed }, config: parseRunConfig(cfg) });
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        const where = Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ') || 'base';
        const issues: ConfigIssue[] = e.issues.map((i) => ({ field: `base.${i.field}`, message: `${i.message} (grid cell ${where}, seed ${seed})` }));
        throw new ConfigError(issues, source ? `${source} (sweep spec)` : 'sweep spec');
      }
    }
  return { spec, cells };
}

/**
 * Reproduction presets: versioned data files in `presets/` (one claim of the paper each), expanded into the
 * runs of a sweep. `--quick` merges the preset's `quick` overrides; `--set key=value` overrides any config
 * field of every run (e.g. `batching.batchSize=8`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../api/schema/config';
import { assertDottedPaths, deepMerge, getPath, setPath } from '../api/schema/dotted-path';
import { expandSweep, type SweepCell } from '../api/schema/sweep';
import { APP_ROOT } from '../services/version';

const where = z.record(z.string(), z.unknown());
const op = z.enum(['<', '>', '<=', '>=', 'approx']);

export const checkSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('threshold').default('threshold'),
    text: z.string(),
    where,
    metric: z.string(),
    op,
    value: z.number(),
    tol: z.number().positive().optional(),
    /** Compare metric - ref against value. */
    ref: z.string().optional(),
    /** Every matched run must pass (default: their mean). */
    all: z.boolean().optional(),
  }),
  z.strictObject({ type: z.literal('conditions'), text: z.string(), where, expect: z.boolean() }),
  z.strictObject({ type: z.literal('epochs-to'), text: z.string(), where, metric: z.string(), below: z.number() }),
  z.strictObject({ type: z.literal('epochs-to-ratio'), text: z.string(), a: where, b: where, metric: z.string(), below: z.number(), factor: z.number().positive() }),
  z.strictObject({ type: z.literal('compare'), text: z.string(), a: where, b: where, metric: z.string(), op, value: z.number().default(0) }),
  z.strictObject({ type: z.literal('compare-each'), text: z.string(), by: z.string(), a: where, b: where, metric: z.string(), op, value: z.number().default(0) }),
]);
export type Check = z.infer<typeof checkSchema>;

export const presetSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9-]+$/),
  version: z.number().int().positive(),
  title: z.string(),
  description: z.string(),
  claim: z.string(),
  requires: z.strictObject({ dataset: z.enum(['mnist', 'fashion-mnist', 'cifar10', 'cifar100']) }).optional(),
  /** Needs the full data and ideally a GPU: not part of the quick CPU suite. */
  paperSized: z.boolean().default(false),
  sweep: z.strictObject({ base: z.record(z.string(), z.unknown()), grid: z.record(z.string(), z.array(z.unknown())), seeds: z.array(z.number().int().min(0)).min(1) }),
  quick: z.strictObject({ base: z.record(z.string(), z.unknown()) }).optional(),
  chart: z.strictObject({ metric: z.string(), label: z.string() }),
  checks: z.array(z.preprocess((v) => (typeof v === 'object' && v !== null && !('type' in v) ? { ...v, type: 'threshold' } : v), checkSchema)).min(1),
});
export type Preset = z.infer<typeof presetSchema>;

export const PRESET_DIR = join(APP_ROOT, 'presets');

export function loadPresets(dir = PRESET_DIR): Preset[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const file = join(dir, f);
      const r = presetSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (!r.success) {
        throw new ConfigError(r.error.issues.map((i) => ({ field: i.path.map(String).join('.'), message: i.message })), `${file} (preset)`);
      }
      return r.data;
    });
}

/** `key=value` with a JSON value (a bare word is a string): `batching.batchSize=8`, `relu=false`. */
export function parseSet(s: string): [string, unknown] {
  const i = s.indexOf('=');
  if (i <= 0) throw new Error(`--set needs key=value, got "${s}"`);
  const key = s.slice(0, i).trim();
  const raw = s.slice(i + 1).trim();
  try {
    return [key, JSON.parse(raw)];
  } catch {
    return [key, raw];
  }
}

/** The validated runs of a preset. */
export function expandPreset(p: Preset, opts: { quick?: boolean; set?: [string, unknown][] } = {}): SweepCell[] {
  assertDottedPaths((opts.set ?? []).map(([k]) => [k, `set.${k}`]), `preset ${p.name}`);
  let base = p.sweep.base;
  if (opts.quick && p.quick) base = deepMerge(base, p.quick.base);
  base = structuredClone(base);
  for (const [k, v] of opts.set ?? []) setPath(base, k, v);
  const grid = { ...p.sweep.grid };
  for (const [k] of opts.set ?? []) if (Object.hasOwn(grid, k)) delete grid[k]; // an explicit override wins over the grid
  return expandSweep({ name: p.name, base, grid, seeds: p.sweep.seeds }, `preset ${p.name}`).cells;
}

export { deepMerge, getPath, setPath };

import { createHash } from 'node:crypto';
import { StoreError } from './errors';

/**
 * Top-level config keys that do not change the experiment: left out of the seed-group hash. schemaVersion is
 * one: configs are migrated to the current schema before they are hashed, so the version adds nothing.
 */
export const HASH_EXCLUDED_KEYS: readonly string[] = ['seed', 'name', 'schemaVersion'];

/**
 * Canonical JSON: object keys sorted (recursively), no whitespace, `undefined` members dropped like
 * JSON.stringify. Non-finite numbers, functions, symbols and bigints are refused with the field path,
 * because they would not survive a JSON round trip.
 */
export function canonicalJson(value: unknown, field = 'config'): string {
  return JSON.stringify(normalise(value, field));
}

function normalise(value: unknown, field: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new StoreError('INVALID', `${field}: ${value} is not a finite number`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => normalise(v === undefined ? null : v, `${field}[${i}]`));
  if (typeof value === 'object') {
    if (value instanceof Date) return value.toISOString();
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v === undefined) continue;
      out[key] = normalise(v, `${field}.${key}`);
    }
    return out;
  }
  throw new StoreError('INVALID', `${field}: a ${typeof value} cannot be stored as JSON`);
}

/** sha256 (hex) of the canonical config without HASH_EXCLUDED_KEYS: runs that differ only by seed share it. */
export function configHash(config: Record<string, unknown>): string {
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) if (!HASH_EXCLUDED_KEYS.includes(k)) rest[k] = v;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

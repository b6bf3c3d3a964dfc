/**
 * Dotted config paths (`batching.batchSize`), as sweep grids, preset overrides (`--set`, `reproduce.start`'s
 * `set`) and claims use them. ONE implementation that cannot pollute prototypes: the segments `__proto__`,
 * `prototype` and `constructor` are refused with a ConfigError naming the field, only own properties are
 * followed, and the objects it creates have no prototype.
 */
import { ConfigError, type ConfigIssue } from './config';

/** Path segments that would reach an object's prototype (or its constructor) instead of a config field. */
export const FORBIDDEN_SEGMENTS: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor']);

/** The issue with a dotted path, or null when it is usable. `field` is how the path is named to the user. */
export function dottedPathIssue(path: string, field = path): ConfigIssue | null {
  const parts = path.split('.');
  if (parts.some((p) => p === '')) return { field, message: `"${path}" is not a dotted config path (an empty segment)` };
  const bad = parts.find((p) => FORBIDDEN_SEGMENTS.has(p));
  if (bad !== undefined) return { field, message: `"${bad}" is not allowed in a config path (it would reach the prototype, not a config field)` };
  return null;
}

/** Throws a ConfigError (naming `field`) unless every path is usable. */
export function assertDottedPaths(paths: Iterable<[path: string, field: string]>, source?: string): void {
  const issues: ConfigIssue[] = [];
  for (const [path, field] of paths) {
    const issue = dottedPathIssue(path, field);
    if (issue) issues.push(issue);
  }
  if (issues.length) throw new ConfigError(issues, source);
}

function isPlainRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Set `obj.a.b.c = value`, creating (prototype-less) objects on the way; refuses forbidden segments. */
export function setPath(obj: Record<string, unknown>, path: string, value: unknown, field = path): void {
  const issue = dottedPathIssue(path, field);
  if (issue) throw new ConfigError([issue]);
  const parts = path.split('.');
  let o = obj;
  for (const p of parts.slice(0, -1)) {
    const next = Object.hasOwn(o, p) ? o[p] : undefined;
    if (!isPlainRecord(next)) {
      const fresh = Object.create(null) as Record<string, unknown>;
      Object.defineProperty(o, p, { value: fresh, enumerable: true, writable: true, configurable: true });
      o = fresh;
    } else o = next;
  }
  Object.defineProperty(o, parts.at(-1)!, { value, enumerable: true, writable: true, configurable: true });
}

/** `obj.a.b.c` through own properties only (undefined when any step is missing or forbidden). */
export function getPath(obj: unknown, path: string): unknown {
  let o: unknown = obj;
  for (const p of path.split('.')) {
    if (!isPlainRecord(o) || FORBIDDEN_SEGMENTS.has(p) || !Object.hasOwn(o, p)) return undefined;
    o = o[p];
  }
  return o;
}

/** Objects merge key by key; anything else replaces. Forbidden keys are refused, the result has no prototype. */
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = Object.assign(Object.create(null) as Record<string, unknown>, a);
  for (const [k, v] of Object.entries(b)) {
    if (FORBIDDEN_SEGMENTS.has(k)) throw new ConfigError([{ field: k, message: `"${k}" is not allowed as a config key` }]);
    const prev = Object.hasOwn(out, k) ? out[k] : undefined;
    Object.defineProperty(out, k, {
      value: isPlainRecord(v) && isPlainRecord(prev) ? deepMerge(prev, v) : v,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

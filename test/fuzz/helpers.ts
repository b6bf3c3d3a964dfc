/**
 * Shared pieces of the fuzz suite (fast-check): one seed for the whole suite (FUZZ_SEED overrides it to explore),
 * a time bound per property, hostile values, and JSON mutations of valid documents.
 */
import fc from 'fast-check';
import { expect } from 'vitest';

export const SEED = Number(process.env.FUZZ_SEED ?? 20261201);

/** Run a property with the suite's seed, at most `numRuns` inputs and at most `ms` of wall time. */
export function fuzz<Ts extends [unknown, ...unknown[]]>(
  arbs: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  predicate: (...args: Ts) => void,
  numRuns: number,
  ms = 5000,
): void {
  fc.assert(fc.property(...arbs, predicate), { seed: SEED, numRuns, interruptAfterTimeLimit: ms, markInterruptAsFailure: false, endOnFailure: true });
}

export async function fuzzAsync<Ts extends [unknown, ...unknown[]]>(
  arbs: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  predicate: (...args: Ts) => Promise<void>,
  numRuns: number,
  ms = 8000,
): Promise<void> {
  await fc.assert(fc.asyncProperty(...arbs, predicate), { seed: SEED, numRuns, interruptAfterTimeLimit: ms, markInterruptAsFailure: false, endOnFailure: true });
}

/** Strings a user or attacker might put anywhere. */
export const hostileString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.constantFrom('', ' ', '\u001b[2J', '\u0000', '../../etc/passwd', 'NaN', 'Infinity', '1e309', '-0', '\uFEFF{}', '%00', 'null', 'true', '💥', 'a'.repeat(300)),
);

/** Numbers at and past every edge. */
export const hostileNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, 1, -1, 2, 0.5, 1e-300, 1e300, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 10_000_001, 1e9, Number.MAX_SAFE_INTEGER),
);

/** Any JSON value, with keys a schema would not expect (no prototype keys: that surface is tested elsewhere). */
export const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', maxDepth: 4 },
    hostileNumber,
    hostileString,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('v'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(hostileString, fc.constantFrom('kind', 'id', 'config', 'epochs', 'classes')), tie('v'), { maxKeys: 5 }),
  ),
})).v;

type Path = (string | number)[];

/** Every path to a value inside a JSON document (objects and arrays), the root excluded. */
export function paths(doc: unknown, prefix: Path = [], out: Path[] = [], limit = 2000): Path[] {
  if (out.length >= limit || doc === null || typeof doc !== 'object') return out;
  const entries: [string | number, unknown][] = Array.isArray(doc) ? doc.map((v, i) => [i, v]) : Object.entries(doc);
  for (const [k, v] of entries) {
    out.push([...prefix, k]);
    paths(v, [...prefix, k], out, limit);
  }
  return out;
}

export type Mutation = { path: Path; op: 'set' | 'delete' | 'wrap'; value: unknown };

/** A mutation of one place in `doc`: replace it with a hostile value, delete it, or wrap it in an array. */
export function mutation(doc: unknown): fc.Arbitrary<Mutation> {
  const all = paths(doc);
  return fc.record({
    path: fc.constantFrom(...all),
    op: fc.constantFrom('set', 'set', 'delete', 'wrap'),
    value: jsonValue,
  }) as fc.Arbitrary<Mutation>;
}

/** A deep copy of `doc` with the mutations applied. */
export function mutate<T>(doc: T, ms: readonly Mutation[]): T {
  const copy = structuredClone(doc) as unknown;
  for (const m of ms) {
    let o = copy as Record<string | number, unknown>;
    let ok = true;
    for (const k of m.path.slice(0, -1)) {
      const next = o?.[k];
      if (next === null || typeof next !== 'object') {
        ok = false;
        break;
      }
      o = next as Record<string | number, unknown>;
    }
    const last = m.path.at(-1)!;
    if (!ok || o === null || typeof o !== 'object') continue;
    if (m.op === 'delete') {
      if (Array.isArray(o) && typeof last === 'number') o.splice(last, 1);
      else delete o[last];
    } else if (m.op === 'wrap') o[last] = [o[last]];
    else o[last] = m.value;
  }
  return copy as T;
}

/** A message a user sees: non-empty, no stack trace, no "[object Object]". */
export function expectUserMessage(message: string): void {
  expect(message.length).toBeGreaterThan(0);
  expect(message).not.toMatch(/\n\s+at .+[:(]\d+/);
  expect(message).not.toContain('[object Object]');
}

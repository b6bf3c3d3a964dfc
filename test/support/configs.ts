/** Parsed run configs of a known kind, for tests that read kind-specific fields (optimizer, batching, ...). */
import { parseRunConfig, type RunConfig } from '../../src-main/api/schema/config';

export type ConfigOfKind<K extends RunConfig['kind']> = Extract<RunConfig, { kind: K }>;

/** `parseRunConfig(raw)`, checked to be of `kind` (a wrong kind fails the test with a clear message). */
export function parseKind<K extends RunConfig['kind']>(kind: K, raw: unknown): ConfigOfKind<K> {
  const c = parseRunConfig(raw);
  if (c.kind !== kind) throw new Error(`expected a "${kind}" config, parsed a "${c.kind}" one`);
  // checked just above; TypeScript does not narrow a union through a generic discriminant
  return c as ConfigOfKind<K>;
}

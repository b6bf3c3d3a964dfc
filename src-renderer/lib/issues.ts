/**
 * Field issues from the contract (`{field, message}`, field a dotted path such as "batching.batchSize",
 * "imbalance.counts.3", or "a, b" for several unknown keys) placed next to the form fields.
 */
import type { FieldIssue } from './client';

function fieldsOf(i: FieldIssue): string[] {
  return i.field.split(',').map((f) => f.trim().replace(/^base\./, ''));
}

/** Issues that belong to the field at `path` (itself, or also anything below it unless `exact`). */
export function issuesAt(issues: readonly FieldIssue[], path: string, exact = false): FieldIssue[] {
  return issues.filter((i) => fieldsOf(i).some((f) => f === path || (!exact && f.startsWith(`${path}.`))));
}

/** Issues that no shown field claims (shown above the form). `shown`: paths; a trailing "=" means exact. */
export function unplacedIssues(issues: readonly FieldIssue[], shown: readonly string[]): FieldIssue[] {
  const claims = (f: string, p: string) => (p.endsWith('=') ? f === p.slice(0, -1) : f === p || f.startsWith(`${p}.`));
  return issues.filter((i) => !fieldsOf(i).some((f) => shown.some((p) => claims(f, p))));
}

/** The form's current field issues, shared with every <Field> below the form. */
import { getContext, setContext } from 'svelte';
import type { FieldIssue } from '../../lib/client';

const KEY = Symbol('form-issues');

export function provideIssues(get: () => readonly FieldIssue[]): void {
  setContext(KEY, get);
}

export function useIssues(): () => readonly FieldIssue[] {
  return getContext<(() => readonly FieldIssue[]) | undefined>(KEY) ?? (() => []);
}

/** The API client, provided once by App and read by every page (tests provide a fake). */
import { getContext, setContext } from 'svelte';
import type { Client } from './client';

/** Exported for tests, which render components with a fake client in this context slot. */
export const CLIENT_KEY = Symbol('scl-lab.client');

export function provideClient(c: Client): void {
  setContext(CLIENT_KEY, c);
}

export function useClient(): Client {
  const c = getContext<Client | undefined>(CLIENT_KEY);
  if (!c) throw new Error('no API client in context: render inside <App> or provide one');
  return c;
}

/** Render a component with a (fake) API client in context. */
import { render } from '@testing-library/svelte';
import type { Component } from 'svelte';
import type { Client } from '../../src-renderer/lib/client';
import { CLIENT_KEY } from '../../src-renderer/lib/context';

export function renderWith<P extends Record<string, unknown>>(component: Component<P>, client: Client, props: P) {
  return render(component as Component<Record<string, unknown>>, { props, context: new Map([[CLIENT_KEY, client]]) });
}

/** Light / dark theme: a data-theme attribute on <html>, persisted in localStorage. */
export type Theme = 'light' | 'dark';
const KEY = 'scl-lab.theme';

export const theme = $state<{ current: Theme }>({ current: 'light' });

const cache = new Map<string, string>();

function apply(t: Theme): void {
  cache.clear();
  theme.current = t;
  document.documentElement.dataset.theme = t;
}

export function initTheme(): void {
  let saved: string | null = null;
  try {
    saved = localStorage.getItem(KEY);
  } catch {
    /* storage disabled */
  }
  const prefersDark = typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches;
  apply(saved === 'dark' || saved === 'light' ? saved : prefersDark ? 'dark' : 'light');
}

export function toggleTheme(): void {
  const next: Theme = theme.current === 'dark' ? 'light' : 'dark';
  apply(next);
  try {
    localStorage.setItem(KEY, next);
  } catch {
    /* storage disabled */
  }
}

/** A CSS custom property of the current theme (charts read their colours from these). */
export function cssVar(name: string, fallback = '#888'): string {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  if (typeof getComputedStyle !== 'function') return fallback;
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
  if (document.documentElement.dataset.theme) cache.set(name, v); // cache once a theme is applied
  return v;
}

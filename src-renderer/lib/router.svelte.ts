/**
 * Hash routing: #/runs, #/new[?from=ID], #/run/ID, #/compare?ids=1,2,3[&view state], #/claim?sweep=ID&x=...,
 * #/reproduce[?sweep=ID], #/trash. A page that keeps its state in the URL (Compare: metrics, bands, heatmaps;
 * Claim: run set and pickers) gets it back from the query, so a copied or saved URL reopens the same view.
 */
import { claimQuery, parseClaimQuery, type ClaimState } from './claim';

export type Route =
  | { page: 'runs' }
  | { page: 'new'; from?: number }
  | { page: 'run'; id: number }
  | { page: 'compare'; ids: number[]; params?: Record<string, string> }
  /** The claim view: its whole state (run set, pickers) is in the query, so a saved URL reopens it identically. */
  | { page: 'claim'; claim: ClaimState }
  | { page: 'reproduce'; sweep?: number }
  | { page: 'trash' };

export function parseHash(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const q = new URLSearchParams(query);
  const parts = path.split('/').filter(Boolean);
  if (parts[0] === 'new') {
    const from = Number(q.get('from'));
    return Number.isInteger(from) && from > 0 ? { page: 'new', from } : { page: 'new' };
  }
  if (parts[0] === 'run' && Number.isInteger(Number(parts[1])) && Number(parts[1]) > 0) {
    return { page: 'run', id: Number(parts[1]) };
  }
  if (parts[0] === 'compare') {
    const ids = (q.get('ids') ?? '')
      .split(',')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
    const params = Object.fromEntries([...q.entries()].filter(([key]) => key !== 'ids'));
    return Object.keys(params).length ? { page: 'compare', ids, params } : { page: 'compare', ids };
  }
  if (parts[0] === 'claim') return { page: 'claim', claim: parseClaimQuery(q) };
  if (parts[0] === 'reproduce') {
    const sweep = Number(q.get('sweep'));
    return Number.isInteger(sweep) && sweep > 0 ? { page: 'reproduce', sweep } : { page: 'reproduce' };
  }
  if (parts[0] === 'trash') return { page: 'trash' };
  return { page: 'runs' };
}

export function href(r: Route): string {
  switch (r.page) {
    case 'runs':
      return '#/runs';
    case 'new':
      return r.from ? `#/new?from=${r.from}` : '#/new';
    case 'run':
      return `#/run/${r.id}`;
    case 'compare':
      return `#/compare?ids=${r.ids.join(',')}${r.params && Object.keys(r.params).length ? `&${new URLSearchParams(r.params).toString()}` : ''}`;
    case 'claim': {
      const q = claimQuery(r.claim);
      return q ? `#/claim?${q}` : '#/claim';
    }
    case 'reproduce':
      return r.sweep ? `#/reproduce?sweep=${r.sweep}` : '#/reproduce';
    case 'trash':
      return '#/trash';
  }
}

// the first render already shows the page of the URL (no detour through the runs list)
export const router = $state<{ route: Route }>({ route: typeof location === 'undefined' ? { page: 'runs' } : parseHash(location.hash) });

export function initRouter(): () => void {
  const update = () => (router.route = parseHash(location.hash));
  update();
  addEventListener('hashchange', update);
  return () => removeEventListener('hashchange', update);
}

export function go(r: Route): void {
  location.hash = href(r);
}

/**
 * Saved views: a name for an app URL (the hash route, e.g. `#/compare?ids=1,2,3&band=iqr`) whose query holds the
 * whole state of a Compare or claim view, so that reopening the URL shows the same view. Saving under an existing
 * name replaces its URL (the name is the key a researcher remembers).
 */
import type { StoreContext } from './context';
import { StoreError } from './errors';

export interface SavedView {
  readonly id: number;
  readonly name: string;
  readonly url: string;
  readonly createdAt: number;
}

export const VIEW_NAME_MAX = 200;
export const VIEW_URL_MAX = 8000;

interface Row {
  id: number;
  name: string;
  url: string;
  created_at: number;
}
const toView = (r: Row): SavedView => ({ id: r.id, name: r.name, url: r.url, createdAt: r.created_at });

export function checkViewName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') throw new StoreError('INVALID', 'name: expected a non-empty view name');
  const n = name.trim();
  if (n.length > VIEW_NAME_MAX) throw new StoreError('INVALID', `name: at most ${VIEW_NAME_MAX} characters, got ${n.length}`);
  return n;
}

export function checkViewUrl(url: unknown): string {
  if (typeof url !== 'string' || !/^#\/[a-z]+/.test(url)) throw new StoreError('INVALID', 'url: expected an app route starting with "#/" (e.g. #/compare?ids=1,2)');
  if (url.length > VIEW_URL_MAX) throw new StoreError('INVALID', `url: at most ${VIEW_URL_MAX} characters, got ${url.length}`);
  if (/[\s<>"'`]/.test(url)) throw new StoreError('INVALID', 'url: must not contain spaces, quotes or angle brackets');
  return url;
}

export function saveView(ctx: StoreContext, name: string, url: string, now = Date.now()): SavedView {
  ctx.assertWritable('save a view');
  const n = checkViewName(name);
  const u = checkViewUrl(url);
  ctx
    .stmt('INSERT INTO saved_views(name, url, created_at) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET url = excluded.url, created_at = excluded.created_at')
    .run(n, u, now);
  return toView(ctx.stmt('SELECT id, name, url, created_at FROM saved_views WHERE name = ?').get(n) as Row);
}

export function listViews(ctx: StoreContext): SavedView[] {
  ctx.assertOpen();
  return (ctx.stmt('SELECT id, name, url, created_at FROM saved_views ORDER BY name COLLATE NOCASE, id').all() as Row[]).map(toView);
}

export function deleteView(ctx: StoreContext, name: string): void {
  ctx.assertWritable('delete a view');
  const n = checkViewName(name);
  if (ctx.stmt('DELETE FROM saved_views WHERE name = ?').run(n).changes === 0) throw new StoreError('NOT_FOUND', `no saved view named "${n}" in ${ctx.file}`);
}

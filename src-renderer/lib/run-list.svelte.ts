/**
 * The runs the table shows, loaded in pages: the first page (the newest runs) makes the table usable at
 * once, the rest follows in chunks. Live changes patch the changed rows (runs.list by ids) instead of reloading 10,000.
 */
import type { Client, MethodInput } from './client';
import type { RunRow } from './run-fields';

export const FIRST_PAGE = 200;
export const CHUNK = 5000;

export type ListFilters = Omit<MethodInput<'runs.list'>, 'limit' | 'offset'>;

const LIVE_FIELDS = [
  'status', 'statusDetail', 'summaries', 'lastStep', 'backend', 'startedAt', 'finishedAt', 'error', 'tags', 'notes', 'name',
  'orphaned', 'ownerPid', 'cancelRequested', 'deletedAt',
] as const;

export class RunList {
  runs = $state.raw<RunRow[]>([]);
  total = $state(0);
  loaded = $state(false);
  complete = $state(false);
  error = $state<string | null>(null);
  private seq = 0;
  private filters: ListFilters = {};

  constructor(private readonly client: Client) {}

  async load(filters: ListFilters): Promise<void> {
    const my = ++this.seq;
    this.filters = filters;
    try {
      const first = await this.client.call('runs.list', { ...filters, limit: FIRST_PAGE });
      if (my !== this.seq) return;
      this.runs = first.runs;
      this.total = first.total;
      this.error = null;
      this.loaded = true;
      this.complete = first.runs.length >= first.total;
      let acc = first.runs;
      const seen = new Set(acc.map((r) => r.id));
      for (let offset = acc.length; offset < first.total; offset += CHUNK) {
        const page = await this.client.call('runs.list', { ...filters, limit: CHUNK, offset });
        if (my !== this.seq) return;
        if (page.runs.length === 0) break;
        // runs created meanwhile shift the pages: keep each run once
        acc = acc.concat(page.runs.filter((r) => !seen.has(r.id)));
        for (const r of page.runs) seen.add(r.id);
        this.runs = acc;
        this.total = Math.max(page.total, acc.length);
      }
      this.complete = true;
    } catch (e) {
      if (my !== this.seq) return;
      this.error = e instanceof Error ? e.message : String(e);
      this.loaded = true;
    }
  }

  /**
   * Re-read these runs (status, summaries, tags, ...): runs deleted or purged meanwhile leave the list; unknown
   * ids (new runs, runs restored from the trash) are added if they match the filters.
   */
  async refresh(ids: readonly number[]): Promise<void> {
    const known = new Set(this.runs.map((r) => r.id));
    const mine = ids.filter((id) => known.has(id));
    const unknown = ids.filter((id) => !known.has(id));
    const fresh = mine.length ? (await this.client.call('runs.list', { ...this.filters, ids: mine, limit: mine.length })).runs : [];
    const byId = new Map(fresh.map((r) => [r.id, r]));
    if (mine.length) {
      // a run that no longer matches (deleted, purged, or its status left the filter) leaves the list
      const gone = new Set(mine.filter((id) => !byId.has(id)));
      this.runs = this.runs
        .filter((r) => !gone.has(r.id))
        .map((r) => {
          const f = byId.get(r.id);
          if (!f) return r;
          const patch: Partial<RunRow> = {};
          for (const k of LIVE_FIELDS) (patch as Record<string, unknown>)[k] = f[k];
          return { ...r, ...patch };
        });
      this.total = Math.max(0, this.total - gone.size);
    }
    if (unknown.length) {
      const added = (await this.client.call('runs.list', { ...this.filters, ids: unknown, limit: unknown.length })).runs;
      const now = new Set(this.runs.map((r) => r.id));
      const fresh2 = added.filter((r) => !now.has(r.id));
      if (fresh2.length) {
        this.runs = [...fresh2, ...this.runs].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
        this.total += fresh2.length;
      }
    }
  }

  patch(id: number, patch: Partial<RunRow>): void {
    this.runs = this.runs.map((r) => (r.id === id ? { ...r, ...patch } : r));
  }
}

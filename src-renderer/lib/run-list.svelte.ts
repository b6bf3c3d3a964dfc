/**
 * The runs the table shows, loaded in pages: the first page (the newest runs) makes the table usable at
 * once, the rest follows in chunks. Live changes patch single rows (runs.get) instead of reloading 10,000.
 */
import type { Client, MethodInput } from './client';
import type { RunRow } from './run-fields';

export const FIRST_PAGE = 200;
export const CHUNK = 5000;

export type ListFilters = Omit<MethodInput<'runs.list'>, 'limit' | 'offset'>;

const LIVE_FIELDS = ['status', 'statusDetail', 'summaries', 'lastStep', 'backend', 'startedAt', 'finishedAt', 'error', 'tags', 'notes'] as const;

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

  /** Re-read these runs (status, summaries, ...); unknown ids mean new runs: merge the newest page. */
  async refresh(ids: readonly number[]): Promise<void> {
    const known = new Set(this.runs.map((r) => r.id));
    const fresh = await Promise.all(ids.filter((id) => known.has(id)).map((id) => this.client.call('runs.get', { id }).catch(() => null)));
    const byId = new Map(fresh.filter((r): r is NonNullable<typeof r> => r !== null).map((r) => [r.id, r]));
    if (byId.size) {
      this.runs = this.runs.map((r) => {
        const f = byId.get(r.id);
        if (!f) return r;
        const patch: Partial<RunRow> = {};
        for (const k of LIVE_FIELDS) (patch as Record<string, unknown>)[k] = f[k];
        return { ...r, ...patch };
      });
    }
    if (ids.some((id) => !known.has(id))) await this.mergeNewest();
  }

  private async mergeNewest(): Promise<void> {
    const my = this.seq;
    const page = await this.client.call('runs.list', { ...this.filters, limit: FIRST_PAGE });
    if (my !== this.seq) return;
    const known = new Set(this.runs.map((r) => r.id));
    const added = page.runs.filter((r) => !known.has(r.id));
    if (added.length) {
      this.runs = [...added, ...this.runs];
      this.total = Math.max(page.total, this.runs.length);
    }
  }

  patch(id: number, patch: Partial<RunRow>): void {
    this.runs = this.runs.map((r) => (r.id === id ? { ...r, ...patch } : r));
  }
}

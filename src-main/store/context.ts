import type Database from 'better-sqlite3';
import { StoreError } from './errors';

/**
 * What every store module shares for one connection: the handle, its file name for messages, a prepared
 * statement cache and the metric-key id cache. Key ids are never reused (keys are never deleted), so the
 * cache stays valid; new ids enter it only after their transaction committed.
 */
export class StoreContext {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly keyIds = new Map<string, number>();
  private readonly knownRuns = new Set<number>();
  private closed = false;

  constructor(
    readonly db: Database.Database,
    readonly file: string,
    readonly readonly: boolean,
  ) {}

  stmt(sql: string): Database.Statement {
    this.assertOpen();
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `fn` in one read transaction (one consistent snapshot across its statements), unless already in one. */
  read<T>(fn: () => T): T {
    this.assertOpen();
    return this.db.inTransaction ? fn() : this.db.transaction(fn)();
  }

  assertOpen(): void {
    if (this.closed) throw new StoreError('CLOSED', `store ${this.file} is closed`);
  }

  assertWritable(action: string): void {
    this.assertOpen();
    if (this.readonly) throw new StoreError('READONLY', `cannot ${action}: store ${this.file} was opened read-only`);
  }

  markClosed(): void {
    this.closed = true;
    this.statements.clear();
  }

  /** The id of a metric key, or undefined if no run ever logged it. */
  keyId(name: string): number | undefined {
    const cached = this.keyIds.get(name);
    if (cached !== undefined) return cached;
    const row = this.stmt('SELECT id FROM metric_keys WHERE name = ?').get(name) as { id: number } | undefined;
    if (row !== undefined) this.keyIds.set(name, row.id);
    return row?.id;
  }

  /** Inside a write transaction: the id of `name`, inserting it if new; `pending` collects ids to cache later. */
  ensureKeyId(name: string, pending: Map<string, number>): number {
    const known = this.keyIds.get(name) ?? pending.get(name);
    if (known !== undefined) return known;
    this.stmt('INSERT OR IGNORE INTO metric_keys(name) VALUES (?)').run(name);
    const { id } = this.stmt('SELECT id FROM metric_keys WHERE name = ?').get(name) as { id: number };
    pending.set(name, id);
    return id;
  }

  commitKeyIds(pending: Map<string, number>): void {
    for (const [name, id] of pending) this.keyIds.set(name, id);
  }

  /** Throws NOT_FOUND unless run `id` exists (soft-deleted runs exist). Cached once seen. */
  assertRun(id: number): void {
    if (this.knownRuns.has(id)) return;
    if (!Number.isSafeInteger(id)) throw new StoreError('INVALID', `run id must be an integer, got ${String(id)}`);
    const row = this.stmt('SELECT 1 AS ok FROM runs WHERE id = ?').get(id);
    if (row === undefined) throw new StoreError('NOT_FOUND', `run ${id} does not exist in ${this.file}`);
    this.knownRuns.add(id);
  }
}

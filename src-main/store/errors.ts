/**
 * The one error type the store throws for anything the caller can act on: a bad file, an unknown run,
 * an invalid field. Messages name the file / run id / field. `cause` keeps the underlying SQLite error.
 */
export type StoreErrorCode =
  | 'NOT_SQLITE' // the file exists but is not an SQLite database
  | 'TOO_NEW' // the database was written by a newer app (user_version above what we know)
  | 'NEEDS_MIGRATION' // a read-only connection found an older schema
  | 'NOT_FOUND' // a run / sweep that does not exist
  | 'READONLY' // a write through a read-only store
  | 'INVALID' // a bad argument or import field
  | 'STATE' // an illegal status transition
  | 'CLOSED' // use after close
  | 'CORRUPT' // the file's pages are damaged (quick_check failed); nothing is written into it
  | 'IO'; // anything else from SQLite or the file system

export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Wraps a non-StoreError (usually an SqliteError) with context; StoreErrors pass through untouched. */
export function wrapError(err: unknown, context: string): StoreError {
  if (err instanceof StoreError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  if (String((err as { code?: unknown } | null)?.code ?? '').startsWith('SQLITE_CORRUPT')) {
    return new StoreError('CORRUPT', `${context}: ${msg}; run "scl-lab db check" and restore the file from a backup`, { cause: err });
  }
  return new StoreError('IO', `${context}: ${msg}`, { cause: err });
}

/** SQLITE_BUSY / SQLITE_LOCKED (another connection holds the lock past busy_timeout), also when wrapped. */
export function isBusyError(err: unknown): boolean {
  for (let e = err, depth = 0; e !== null && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))) return true;
  }
  return false;
}

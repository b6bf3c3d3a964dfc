/** Timing helpers: trailing debounce and a coalescing throttle (at most one call per interval). */

export interface Cancelable<A extends unknown[]> {
  (...args: A): void;
  cancel(): void;
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): Cancelable<A> {
  let t: ReturnType<typeof setTimeout> | null = null;
  const f = (...args: A) => {
    if (t !== null) clearTimeout(t);
    t = setTimeout(() => {
      t = null;
      fn(...args);
    }, ms);
  };
  f.cancel = () => {
    if (t !== null) clearTimeout(t);
    t = null;
  };
  return f;
}

/**
 * Coalesce bursts: the first call runs at once, later calls within `ms` collapse into one trailing call.
 * Used to keep live chart refreshes at <= 4 Hz (ms = 250).
 */
export function coalesce(fn: () => void, ms: number): Cancelable<[]> {
  let last = -Infinity;
  let t: ReturnType<typeof setTimeout> | null = null;
  const f = () => {
    if (t !== null) return;
    const wait = last + ms - Date.now();
    if (wait <= 0) {
      last = Date.now();
      fn();
      return;
    }
    t = setTimeout(() => {
      t = null;
      last = Date.now();
      fn();
    }, wait);
  };
  f.cancel = () => {
    if (t !== null) clearTimeout(t);
    t = null;
  };
  return f;
}

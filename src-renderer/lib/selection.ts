/**
 * Multi-select over table rows (a row is one run or a seed group of runs), as file managers do:
 * click selects one, ctrl/cmd-click toggles, shift-click selects the range from the anchor;
 * keys: up/down move the cursor (and the range anchor), shift+up/down extend from the anchor, space toggles, ctrl+a all, escape none.
 */
export interface SelState {
  selected: ReadonlySet<number>;
  /** Row index of the keyboard cursor (-1: none). */
  cursor: number;
  /** Row index where a shift-range starts. */
  anchor: number;
}

export const emptySelection = (): SelState => ({ selected: new Set(), cursor: -1, anchor: -1 });

function rangeIds(rows: readonly number[][], a: number, b: number): number[] {
  const [lo, hi] = a <= b ? [a, b] : [b, a];
  return rows.slice(Math.max(0, lo), hi + 1).flat();
}

export function isRowSelected(sel: ReadonlySet<number>, ids: readonly number[]): boolean {
  return ids.length > 0 && ids.every((id) => sel.has(id));
}

export function clickRow(
  s: SelState,
  rows: readonly number[][],
  i: number,
  mods: { shift?: boolean; toggle?: boolean },
): SelState {
  const ids = rows[i] ?? [];
  if (mods.shift && s.anchor >= 0) {
    const base = mods.toggle ? new Set(s.selected) : new Set<number>();
    for (const id of rangeIds(rows, s.anchor, i)) base.add(id);
    return { selected: base, cursor: i, anchor: s.anchor };
  }
  if (mods.toggle) {
    const next = new Set(s.selected);
    const on = isRowSelected(s.selected, ids);
    for (const id of ids) on ? next.delete(id) : next.add(id);
    return { selected: next, cursor: i, anchor: i };
  }
  return { selected: new Set(ids), cursor: i, anchor: i };
}

export type SelKey = 'ArrowUp' | 'ArrowDown' | 'Home' | 'End' | 'PageUp' | 'PageDown' | ' ' | 'a' | 'Escape';

/** Returns the new state, or null when the key is not a selection key. */
export function keyRow(
  s: SelState,
  rows: readonly number[][],
  key: string,
  mods: { shift?: boolean; ctrl?: boolean },
  page = 10,
): SelState | null {
  const n = rows.length;
  if (n === 0) return null;
  const move = (to: number): SelState => {
    const cursor = Math.max(0, Math.min(n - 1, to));
    if (mods.shift) {
      const anchor = s.anchor >= 0 ? s.anchor : Math.max(0, s.cursor);
      return { selected: new Set(rangeIds(rows, anchor, cursor)), cursor, anchor };
    }
    // a plain move takes the anchor along: the next shift-move extends from here
    return { ...s, cursor, anchor: cursor };
  };
  const c = s.cursor;
  switch (key) {
    case 'ArrowDown':
      return move(c < 0 ? 0 : c + 1);
    case 'ArrowUp':
      return move(c < 0 ? 0 : c - 1);
    case 'PageDown':
      return move(c + page);
    case 'PageUp':
      return move(c - page);
    case 'Home':
      return move(0);
    case 'End':
      return move(n - 1);
    case ' ':
      return c < 0 ? null : clickRow(s, rows, c, { toggle: true });
    case 'a':
    case 'A':
      return mods.ctrl ? { selected: new Set(rows.flat()), cursor: c, anchor: s.anchor } : null;
    case 'Escape':
      return { selected: new Set(), cursor: c, anchor: -1 };
    default:
      return null;
  }
}

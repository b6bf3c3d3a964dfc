/**
 * The New run form's explicit batching (strategy "explicit"): the JSON list the researcher pastes or loads, and
 * which examples are which class. Indices count the examples class by class, as the imbalance profile lays them
 * out (class 0's first); the server checks every index and names the field of any problem.
 */

/** The pasted text as a value for the config: parsed JSON, or the text itself so the server names the field. */
export function parseBatchesText(text: string): unknown {
  const t = text.trim();
  if (!t) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    // a loaded file may hold the whole batching object
    if (v && typeof v === 'object' && !Array.isArray(v) && 'batches' in v) return (v as { batches: unknown }).batches;
    return v;
  } catch {
    return t;
  }
}

/** "class 0: 0–19", one entry per class, from the class counts. */
export function classRanges(counts: readonly number[]): { cls: number; first: number; last: number }[] {
  let start = 0;
  return counts.map((nc, cls) => {
    const r = { cls, first: start, last: start + nc - 1 };
    start += nc;
    return r;
  });
}

/** The class of every index of every batch (null for an index outside the counts), for the first `max` batches. */
export function batchClasses(batches: unknown, counts: readonly number[], max = 8): { index: number; classes: (number | null)[] }[] {
  if (!Array.isArray(batches)) return [];
  const ranges = classRanges(counts);
  const classOf = (i: unknown): number | null => {
    if (typeof i !== 'number' || !Number.isInteger(i)) return null;
    return ranges.find((r) => i >= r.first && i <= r.last)?.cls ?? null;
  };
  return batches.slice(0, max).map((b, index) => ({ index, classes: Array.isArray(b) ? b.map(classOf) : [] }));
}

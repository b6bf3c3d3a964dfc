import { describe, expect, it } from 'vitest';
import { axisKind, cellsCsv, compareKeys, keyOf, pivot, quantile, summarize, t975, type Observation } from '../../src-main/science/pivot';

const obs = (p: Partial<Observation> & Pick<Observation, 'runId' | 'seed' | 'value'>): Observation => ({
  x: 1,
  by: null,
  facet: null,
  ofUnique: true,
  verdict: 'every class is connected',
  ...p,
});

describe('summary statistics of one cell', () => {
  it('median, quartiles (type 7), min, max, mean, sample std and the 95 % t-interval', () => {
    const s = summarize([4, 1, 3, 2]);
    expect(s.n).toBe(4);
    expect(s.median).toBe(2.5);
    expect(s.q1).toBeCloseTo(1.75, 12); // numpy.percentile([1,2,3,4], 25)
    expect(s.q3).toBeCloseTo(3.25, 12);
    expect([s.min, s.max, s.mean]).toEqual([1, 4, 2.5]);
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 12); // sum of squares 5, n - 1 = 3
    const half = (3.182 * Math.sqrt(5 / 3)) / 2; // t(0.975, 3) = 3.182
    expect(s.ci95![0]).toBeCloseTo(2.5 - half, 10);
    expect(s.ci95![1]).toBeCloseTo(2.5 + half, 10);
  });

  it('an odd count has its middle value as median; three seeds give t(0.975, 2) = 4.303', () => {
    const s = summarize([0.2, 0.9, 0.5]);
    expect(s.median).toBe(0.5);
    expect(s.q1).toBeCloseTo(0.35, 12);
    expect(s.q3).toBeCloseTo(0.7, 12);
    expect(s.ci95![1] - s.mean!).toBeCloseTo((4.303 * s.std!) / Math.sqrt(3), 12);
  });

  it('one value has no spread (std and CI null); no value has no summary; non-finite values are left out', () => {
    expect(summarize([7])).toMatchObject({ n: 1, median: 7, q1: 7, q3: 7, std: null, ci95: null });
    expect(summarize([])).toMatchObject({ n: 0, median: null, mean: null, min: null, ci95: null });
    expect(summarize([1, Number.NaN, 3, Number.POSITIVE_INFINITY])).toMatchObject({ n: 2, median: 2, mean: 2 });
  });

  it('t quantiles: the table and the large-df approximation (t -> 1.96)', () => {
    expect(t975(1)).toBe(12.706);
    expect(t975(30)).toBe(2.042);
    expect(t975(60)).toBeCloseTo(2.0003, 3);
    expect(t975(1e6)).toBeCloseTo(1.96, 4);
    expect(() => t975(0)).toThrow(/degrees of freedom/);
    expect(quantile([], 0.5)).toBeNull();
  });
});

describe('pivot into cells', () => {
  it('groups by (facet, by, x), orders values by seed, and keeps every seed', () => {
    const cells = pivot([
      obs({ runId: 3, seed: 2, x: 10, by: true, value: 0.3 }),
      obs({ runId: 1, seed: 0, x: 10, by: true, value: 0.1 }),
      obs({ runId: 2, seed: 1, x: 10, by: true, value: 0.2 }),
      obs({ runId: 4, seed: 0, x: 1, by: true, value: 0.5 }),
      obs({ runId: 5, seed: 0, x: 1, by: false, value: 0.9 }),
    ]);
    expect(cells.map((c) => [c.by, c.x, c.n])).toEqual([
      [false, 1, 1],
      [true, 1, 1],
      [true, 10, 3],
    ]);
    const c = cells[2]!;
    expect(c.runIds).toEqual([1, 2, 3]);
    expect(c.seeds).toEqual([0, 1, 2]);
    expect(c.values).toEqual([0.1, 0.2, 0.3]);
    expect(c.median).toBe(0.2);
  });

  it('a run without a value is listed as missing with its reason, not dropped silently', () => {
    const [c] = pivot([obs({ runId: 1, seed: 0, value: 0.1 }), obs({ runId: 2, seed: 1, value: null, missing: 'run is running' })]);
    expect(c!.n).toBe(1);
    expect(c!.missing).toEqual([{ runId: 2, seed: 1, reason: 'run is running' }]);
  });

  it("the cell's batch verdict: unique for all, for none (with the analyser's reason), or mixed by seed", () => {
    const split = 'class 0 is split into 3 parts';
    const no = pivot([obs({ runId: 1, seed: 0, value: 0.5, ofUnique: false, verdict: split }), obs({ runId: 2, seed: 1, value: 0.6, ofUnique: false, verdict: split })])[0]!;
    expect(no.verdict).toEqual({ ofUnique: false, seedsUnique: 0, seedsAnalysed: 2, text: `OF not unique for these batches: ${split}` });
    const yes = pivot([obs({ runId: 1, seed: 0, value: 0 })])[0]!;
    expect(yes.verdict.ofUnique).toBe(true);
    expect(yes.verdict.text).toBe('OF unique for these batches');
    const mixed = pivot([obs({ runId: 1, seed: 0, value: 0 }), obs({ runId: 2, seed: 1, value: 0.5, ofUnique: false, verdict: split })])[0]!;
    expect(mixed.verdict.ofUnique).toBeNull();
    expect(mixed.verdict.text).toBe(`OF unique for 1 of 2 runs' batches; not for run 2 (seed 1): ${split}`);
  });

  it('categorical keys (booleans, strings, objects as JSON, absent as null) sort after numbers', () => {
    expect(keyOf(undefined)).toBeNull();
    expect(keyOf({ a: 1 })).toBe('{"a":1}');
    const keys = ['b', null, true, 10, false, 'a', 2];
    expect([...keys].sort(compareKeys)).toEqual([2, 10, false, true, 'a', 'b', null]);
  });
});

describe('axis kind', () => {
  it('categorical unless every value is a number', () => {
    expect(axisKind('relu', [true, false])).toBe('category');
    expect(axisKind('batching.strategy', ['fixed', 'reshuffle'])).toBe('category');
    expect(axisKind('dim', [8, null, 'x'])).toBe('category');
  });
  it('log for a ratio field or values spanning decades; linear otherwise or with values <= 0', () => {
    expect(axisKind('imbalance.ratio', [1, 10])).toBe('log');
    expect(axisKind('temperature', [0.01, 0.1, 1])).toBe('log');
    expect(axisKind('batching.batchSize', [4, 8, 16])).toBe('linear');
    expect(axisKind('seed', [0, 1, 100])).toBe('linear');
  });
});

describe('CSV', () => {
  it('one row per cell with the summary and each seed as a column; quotes what needs it', () => {
    const cells = pivot([
      obs({ runId: 1, seed: 0, x: 1, by: true, value: 0.25, ofUnique: false, verdict: 'classes 0 and 1 never interact, "really"' }),
      obs({ runId: 2, seed: 1, x: 1, by: true, value: 0.75, ofUnique: false, verdict: 'classes 0 and 1 never interact, "really"' }),
    ]);
    const [head, row, end] = cellsCsv(cells, { x: 'imbalance.ratio', by: 'relu', facet: null, metric: 'Delta_OF (final)' }).split('\n');
    const cols = head!.split(',');
    expect(cols.slice(0, 5)).toEqual(['imbalance.ratio', 'relu', 'metric', 'n', 'median']);
    expect(cols.slice(-2)).toEqual(['seed_0', 'seed_1']);
    expect(row).toContain('1,true,Delta_OF (final),2,0.5,');
    expect(row).toContain('"OF not unique for these batches: classes 0 and 1 never interact, ""really"""');
    expect(row!.endsWith(',0.25,0.75')).toBe(true);
    expect(end).toBe('');
  });
});

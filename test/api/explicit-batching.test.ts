import { describe, expect, it } from 'vitest';
import { ConfigError, MAX_EXPLICIT_INDICES, parseRunConfig } from '../../src-main/api/schema/config';
import { expandSweep } from '../../src-main/api/schema/sweep';
import { analyseConfigBatching } from '../../src-main/services/analysis';
import { parseKind } from '../support/configs';

/** The spec's counterexample as a config: labels [0,0,1,1,2,2]. */
const explicit = {
  kind: 'ufm', classes: 3, dim: 6,
  imbalance: { profile: 'balanced', nMax: 2 },
  relu: true, temperature: 1,
  batching: { strategy: 'explicit', batches: [[0, 1, 2, 3], [2, 3, 4, 5], [0, 4]] },
  optimizer: { name: 'gd', lr: 0.5 }, epochs: 100, seed: 0, evalEvery: 50,
};
const withBatches = (batches: unknown, extra: Record<string, unknown> = {}) => ({ ...explicit, batching: { strategy: 'explicit', batches, ...extra } });

function issuesOf(raw: unknown): { field: string; message: string }[] {
  try {
    parseRunConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('explicit batchings: validation names the field', () => {
  it('accepts the counterexample and keeps the batches as written', () => {
    const c = parseKind('ufm', explicit);
    expect(c.batching.strategy).toBe('explicit');
    expect(c.batching.batches).toEqual([[0, 1, 2, 3], [2, 3, 4, 5], [0, 4]]);
  });

  it.each([
    [withBatches([[0, 1, 2, 3], [2, 3, 4, 5], [0, 6]]), 'batching.batches.2.1', /index 6 is out of range: the imbalance profile gives 6 examples \(0\.\.5\)/],
    [withBatches([[0, 1, 2, 3], [], [2, 3, 4, 5]]), 'batching.batches.1', /is an empty batch/],
    [withBatches([[0, 1, 2, 3], [2, 3, 4]]), 'batching.batches', /^example 5 \(class 2\) is in no batch$/],
    [withBatches([[0, 1, 1, 2, 3, 4, 5]]), 'batching.batches.0.2', /index 1 appears twice in batch 0/],
    [withBatches([[0, 1.5]]), 'batching.batches.0.1', /whole number/],
    [withBatches([[0, -1]]), 'batching.batches.0.1', />= 0/],
    [withBatches('[[0,1]]'), 'batching.batches', /list of index lists/],
    [withBatches([[0, 1, 2, 3, 4, 5]], { batchSize: 4 }), 'batching.batchSize', /not used by strategy "explicit"/],
    [{ ...explicit, batching: { strategy: 'explicit' } }, 'batching.batches', /is required for strategy "explicit"/],
    [{ ...explicit, batching: { strategy: 'fixed', batchSize: 2, batches: [[0, 1]] } }, 'batching.batches', /only used by strategy "explicit"/],
    [withBatches([]), 'batching.batches', /at least one batch/],
  ])('%#: %j -> %s', (raw, field, message) => {
    const issues = issuesOf(raw);
    const hit = issues.find((i) => i.field === field);
    expect(hit, JSON.stringify(issues)).toBeDefined();
    expect(hit!.message).toMatch(message);
  });

  it('several examples in no batch are listed with their classes', () => {
    const issues = issuesOf(withBatches([[0, 2]]));
    expect(issues).toEqual([{ field: 'batching.batches', message: 'examples 1 (class 0), 3 (class 1), 4 (class 2), 5 (class 2) are in no batch' }]);
  });

  it(`more than ${MAX_EXPLICIT_INDICES} indices in all are refused before anything else is checked`, () => {
    const big = Array.from({ length: 11 }, () => Array.from({ length: 100_000 }, (_, i) => i % 6));
    const issues = issuesOf(withBatches(big));
    expect(issues).toEqual([{ field: 'batching.batches', message: `lists 1100000 indices in all; at most ${MAX_EXPLICIT_INDICES} are allowed (use a generated strategy for larger runs)` }]);
  });

  it('a flood of bad indices reports the first ten and counts the rest', () => {
    const issues = issuesOf(withBatches([[0, 1, 2, 3, 4, 5], Array.from({ length: 50 }, (_, i) => 100 + i)]));
    expect(issues).toHaveLength(11);
    expect(issues[0]).toEqual({ field: 'batching.batches.1.0', message: 'index 100 is out of range: the imbalance profile gives 6 examples (0..5)' });
    expect(issues[10]).toEqual({ field: 'batching.batches', message: '... and 40 more problems' });
  });
});

describe('explicit batchings: analysis and sweeps', () => {
  it('analyze-batching on the counterexample: classes 0 and 2 share a batch only as singletons; adding {0,1,4} makes the OF unique', () => {
    const a = analyseConfigBatching(parseRunConfig(explicit), 3);
    expect(a.counts).toEqual([2, 2, 2]);
    expect(a.oneEpoch.ofUnique).toBe(false);
    expect(a.union.ofUnique).toBe(false); // the same batches every epoch
    expect(a.union.epochs).toBe(3);
    expect(a.union.uncovered).toEqual([{ classes: [0, 2], reason: 'singletons-only', sharedBatches: 3 }]);
    const fixed = analyseConfigBatching(parseRunConfig(withBatches([...explicit.batching.batches, [0, 1, 4]])), 1);
    expect(fixed.oneEpoch.ofUnique).toBe(true);
  });

  it('with binding the k binding examples are appended to every written batch, and the conditions hold', () => {
    const a = analyseConfigBatching(parseRunConfig(withBatches(explicit.batching.batches, { binding: true })), 1);
    expect(a.binding).toHaveLength(3);
    expect(a.binding!.map((i) => Math.floor(i / 2))).toEqual([0, 1, 2]);
    expect(a.oneEpoch.ofUnique).toBe(true);
  });

  it('a deep run with two views gets the two-view rule: every pair of a batch is constrained', () => {
    const deep = {
      kind: 'deep', classes: 3, dim: 6, imbalance: { profile: 'balanced', nMax: 2 }, relu: true, temperature: 0.1,
      batching: { strategy: 'explicit', batches: explicit.batching.batches, stepPer: 'batch' },
      dataset: { name: 'synthetic', shape: { kind: 'vector', dim: 4 } }, model: { name: 'mlp', hidden: [8] },
      optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 }, epochs: 2, evalEvery: 1,
    };
    const a = analyseConfigBatching(parseRunConfig(deep), 1);
    expect(a.oneEpoch.rule).toBe('two-view');
    expect(a.oneEpoch.ofUnique).toBe(true);
    expect(a.oneEpoch.findings[0]).toMatch(/^two views/);
    const oneView = analyseConfigBatching(parseRunConfig({ ...deep, views: 1 }), 1);
    expect(oneView.oneEpoch.rule).toBe('positive-in-batch');
    expect(oneView.oneEpoch.ofUnique).toBe(false);
  });

  it('a sweep over batching.batches expands to one valid run per batching, and names a bad cell', () => {
    const spec = {
      base: explicit,
      grid: { 'batching.batches': [explicit.batching.batches, [...explicit.batching.batches, [0, 1, 4]]] },
      seeds: [0, 1],
    };
    const { cells } = expandSweep(spec);
    expect(cells).toHaveLength(4);
    expect(cells.map((c) => (c.config.kind === 'ufm' ? c.config.batching.batches!.length : 0))).toEqual([3, 3, 4, 4]);
    expect(() => expandSweep({ ...spec, grid: { 'batching.batches': [[[0, 9]]] } })).toThrow(/base\.batching\.batches\.0\.1: index 9 is out of range.*grid cell batching\.batches=\[\[0,9\]\]/);
  });
});

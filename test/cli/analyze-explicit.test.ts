import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, tempDir, writeJson } from './helpers';

/** The spec's counterexample (labels [0,0,1,1,2,2]) as a run config file. */
const counterexample = {
  kind: 'ufm', classes: 3, dim: 6,
  imbalance: { profile: 'balanced', nMax: 2 },
  relu: true, temperature: 1,
  batching: { strategy: 'explicit', batches: [[0, 1, 2, 3], [2, 3, 4, 5], [0, 4]] },
  optimizer: { name: 'gd', lr: 0.5 }, epochs: 100, seed: 0, evalEvery: 50,
};

describe('scl-lab analyze-batching on an explicit batching', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--json: ofUnique false with the reason; the text names the pair in words', () => {
    const cfg = writeJson(dir, 'counter.json', counterexample);
    const j = cli(['analyze-batching', '--config', cfg, '--epochs', '4', '--json']);
    expect(j.code, j.stderr).toBe(0);
    const a = JSON.parse(j.stdout);
    expect(a.oneEpoch.ofUnique).toBe(false);
    expect(a.union.ofUnique).toBe(false);
    expect(a.union.uncovered).toEqual([{ classes: [0, 2], reason: 'singletons-only', sharedBatches: 4 }]);
    const t = cli(['analyze-batching', '--config', cfg]);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/one epoch: 3 batches — conditions FAIL/);
    expect(t.stdout).toMatch(/classes 0 and 2 never interact: they share 1 batch only as singletons/);
    expect(t.stdout).toMatch(/1 batch constrain nothing/);
  });

  it('with the batch {0,1,4} added the OF is unique', () => {
    const cfg = writeJson(dir, 'fixed.json', { ...counterexample, batching: { strategy: 'explicit', batches: [...counterexample.batching.batches, [0, 1, 4]] } });
    const a = JSON.parse(cli(['analyze-batching', '--config', cfg, '--json']).stdout);
    expect(a.oneEpoch.ofUnique).toBe(true);
  });

  it('an index out of range: exit 2, the field named, no stack trace', () => {
    const cfg = writeJson(dir, 'bad.json', { ...counterexample, batching: { strategy: 'explicit', batches: [[0, 1, 2, 3], [2, 3, 4, 5], [0, 7]] } });
    const r = cli(['analyze-batching', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/bad\.json/);
    expect(r.stderr).toMatch(/batching\.batches\.2\.1: index 7 is out of range: the imbalance profile gives 6 examples \(0\.\.5\)/);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
});

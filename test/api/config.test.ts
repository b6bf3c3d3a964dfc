import { describe, expect, it } from 'vitest';
import { ConfigError, parseRunConfig, parseRunConfigText } from '../../src-main/api/schema/config';
import { parseKind } from '../support/configs';

const good = {
  kind: 'ufm', classes: 4, dim: 8,
  imbalance: { profile: 'custom', counts: [20, 20, 2, 2] },
  relu: true, temperature: 1.0,
  batching: { strategy: 'fixed', batchSize: 4, binding: true, stepPer: 'epoch' },
  optimizer: { name: 'gd', lr: 0.05 }, epochs: 4000, seed: 0, evalEvery: 100,
};

function issuesOf(raw: unknown): { field: string; message: string }[] {
  try {
    parseRunConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('run config validation', () => {
  it('accepts the issue example and fills defaults', () => {
    const c = parseKind('ufm', good);
    expect(c.lossForm).toBe('paper');
    expect(c.batching.dropLast).toBe(true);
  });

  it.each([
    [{ ...good, extra: 1 }, 'extra', /unknown key/],
    [{ ...good, imbalance: { profile: 'step', nMax: 10, ratio: 0.5 } }, 'imbalance.ratio', />= 1/],
    [{ ...good, imbalance: { profile: 'custom', counts: [20, 0, 2, 2] } }, 'imbalance.counts.1', /> 0/],
    [{ ...good, batching: { ...good.batching, batchSize: 45 } }, 'batching.batchSize', /larger than the number of examples \(44\)/],
    [{ ...good, temperature: 0 }, 'temperature', /> 0/],
    [{ ...good, dim: 3 }, 'dim', /orthogonal frame needs dim >= classes/],
    [{ ...good, batching: { ...good.batching, strategy: 'random' } }, 'batching.strategy', /one of reshuffle, fixed, full, class-balanced/],
    [{ ...good, imbalance: { profile: 'custom', counts: [20, 20, 2] } }, 'imbalance.counts', /3 entries but classes is 4/],
    [{ ...good, imbalance: { profile: 'custom', counts: [20, 20, 1, 2] } }, 'imbalance.counts.2', /needs >= 2/],
    [{ ...good, imbalance: { profile: 'step', nMax: 10, ratio: 10 } }, 'imbalance', /gets 1 example/],
    [{ ...good, batching: { strategy: 'fixed' } }, 'batching.batchSize', /required/],
  ])('names the wrong field: %#', (raw, field, msg) => {
    const issues = issuesOf(raw);
    const hit = issues.find((i) => i.field === field);
    expect(hit, JSON.stringify(issues)).toBeDefined();
    expect(hit!.message).toMatch(msg);
  });

  it('malformed JSON is a ConfigError naming the file', () => {
    expect(() => parseRunConfigText('{"kind": "ufm",', 'cfg.json')).toThrow(/cfg\.json[\s\S]*malformed JSON/);
  });
});

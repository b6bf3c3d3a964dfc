/** Fuzz: run configs and sweep specs. Every input is either accepted (and re-accepted as is) or refused with ConfigError issues naming fields. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseRunConfig, parseRunConfigText } from '../../src-main/api/schema/config';
import { expandSweep } from '../../src-main/api/schema/sweep';
import { smallUfm } from '../api/helpers';
import { expectUserMessage, fuzz, jsonValue, mutate, mutation } from './helpers';

const deep = {
  kind: 'deep', classes: 2, dim: 4, imbalance: { profile: 'step', nMax: 6, ratio: 3 }, relu: true, temperature: 0.1,
  batching: { strategy: 'fixed', batchSize: 4, binding: true }, epochs: 2, evalEvery: 1,
  dataset: { name: 'synthetic', shape: { kind: 'image', height: 8, width: 8, channels: 1 } }, model: { name: 'cnn' },
  optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9 }, schedule: { name: 'multistep', milestones: [1] },
};
const embeddings = { kind: 'embeddings', file: 'feats.npy', labels: 'labels.npy' };
const custom = { ...smallUfm, imbalance: { profile: 'custom', counts: [5, 5, 2] }, batching: { strategy: 'reshuffle', batchSize: 3 } };
const BASES = [smallUfm, deep, embeddings, custom];

/** Accepted configs must round-trip; refused ones give a ConfigError whose issues are user messages. */
function checkConfig(raw: unknown): void {
  let parsed: unknown;
  try {
    parsed = parseRunConfig(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect(e.issues.length).toBeGreaterThan(0);
    for (const i of e.issues) {
      expect(typeof i.field).toBe('string');
      expectUserMessage(i.message);
    }
    expectUserMessage(e.message);
    return;
  }
  expect(parseRunConfig(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
}

describe('fuzz: run configs', () => {
  it('any JSON value', () => fuzz([jsonValue], checkConfig, 1000));

  for (const base of BASES) {
    it(`one to three mutations of a valid ${base.kind} config${base === custom ? ' (custom counts)' : ''}`, () => {
      expect(() => parseRunConfig(base)).not.toThrow();
      fuzz([fc.array(mutation(base), { minLength: 1, maxLength: 3 })], (ms) => checkConfig(mutate(base, ms)), 1000);
    });
  }

  it('config text: truncated, BOM-prefixed or garbled JSON', () => {
    const text = JSON.stringify(smallUfm);
    fuzz(
      [fc.nat({ max: text.length }), fc.boolean(), fc.string({ maxLength: 4 })],
      (cut, bom, junk) => {
        const t = (bom ? '\uFEFF' : '') + text.slice(0, cut) + (cut < text.length ? junk : '');
        try {
          parseRunConfigText(t, 'fuzz.json');
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          expect((err as ConfigError).message).toContain('fuzz.json');
          expectUserMessage((err as ConfigError).message);
        }
      },
      800,
    );
  });
});

const gridKey = fc.constantFrom('relu', 'epochs', 'classes', 'batching.batchSize', 'batching.strategy', 'imbalance.nMax', 'optimizer.lr', 'temperature', 'nope', 'a.b.c', 'dim');

describe('fuzz: sweep specs', () => {
  it('random grids over a valid base, and random specs', () => {
    const spec = fc.oneof(
      jsonValue,
      fc.record({
        name: fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
        base: fc.constantFrom<unknown>(smallUfm, custom, {}, null),
        grid: fc.dictionary(gridKey, fc.array(jsonValue, { maxLength: 3 }), { maxKeys: 3 }),
        seeds: fc.option(fc.array(fc.oneof(fc.nat(5), jsonValue), { maxLength: 3 }), { nil: undefined }),
      }),
    );
    fuzz(
      [spec],
      (raw) => {
        try {
          const { cells } = expandSweep(raw, 'fuzz-sweep.json');
          for (const c of cells) expect(parseRunConfig(c.config)).toEqual(c.config);
        } catch (err) {
          expect(err).toBeInstanceOf(ConfigError);
          expect((err as ConfigError).message).toContain('fuzz-sweep.json');
          for (const i of (err as ConfigError).issues) expectUserMessage(i.message);
        }
      },
      1000,
    );
  });
});

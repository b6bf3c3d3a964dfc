import { describe, expect, it } from 'vitest';
import { ConfigError, parseRunConfig, parseRunConfigText } from '../../src-main/api/schema/config';
import { smallUfm } from './helpers';

function issues(fn: () => unknown): { field: string; message: string }[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).issues;
  }
  throw new Error('expected a ConfigError');
}

describe('config messages say what is wrong', () => {
  it('epochs: 10000001 names the maximum, not the type', () => {
    expect(issues(() => parseRunConfig({ ...smallUfm, epochs: 10_000_001 }))).toEqual([
      { field: 'epochs', message: 'epochs must be <= 10000000' },
    ]);
  });

  it('the type, whole-number and positivity messages stay as they were', () => {
    expect(issues(() => parseRunConfig({ ...smallUfm, epochs: 'many' }))[0]).toEqual({ field: 'epochs', message: 'epochs must be a number' });
    expect(issues(() => parseRunConfig({ ...smallUfm, epochs: 2.5 }))[0]).toEqual({ field: 'epochs', message: 'epochs must be a whole number' });
    expect(issues(() => parseRunConfig({ ...smallUfm, epochs: -5 }))[0]).toEqual({ field: 'epochs', message: 'epochs must be > 0' });
    expect(issues(() => parseRunConfig({ ...smallUfm, classes: 1 }))[0]).toEqual({ field: 'classes', message: 'classes must be >= 2' });
  });

  it('a UTF-8 byte-order mark in front of valid JSON is accepted', () => {
    const c = parseRunConfigText('\uFEFF' + JSON.stringify(smallUfm), 'bom.json');
    expect(c).toMatchObject({ kind: 'ufm', classes: 3, epochs: 200 });
  });

  it('a BOM does not hide malformed JSON', () => {
    expect(issues(() => parseRunConfigText('\uFEFF{"kind":', 'bad.json'))[0]!.message).toMatch(/^malformed JSON/);
  });
});

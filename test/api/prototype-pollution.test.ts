/**
 * Dotted config paths cannot pollute prototypes (issue 11, item 1): every route that takes one (sweeps.create's
 * grid, reproduce.start's set, sweep files, `--set`) refuses `__proto__`, `prototype` and `constructor`
 * segments with a field-named error, before any object is built, and the server keeps answering.
 */
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertDottedPaths, deepMerge, getPath, setPath } from '../../src-main/api/schema/dotted-path';
import { ConfigError } from '../../src-main/api/schema/config';
import { expandSweep } from '../../src-main/api/schema/sweep';
import { startServer, type RunningServer } from '../../src-main/api/serve';
import { removeTempDirs, smallUfm, tempDir } from './helpers';

const ATTACKS = ['__proto__.tag', 'constructor.prototype.tag', 'relu.__proto__.tag', 'batching.constructor', 'prototype.tag'];

function unpolluted(): void {
  expect(({} as Record<string, unknown>).tag).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('tag');
  expect(Object.keys(Object.prototype)).toEqual([]);
}

afterEach(() => {
  // a failing test must not leave the rest of the suite polluted
  delete (Object.prototype as Record<string, unknown>).tag;
});

describe('dotted paths (the one implementation)', () => {
  it.each(ATTACKS)('setPath refuses %s with a ConfigError naming the field, and pollutes nothing', (path) => {
    const obj: Record<string, unknown> = { relu: true, batching: { strategy: 'full' } };
    let err: unknown;
    try {
      setPath(obj, path, 'x', `grid.${path}`);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).issues).toEqual([{ field: `grid.${path}`, message: expect.stringMatching(/is not allowed in a config path/) }]);
    unpolluted();
    expect(obj).toEqual({ relu: true, batching: { strategy: 'full' } });
  });

  it('sets nested fields, creating objects without a prototype, and never follows inherited properties', () => {
    const obj: Record<string, unknown> = { batching: { strategy: 'fixed' } };
    setPath(obj, 'batching.batchSize', 8);
    setPath(obj, 'imbalance.counts', [3, 3]);
    setPath(obj, 'toString.x', 1); // "toString" is inherited, not own: a fresh object replaces nothing shared
    expect(obj).toEqual({ batching: { strategy: 'fixed', batchSize: 8 }, imbalance: { counts: [3, 3] }, toString: { x: 1 } });
    expect(Object.getPrototypeOf(obj.imbalance)).toBeNull();
    expect(typeof Object.prototype.toString).toBe('function');
    expect(getPath(obj, 'batching.batchSize')).toBe(8);
    expect(getPath({}, 'constructor')).toBeUndefined();
    expect(getPath({}, '__proto__')).toBeUndefined();
    expect(() => setPath(obj, 'a..b', 1)).toThrow(/empty segment/);
  });

  it('deepMerge refuses a "__proto__" key that JSON.parse made an own property', () => {
    const evil = JSON.parse('{"__proto__": {"tag": "x"}}') as Record<string, unknown>;
    expect(() => deepMerge({ relu: true }, evil)).toThrow(ConfigError);
    unpolluted();
    expect(deepMerge({ a: { b: 1, c: 2 } }, { a: { c: 3 } })).toEqual({ a: { b: 1, c: 3 } });
  });

  it('a sweep spec with such grid keys (a sweep file) is refused, naming grid.<key>', () => {
    for (const key of ATTACKS) {
      const e = (() => {
        try {
          expandSweep({ base: smallUfm, grid: { [key]: ['x'] } }, 'evil.json');
        } catch (err) {
          return err as ConfigError;
        }
        throw new Error('expected a ConfigError');
      })();
      expect(e).toBeInstanceOf(ConfigError);
      expect(e.issues[0].field).toBe(`grid.${key}`);
      expect(e.message).toMatch(/evil\.json/);
      unpolluted();
    }
    expect(() => assertDottedPaths([['relu', 'grid.relu']])).not.toThrow();
  });
});

describe('over the real HTTP server (scl-lab serve)', () => {
  let srv: RunningServer;
  const post = async (method: string, body: unknown) => {
    const res = await fetch(`${srv.origin}/api/${method}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${srv.token}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    const dir = tempDir();
    srv = await startServer({ db: join(dir, 'runs.sqlite'), rendererDir: dir, concurrency: 1, log: () => {} });
  });
  afterAll(async () => {
    await srv?.close();
    removeTempDirs();
  });

  async function stillServes(): Promise<void> {
    unpolluted();
    const list = await post('runs.list', {});
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(0);
    expect((await post('app.info', {})).status).toBe(200);
    // a config is still judged on its own keys, not on inherited ones
    const v = await post('runs.validate', { config: smallUfm });
    expect(v.body).toMatchObject({ ok: true, issues: [] });
  }

  it.each(ATTACKS)('sweeps.create with grid key %s: 400 naming grid.<key>, nothing stored, the server still answers', async (key) => {
    const r = await post('sweeps.create', { spec: { base: smallUfm, grid: { [key]: ['x'] } } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'INVALID_CONFIG', issues: [{ field: `grid.${key}` }] });
    await stillServes();
    expect((await post('sweeps.list', {})).body.sweeps).toEqual([]);
  });

  it('sweeps.create with a "__proto__" key inside base (an own property after JSON.parse): refused, no pollution', async () => {
    const res = await fetch(`${srv.origin}/api/sweeps.create`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${srv.token}` },
      body: `{"spec":{"base":{"__proto__":{"tag":"x"},"kind":"ufm"},"grid":{"relu":[true]}}}`,
    });
    expect(res.status).toBe(400);
    await stillServes();
  });

  it.each(ATTACKS)('reproduce.start with set key %s: 400 naming set.<key>, nothing queued, the server still answers', async (key) => {
    const r = await post('reproduce.start', { presets: ['ufm-fixed-binding'], quick: true, set: [{ key, value: 'x' }] });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'INVALID_CONFIG', issues: [{ field: `set.${key}` }] });
    await stillServes();
  });
});

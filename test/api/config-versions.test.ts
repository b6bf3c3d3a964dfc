/**
 * Optimisers as a union by name (only their own fields) and versioned configs: migrateConfig turns every
 * config stored by the first release (no schemaVersion) into the current schema.
 */
import { describe, expect, it } from 'vitest';
import {
  CONFIG_SCHEMA_VERSION,
  ConfigError,
  migrateConfig,
  parseRunConfig,
  UFM_OPTIMIZERS,
} from '../../src-main/api/schema/config';
import { configHash } from '../../src-main/store';
import { parseKind } from '../support/configs';

const ufm = {
  kind: 'ufm', classes: 4, dim: 8,
  imbalance: { profile: 'custom', counts: [6, 6, 2, 2] },
  relu: true, temperature: 1,
  batching: { strategy: 'fixed', batchSize: 4, binding: true, stepPer: 'epoch' },
  optimizer: { name: 'gd', lr: 0.05 }, epochs: 100, seed: 0, evalEvery: 10,
};
const deep = {
  kind: 'deep', classes: 3, dim: 4,
  dataset: { name: 'synthetic', shape: { kind: 'vector', dim: 6 } },
  model: { name: 'mlp', hidden: [8] },
  imbalance: { profile: 'custom', counts: [8, 4, 4] },
  relu: false, temperature: 0.5,
  batching: { strategy: 'fixed', batchSize: 8 },
  optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 }, epochs: 4, evalEvery: 2,
};

function issues(raw: unknown): { field: string; message: string }[] {
  try {
    parseRunConfig(raw);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  return [];
}

describe('optimisers say what they do', () => {
  it('UFM gd has only lr: a momentum is an unknown key, named', () => {
    expect(parseKind('ufm', ufm).optimizer).toEqual({ name: 'gd', lr: 0.05 });
    expect(issues({ ...ufm, optimizer: { name: 'gd', lr: 0.05, momentum: 0.9 } })).toEqual([
      { field: 'optimizer.momentum', message: 'unknown key (not part of the run config)' },
    ]);
  });

  it('UFM momentum and adam carry their own fields, with stated defaults', () => {
    expect(parseKind('ufm', { ...ufm, optimizer: { name: 'momentum', lr: 0.1 } }).optimizer).toEqual({ name: 'momentum', lr: 0.1, momentum: 0.9 });
    expect(parseKind('ufm', { ...ufm, optimizer: { name: 'adam', lr: 0.1 } }).optimizer).toEqual({ name: 'adam', lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 });
    expect(issues({ ...ufm, optimizer: { name: 'adam', lr: 0.1, momentum: 0.5 } })[0]!.field).toBe('optimizer.momentum');
  });

  it('the optimiser names come from the exported member list', () => {
    expect(UFM_OPTIMIZERS.map((m) => m.shape.name.value)).toEqual(['gd', 'momentum', 'adam', 'lbfgs']);
    expect(issues({ ...ufm, optimizer: { name: 'sgd', lr: 0.1 } })).toEqual([
      { field: 'optimizer.name', message: 'optimizer.name must be one of gd, momentum, adam, lbfgs' },
    ]);
  });

  it('deep sgd states its momentum (required) and Nesterov needs momentum', () => {
    expect(parseKind('deep', deep).optimizer).toEqual({ name: 'sgd', lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0 });
    const missing = issues({ ...deep, optimizer: { name: 'sgd', lr: 0.05 } });
    expect(missing[0]!.field).toBe('optimizer.momentum');
    expect(missing[0]!.message).toMatch(/required for sgd/);
    expect(issues({ ...deep, optimizer: { name: 'sgd', lr: 0.05, momentum: 0, nesterov: true } })).toEqual([
      { field: 'optimizer.nesterov', message: 'nesterov needs momentum > 0' },
    ]);
    expect(parseKind('deep', { ...deep, optimizer: { name: 'adam', lr: 0.01 } }).optimizer).toEqual({
      name: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0,
    });
  });

  it('two gd runs that differ only by seed share one config hash', () => {
    const a = parseRunConfig(ufm), b = parseRunConfig({ ...ufm, seed: 7 });
    expect(configHash(a as unknown as Record<string, unknown>)).toBe(configHash(b as unknown as Record<string, unknown>));
  });
});

describe('versioned configs', () => {
  it('a config without schemaVersion given by a user is the current version; parsed configs carry it', () => {
    expect(CONFIG_SCHEMA_VERSION).toBe(5);
    const c = parseKind('ufm', { ...ufm, lossForm: 'supcon-mean' });
    expect(c.schemaVersion).toBe(CONFIG_SCHEMA_VERSION);
    expect(c.lossForm).toBe('supcon-mean');
  });

  it('migrateConfig: a stored version-1 UFM gd loses the phantom momentum and hashes like a new one', () => {
    const v1 = { ...ufm, lossForm: 'paper', optimizer: { name: 'gd', lr: 0.05, momentum: 0.9 } };
    const { config, fromVersion } = migrateConfig(v1);
    expect(fromVersion).toBe(1);
    expect(config.kind === 'ufm' && config.optimizer).toEqual({ name: 'gd', lr: 0.05 });
    expect(configHash(config as unknown as Record<string, unknown>)).toBe(configHash(parseRunConfig(ufm) as unknown as Record<string, unknown>));
  });

  it('migrateConfig: version-1 deep sgd meant heavy ball 0.9, adam used tfjs epsilon 1e-7', () => {
    const sgd = migrateConfig({ ...deep, optimizer: { name: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 5e-4 } }).config;
    expect(sgd.kind === 'deep' && sgd.optimizer).toEqual({ name: 'sgd', lr: 0.1, momentum: 0.9, nesterov: false, weightDecay: 5e-4 });
    const noMomentum = migrateConfig({ ...deep, optimizer: { name: 'sgd', lr: 0.1 } }).config;
    expect(noMomentum.kind === 'deep' && noMomentum.optimizer).toMatchObject({ momentum: 0.9 });
    const adam = migrateConfig({ ...deep, optimizer: { name: 'adam', lr: 0.01, momentum: 0.9, weightDecay: 0 } }).config;
    expect(adam.kind === 'deep' && adam.optimizer).toEqual({ name: 'adam', lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-7, weightDecay: 0 });
  });

  it('migrateConfig: version-1 "supcon-mean" (and the deep default) become supcon-mean-positive-anchors', () => {
    expect(migrateConfig({ ...ufm, lossForm: 'supcon-mean' }).config).toMatchObject({ lossForm: 'supcon-mean-positive-anchors' });
    expect(migrateConfig(deep).config).toMatchObject({ lossForm: 'supcon-mean-positive-anchors' }); // no lossForm: v1 deep default
    expect(migrateConfig({ ...ufm, lossForm: 'paper' }).config).toMatchObject({ lossForm: 'paper' });
    const oldForm = migrateConfig({ ...ufm, lossForm: 'supcon-mean' }).config as unknown as Record<string, unknown>;
    const newForm = parseRunConfig({ ...ufm, lossForm: 'supcon-mean' }) as unknown as Record<string, unknown>;
    expect(configHash(oldForm)).not.toBe(configHash(newForm)); // never one seed group by accident
  });

  it.each([3, 4])('migrateConfig: a version-%i UFM lbfgs run states the squared parametrisation it ran, and hashes like a new squared one', (version) => {
    const lbfgs = { ...ufm, batching: { strategy: 'full', binding: false, stepPer: 'epoch' }, optimizer: { name: 'lbfgs', history: 20 } };
    const { config, fromVersion } = migrateConfig({ ...lbfgs, schemaVersion: version });
    expect(fromVersion).toBe(version);
    expect(config.kind === 'ufm' && config.optimizer).toEqual({ name: 'lbfgs', history: 20, maxLineSearchEvals: 25, parametrization: 'squared' });
    // a new config without it gets version 5's default: projected, another algorithm and another seed group
    const fresh = parseKind('ufm', lbfgs);
    expect(fresh.optimizer).toMatchObject({ name: 'lbfgs', parametrization: 'projected' });
    expect(configHash(config as unknown as Record<string, unknown>)).not.toBe(configHash(fresh as unknown as Record<string, unknown>));
    const squared = parseKind('ufm', { ...lbfgs, optimizer: { name: 'lbfgs', history: 20, parametrization: 'squared' } });
    expect(configHash(config as unknown as Record<string, unknown>)).toBe(configHash(squared as unknown as Record<string, unknown>));
    // gd runs and explicit parametrisations are left alone
    expect(migrateConfig({ ...ufm, schemaVersion: version }).config).toMatchObject({ optimizer: { name: 'gd', lr: 0.05 } });
    const explicit = migrateConfig({ ...lbfgs, schemaVersion: version, optimizer: { name: 'lbfgs', history: 5, parametrization: 'projected' } }).config;
    expect(explicit.kind === 'ufm' && explicit.optimizer).toMatchObject({ parametrization: 'projected' });
    expect(issues({ ...lbfgs, optimizer: { name: 'lbfgs', parametrization: 'cubed' } })).toEqual([
      { field: 'optimizer.parametrization', message: 'parametrization must be "projected" or "squared"' },
    ]);
  });

  it('a current config passes through unchanged; an explicit older version is migrated by parseRunConfig too', () => {
    const current = parseRunConfig(ufm);
    expect(migrateConfig(current)).toEqual({ config: current, fromVersion: CONFIG_SCHEMA_VERSION });
    expect(parseKind('ufm', { ...ufm, schemaVersion: 1, optimizer: { name: 'gd', lr: 0.05, momentum: 0.9 } }).optimizer).toEqual({ name: 'gd', lr: 0.05 });
  });

  it('a version newer than this release, or not a version, is a clear error on schemaVersion', () => {
    expect(issues({ ...ufm, schemaVersion: CONFIG_SCHEMA_VERSION + 1 })).toEqual([
      { field: 'schemaVersion', message: `${CONFIG_SCHEMA_VERSION + 1} is newer than this release understands (${CONFIG_SCHEMA_VERSION}); update SCL Geometry Lab` },
    ]);
    expect(issues({ ...ufm, schemaVersion: 'two' })[0]!.field).toBe('schemaVersion');
  });

  it('a version-2 config reads unchanged as version 3 (only metric keys of deep runs changed; the store renames them)', () => {
    const m = migrateConfig({ ...ufm, schemaVersion: 2 });
    expect(m.fromVersion).toBe(2);
    expect(m.config).toEqual(parseRunConfig(ufm));
  });

  it('embeddings configs carry the version too', () => {
    expect(migrateConfig({ kind: 'embeddings', file: 'x.npy', seed: 0 }).config).toEqual({ kind: 'embeddings', file: 'x.npy', seed: 0, schemaVersion: CONFIG_SCHEMA_VERSION });
  });
});

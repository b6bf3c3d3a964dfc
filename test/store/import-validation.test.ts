import { describe, expect, it } from 'vitest';
import { StoreError, type Store } from '../../src-main/store';
import { freshStore, newRun } from './helpers';

const ufm = {
  kind: 'ufm', classes: 3, dim: 6, imbalance: { profile: 'balanced', nMax: 4 }, relu: true, temperature: 1,
  batching: { strategy: 'full', binding: false }, optimizer: { name: 'gd', lr: 0.05 }, epochs: 300, evalEvery: 50,
};

/** A one-run bundle exported from a real store, as plain JSON. */
function bundle(status: 'finished' | 'queued' | 'running' = 'finished'): any {
  const src = freshStore();
  const id = newRun(src, { name: 'baseline', config: ufm, seed: 0 });
  if (status !== 'queued') src.markStarted(id, { backend: 'cpu', ownerPid: process.pid });
  if (status === 'finished') src.finishRun(id, 'finished', { result: { ok: true } });
  return JSON.parse(JSON.stringify(src.exportRuns()));
}

const EMPTY = { runs: 0, scalars: 0, snapshots: 0, checkpoints: 0, sweeps: 0 };

function refused(dst: Store, b: unknown): string {
  let err: unknown;
  try {
    dst.importRuns(b);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(StoreError);
  expect((err as StoreError).code).toBe('INVALID');
  expect(dst.check().counts).toEqual(EMPTY);
  return (err as StoreError).message;
}

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

describe('import validates every config with the run schema', () => {
  it('a config {"x":1} is refused naming the run and the field; nothing is stored', () => {
    const b = bundle();
    b.runs[0].config = { x: 1 };
    const msg = refused(freshStore(), b);
    expect(msg).toContain(`runs[0] (uuid ${b.runs[0].uuid}, "baseline")`);
    expect(msg).toMatch(/config(\.kind)?: kind must be "ufm", "deep" or "embeddings"/);
  });

  it('epochs: -5 is refused with config.epochs named', () => {
    const b = bundle();
    b.runs[0].config.epochs = -5;
    expect(refused(freshStore(), b)).toMatch(/runs\[0\] \(uuid .*\): config\.epochs: epochs must be > 0/);
  });

  it('a config whose kind differs from the run kind is refused', () => {
    const b = bundle();
    b.runs[0].kind = 'deep';
    expect(refused(freshStore(), b)).toMatch(/kind is "deep" but config\.kind is "ufm"/);
  });

  it('a valid config imports with its defaults filled in', () => {
    const dst = freshStore();
    const r = dst.importRuns(bundle());
    const run = dst.getRun(r.imported[0]!.id);
    expect(run.config).toMatchObject({ ...ufm, seed: 0, lossForm: 'paper', batching: { strategy: 'full', stepPer: 'epoch' } });
  });
});

describe('import bounds nesting depth', () => {
  it.each(['config', 'env', 'result'])('a 50 000-deep %s gives a clean error naming the path', (field) => {
    const b = bundle();
    b.runs[0][field] = { deep: nested(50_000) };
    const msg = refused(freshStore(), b);
    expect(msg).toMatch(new RegExp(`^invalid import file: runs\\[0\\]\\.${field}\\.deep(\\[0\\])+: nested more than 64 levels deep$`));
  });

  it('a 50 000-deep bundle as a whole is refused too', () => {
    expect(refused(freshStore(), nested(50_000))).toMatch(/nested more than 64 levels deep/);
  });
});

describe('runs that were queued or running elsewhere', () => {
  it.each(['queued', 'running'] as const)('a %s run is imported as interrupted', (status) => {
    const b = bundle(status);
    expect(b.runs[0].status).toBe(status);
    const dst = freshStore();
    const run = dst.getRun(dst.importRuns(b).imported[0]!.id);
    expect(run.status).toBe('interrupted');
    expect(run.statusDetail).toBe(`interrupted: imported while ${status} elsewhere`);
  });
});

/** Over HTTP (`scl-lab serve`'s server): saved views and run names; bad input is HTTP 400 naming the field. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src-main/api/serve';
import { openStore } from '../../src-main/store';
import { errorOf, outputOf, removeTempDirs, smallUfm, tempDir } from './helpers';

let srv: RunningServer;
let db: string;
const post = (method: string, body: unknown) =>
  fetch(`${srv.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${srv.token}` },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  db = join(tempDir(), 'runs.sqlite');
  srv = await startServer({ db, rendererDir: tempDir(), concurrency: 1, log: () => {} });
});
afterAll(async () => {
  await srv?.close();
  removeTempDirs();
});

describe('views.* and runs.rename over HTTP', () => {
  it('an unnamed sweep is named after its spec', async () => {
    const res = await post('sweeps.create', { spec: { base: { ...smallUfm, epochs: 10 }, grid: { relu: [true, false], temperature: [0.5] }, seeds: [0, 1, 2] } });
    expect(res.status).toBe(200);
    const { sweepId } = await outputOf('sweeps.create', res);
    const list = await outputOf('sweeps.list', await post('sweeps.list', {}));
    expect(list.sweeps.find((s) => s.id === sweepId)!.name).toBe('relu × temperature=0.5 × 3 seeds (6 runs)');
  });

  it('saves, lists, replaces and deletes named views, stored in the database', async () => {
    let res = await post('views.save', { name: 'relu vs none', url: '#/compare?ids=1,2&band=iqr' });
    expect(res.status).toBe(200);
    expect(await outputOf('views.save', res)).toMatchObject({ name: 'relu vs none', url: '#/compare?ids=1,2&band=iqr' });
    await post('views.save', { name: 'relu vs none', url: '#/compare?ids=1,2,3' });
    res = await post('views.list', {});
    expect((await outputOf('views.list', res)).views.map((v) => [v.name, v.url])).toEqual([['relu vs none', '#/compare?ids=1,2,3']]);
    const other = openStore(db, { readonly: true });
    expect(other.listViews().map((v) => v.url)).toEqual(['#/compare?ids=1,2,3']);
    other.close();
    expect((await post('views.delete', { name: 'relu vs none' })).status).toBe(200);
    expect((await outputOf('views.list', await post('views.list', {}))).views).toEqual([]);
    expect((await post('views.delete', { name: 'relu vs none' })).status).toBe(404);
  });

  it('refuses bad views with HTTP 400 naming the field', async () => {
    let res = await post('views.save', { name: '', url: '#/compare?ids=1' });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'INVALID_INPUT', issues: [{ field: 'name' }] });
    res = await post('views.save', { name: 'x', url: 'javascript:alert(1)' });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'INVALID_INPUT', issues: [{ field: 'url' }] });
  });

  it('renames a run (the name is what runs.get says), clears it, and refuses bad names with 400', async () => {
    const { id } = await outputOf('runs.create', await post('runs.create', { config: smallUfm }));
    expect((await post('runs.rename', { id, name: ' my run ' })).status).toBe(200);
    expect((await outputOf('runs.get', await post('runs.get', { id }))).name).toBe('my run');
    await post('runs.rename', { id, name: null });
    expect((await outputOf('runs.get', await post('runs.get', { id }))).name).toBeNull();
    let res = await post('runs.rename', { id, name: 'a\nb' });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'INVALID_INPUT', issues: [{ field: 'name' }] });
    res = await post('runs.rename', { id, name: 'n'.repeat(201) });
    expect(res.status).toBe(400);
    res = await post('runs.rename', { id: 9999, name: 'x' });
    expect(res.status).toBe(404);
  });
});

describe('runs.validate says where a deep run\'s dataset is, without blocking', () => {
  const deep = (folder?: string) => ({
    kind: 'deep', classes: 10, dim: 4,
    dataset: { name: 'mnist', ...(folder ? { folder } : {}) },
    model: { name: 'mlp', hidden: [8] },
    imbalance: { profile: 'balanced', nMax: 4 },
    relu: false, temperature: 0.5,
    batching: { strategy: 'fixed', batchSize: 8 },
    optimizer: { name: 'sgd', lr: 0.05, momentum: 0.9 }, epochs: 4, evalEvery: 2,
  });

  it('a folder without the files: found false, naming the folder and what is missing; ok stays true', async () => {
    const empty = tempDir();
    const r = await outputOf('runs.validate', await post('runs.validate', { config: deep(empty) }));
    expect(r.issues).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.dataset).toMatchObject({ found: false, folder: empty });
    expect(r.dataset!.message).toContain(empty);
    expect(r.dataset!.message).toMatch(/train-images-idx3-ubyte/);
  });

  it('a folder with the files: found, and where', async () => {
    const dir = join(tempDir(), 'mnist');
    mkdirSync(dir);
    for (const f of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) writeFileSync(join(dir, f), '');
    const r = await outputOf('runs.validate', await post('runs.validate', { config: deep(dir) }));
    expect(r.dataset).toEqual({ found: true, message: `mnist found in ${dir} (the folder given)`, folder: dir });
    // a UFM run has no dataset to look for
    const u = await outputOf('runs.validate', await post('runs.validate', { config: smallUfm }));
    expect(u.dataset).toBeNull();
  });
});

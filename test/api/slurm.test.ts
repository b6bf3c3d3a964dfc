/** slurm.sweeps / slurm.collect over the contract: a dry-run Slurm sweep whose task 0 ran into its shard. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../src-main/api/errors';
import { createApi, type Api } from '../../src-main/api/server';
import { submitSlurmSweep } from '../../src-main/cluster/launch';
import { runArrayTask } from '../../src-main/cluster/task';
import { Runner } from '../../src-main/runner/runner';
import { RunService } from '../../src-main/services/runs';
import { openStore, type Store } from '../../src-main/store';
import { removeTempDirs, smallUfm, tempDir } from './helpers';

let store: Store;
let runner: Runner;
let api: Api;
let sweepId: number;
let runIds: number[];

beforeAll(async () => {
  const dir = tempDir();
  store = openStore(join(dir, 'runs.sqlite'));
  runner = new Runner(store, { concurrency: 1 });
  api = createApi({ service: new RunService(store, runner), dbPath: store.file, mode: 'serve' });
  const spec = { name: 'api', base: { ...smallUfm, epochs: 40, evalEvery: 20 }, grid: { relu: [true, false] }, seeds: [0] };
  const s = submitSlurmSweep(store, spec, 'spec.json', { dryRun: true, slurmDir: join(dir, 'sweeps') });
  sweepId = s.sweepId;
  runIds = s.runIds;
  const r = await runArrayTask(s.folder, 0, () => {});
  expect(r).toEqual({ code: 0, status: 'finished' });
});

afterAll(async () => {
  await runner?.shutdown();
  store?.close();
  removeTempDirs();
});

describe('slurm methods', () => {
  it("lists the sweep's tasks with their Slurm state and shard progress, then collects the finished one", async () => {
    const { sweeps } = (await api.call('slurm.sweeps', {})) as { sweeps: { sweepId: number; tasks: { runId: number; status: string; slurmState: string; shard: { status: string; epoch: number } | null }[] }[] };
    expect(sweeps).toHaveLength(1);
    expect(sweeps[0]!.sweepId).toBe(sweepId);
    expect(sweeps[0]!.tasks.map((t) => [t.runId, t.status, t.slurmState, t.shard?.status ?? null, t.shard?.epoch ?? null])).toEqual([
      [runIds[0], 'queued', 'NOT SUBMITTED', 'finished', 40],
      [runIds[1], 'queued', 'NOT SUBMITTED', null, null],
    ]);
    expect(await api.call('slurm.collect', { sweepId })).toEqual({ collected: 1, unchanged: 0, waiting: 1 });
    expect(store.getRun(runIds[0]!).status).toBe('finished');
    expect(await api.call('slurm.collect', { sweepId })).toEqual({ collected: 0, unchanged: 1, waiting: 1 });
  });

  it("a Slurm sweep's runs are not cancelled or resumed here: the cluster runs them", async () => {
    await expect(api.call('runs.cancel', { id: runIds[1] })).rejects.toMatchObject({
      code: 'STATE',
      message: `run ${runIds[1]} is a task of sweep ${sweepId} on Slurm; cancel the sweep with: scl-lab slurm cancel ${sweepId}`,
    });
    await expect(api.call('runs.resume', { id: runIds[1] })).rejects.toMatchObject({ code: 'STATE', message: expect.stringMatching(/on Slurm; it resumes on the cluster/) });
    expect(store.getRun(runIds[1]!).status).toBe('queued');
  });

  it('a sweep that is not on Slurm is NOT_FOUND; bad input is INVALID_INPUT', async () => {
    await expect(api.call('slurm.collect', { sweepId: 999 })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/sweep 999 does not exist/) });
    await expect(api.call('slurm.collect', { sweepId: 'x' })).rejects.toBeInstanceOf(ApiError);
    await expect(api.call('slurm.collect', { sweepId: 'x' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

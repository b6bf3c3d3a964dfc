/**
 * `scl-lab sweep --slurm`: the sweep expanded and validated exactly as a local one, recorded in the main database
 * (sweep + queued placeholder runs marked as cluster tasks), written as a sweep folder, submitted with sbatch.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expandSweep } from '../api/schema/sweep';
import { preflight } from '../services/preflight';
import { APP_VERSION } from '../services/version';
import type { Store } from '../store';
import { MANIFEST_FORMAT, scriptPath, writeSweepFolder, type Manifest } from './folder';
import { checkSlurmOptions, ClusterError, jobScript, type SlurmOptions } from './script';
import { onPath, sbatch } from './slurm';

export interface SlurmSweepOptions extends SlurmOptions {
  /** Where sweep folders go (default: `slurm/` next to the database). On a cluster: a shared file system. */
  slurmDir?: string;
  dryRun?: boolean;
}

export interface SlurmSweep {
  sweepId: number;
  jobId: string | null;
  folder: string;
  runIds: number[];
  script: string;
}

function writableDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (e) {
    throw new ClusterError(`the sweep folder ${dir} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export function submitSlurmSweep(store: Store, raw: unknown, source: string | undefined, opts: SlurmSweepOptions): SlurmSweep {
  const { slurmDir, dryRun, ...slurm } = opts;
  checkSlurmOptions(slurm);
  const { spec, cells } = expandSweep(raw, source);
  for (const c of cells) preflight(c.config); // all or nothing, as a local sweep
  if (!dryRun && !onPath('sbatch')) {
    throw new ClusterError('no `sbatch` on PATH: run this on a machine with Slurm (a login node), or use --dry-run to only write the sweep folder');
  }
  const parent = resolve(slurmDir ?? join(dirname(store.file), 'slurm'));
  writableDir(parent);

  const name = spec.name ?? `sweep of ${cells.length} runs`;
  const sweepId = store.createSweep(name, spec);
  const runIds = cells.map((c) =>
    store.createRun({
      name: `${spec.name ?? 'sweep'} ${Object.entries(c.params).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(' ')}`,
      kind: c.config.kind,
      config: c.config as unknown as Record<string, unknown>,
      seed: c.config.seed,
      appVersion: APP_VERSION,
      sweepId,
    }),
  );
  const sweep = store.getSweep(sweepId);
  const folder = join(parent, `sweep-${sweepId}-${sweep.uuid.slice(0, 8)}`);
  store.recordClusterSweep(sweepId, { scheduler: 'slurm', folder, options: slurm, runIds });

  const fail = (e: Error): never => {
    for (const id of runIds) store.finishRun(id, 'failed', { error: e.message, detail: 'not submitted to Slurm' });
    throw e;
  };
  const manifest: Manifest = {
    format: MANIFEST_FORMAT,
    version: 1,
    sweepUuid: sweep.uuid,
    sweepName: name,
    appVersion: APP_VERSION,
    createdAt: sweep.createdAt,
    tasks: runIds.map((id, index) => {
      const r = store.getRun(id);
      return { index, runUuid: r.uuid, name: r.name };
    }),
  };
  const script = jobScript({ sweepId, name, folder, tasks: runIds.length, options: slurm, appVersion: APP_VERSION });
  try {
    writeSweepFolder(folder, manifest, runIds.map((id) => store.exportRuns([id])), script);
  } catch (e) {
    fail(e as Error);
  }
  if (dryRun) return { sweepId, jobId: null, folder, runIds, script };
  let jobId = '';
  try {
    jobId = sbatch(scriptPath(folder), folder);
  } catch (e) {
    fail(e as Error);
  }
  store.setClusterJob(sweepId, jobId);
  return { sweepId, jobId, folder, runIds, script };
}

/**
 * The sweep folder: everything a cluster needs and everything it produces, so the folder alone moves results.
 *
 *   sweep.json            the manifest: sweep uuid and name, one entry per array task (its run's uuid)
 *   job.sbatch            the job-array script
 *   runs/task-N.json      task N's run (an export bundle of the queued run: config, uuid, sweep)
 *   shards/task-N.sqlite  task N's own database (rollback journal), written only by that task
 *   logs/task-N.out       task N's Slurm output
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ClusterError } from './script';

export const MANIFEST_FORMAT = 'scl-lab-slurm-sweep';

export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  version: z.literal(1),
  sweepUuid: z.string().min(1),
  sweepName: z.string(),
  appVersion: z.string(),
  createdAt: z.number().int(),
  tasks: z
    .array(z.object({ index: z.number().int().min(0), runUuid: z.string().min(1), name: z.string().nullable() }))
    .min(1),
});
export type Manifest = z.infer<typeof manifestSchema>;

export const manifestPath = (folder: string): string => join(folder, 'sweep.json');
export const scriptPath = (folder: string): string => join(folder, 'job.sbatch');
export const taskConfigPath = (folder: string, index: number): string => join(folder, 'runs', `task-${index}.json`);
export const shardPath = (folder: string, index: number): string => join(folder, 'shards', `task-${index}.sqlite`);
export const taskLogPath = (folder: string, index: number): string => join(folder, 'logs', `task-${index}.out`);

function writeFile(file: string, text: string, mode?: number): void {
  try {
    writeFileSync(file, text, mode === undefined ? undefined : { mode });
  } catch (e) {
    throw new ClusterError(`the sweep folder is not writable: cannot write ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** Creates the folder and writes the manifest, one config per run and the script. */
export function writeSweepFolder(folder: string, manifest: Manifest, bundles: readonly unknown[], script: string): void {
  for (const sub of ['runs', 'shards', 'logs']) {
    try {
      mkdirSync(join(folder, sub), { recursive: true });
    } catch (e) {
      throw new ClusterError(`the sweep folder is not writable: cannot create ${join(folder, sub)} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  }
  manifest.tasks.forEach((t, i) => writeFile(taskConfigPath(folder, t.index), JSON.stringify(bundles[i], null, 1)));
  writeFile(scriptPath(folder), script, 0o755);
  writeFile(manifestPath(folder), JSON.stringify(manifest, null, 1));
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new ClusterError(
      `cannot read ${what} ${file} (${code}) on ${hostname()}: is the sweep folder on a file system this node shares?`,
    );
  }
}

export function readJsonFile(file: string, what: string): unknown {
  const text = readText(file, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ClusterError(`${what} ${file} is not valid JSON: ${(e as Error).message}`);
  }
}

export function readManifest(folder: string): Manifest {
  const raw = readJsonFile(manifestPath(folder), 'the sweep manifest');
  const r = manifestSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new ClusterError(`${manifestPath(folder)} is not a sweep manifest: ${i.path.join('.') || '(top)'}: ${i.message}`);
  }
  return r.data;
}

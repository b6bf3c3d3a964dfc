/**
 * Cheap checks of a valid config against the machine before a run is stored: the dataset or embeddings
 * files exist, and the model fits the data's shape. Problems come back as a ConfigError naming the field,
 * so a run that cannot start is never recorded. (A file that exists but is corrupt is found when the worker
 * reads it, before any training step: the run then fails with the reader's message and no metrics.)
 */
import { existsSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { ConfigError, type ConfigIssue, type RunConfig } from '../api/schema/config';
import { DataError, findDataset } from '../data';
import { MIN_IMAGE_SIDE } from '../science/models';
import { budgetFrom, budgetIssues, estimateRun, type Budget } from './budget';

/** This machine's budget: SCL_LAB_MEMORY_BUDGET / SCL_LAB_WORK_BUDGET, else half its memory and 1e10 example-epochs. */
export function machineBudget(): Budget {
  return budgetFrom(process.env, totalmem());
}

function sizeOf(file: string | undefined): number | undefined {
  try {
    return file ? statSync(file).size : undefined;
  } catch {
    return undefined;
  }
}

/** The budget issues of a valid config on this machine (empty when it fits). */
export function budgetCheck(config: RunConfig, budget: Budget = machineBudget()): ConfigIssue[] {
  const files = config.kind === 'embeddings' ? { file: sizeOf(config.file), labels: sizeOf(config.labels) } : {};
  return budgetIssues(estimateRun(config, files), budget);
}

const IMAGE_SHAPE: Record<string, [number, number, number]> = {
  mnist: [28, 28, 1],
  'fashion-mnist': [28, 28, 1],
  cifar10: [32, 32, 3],
  cifar100: [32, 32, 3],
};

function fileIssue(field: string, file: string): ConfigIssue | null {
  if (!existsSync(file)) return { field, message: `${file} does not exist` };
  if (!statSync(file).isFile()) return { field, message: `${file} is not a file` };
  return null;
}

/**
 * Where a deep run's dataset would be read from, checked as the form is typed (runs.validate): found (folder and
 * how), or why not (the folder, the files it lacks). It never blocks validation: creating the run checks again.
 */
export function datasetCheck(config: RunConfig): { found: boolean; message: string; folder: string | null } | null {
  if (config.kind !== 'deep' || config.dataset.name === 'synthetic') return null;
  const ds = config.dataset;
  try {
    const loc = findDataset(ds.name, ds.folder);
    const how = loc.source === 'folder' ? 'the folder given' : loc.source === 'env' ? '$SCL_LAB_DATA' : 'the system package folder';
    return { found: true, message: `${ds.name} found in ${loc.folder} (${how})`, folder: loc.folder };
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    return { found: false, message: e.message, folder: ds.folder ?? null };
  }
}

export function preflight(config: RunConfig): void {
  const issues: ConfigIssue[] = budgetCheck(config);
  if (config.kind === 'embeddings') {
    const a = fileIssue('file', config.file);
    if (a) issues.push(a);
    if (config.labels) {
      const b = fileIssue('labels', config.labels);
      if (b) issues.push(b);
    }
  } else if (config.kind === 'deep') {
    const ds = config.dataset;
    let shape: number[] | null = null;
    if (ds.name === 'synthetic') {
      shape = ds.shape.kind === 'vector' ? [ds.shape.dim] : [ds.shape.height, ds.shape.width, ds.shape.channels];
    } else {
      try {
        findDataset(ds.name, ds.folder);
        shape = IMAGE_SHAPE[ds.name];
      } catch (e) {
        if (!(e instanceof DataError)) throw e;
        issues.push({ field: ds.folder ? 'dataset.folder' : 'dataset.name', message: e.message });
      }
    }
    const min = MIN_IMAGE_SIDE[config.model.name];
    if (shape && min !== undefined && (shape.length !== 3 || shape[0] < min || shape[1] < min)) {
      issues.push({ field: 'model.name', message: `"${config.model.name}" needs images of at least ${min}x${min}; the data are ${shape.join('x')}` });
    }
  }
  if (issues.length) throw new ConfigError(issues);
}

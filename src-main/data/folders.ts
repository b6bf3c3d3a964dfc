/**
 * Where the datasets live on this machine. Everything is local: nothing is ever downloaded.
 *
 * Standard file names (the names the datasets are distributed under):
 *   mnist, fashion-mnist  train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
 *                         t10k-labels-idx1-ubyte, each raw or with .gz
 *   cifar10               data_batch_1.bin .. data_batch_5.bin, test_batch.bin (maybe inside cifar-10-batches-bin/)
 *   cifar100              train.bin, test.bin (maybe inside cifar-100-binary/)
 *
 * Search order when no folder is given:
 *   1. $SCL_LAB_DATA (one or more folders, separated like PATH): per-kind subfolders (mnist/, fashion-mnist/,
 *      cifar10/, cifar100/, also cifar-10/, cifar-100/, fashion_mnist/), or the archives' own folder names
 *      (cifar-10-batches-bin/, cifar-100-binary/) directly under it;
 *   2. system folders: the Debian package dataset-fashion-mnist installs
 *      /usr/share/datasets/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz.
 * A folder given explicitly is the only place looked at (it may also be the parent of cifar-10-batches-bin/ or
 * cifar-100-binary/).
 */
import { existsSync, statSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { DataError } from './errors';
import { DATASET_KINDS, type DatasetKind } from './types';

export const DATA_ENV = 'SCL_LAB_DATA';

export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILES = ['test_batch.bin'];
export const CIFAR100_TRAIN_FILES = ['train.bin'];
export const CIFAR100_TEST_FILES = ['test.bin'];

/** The folder names an archive unpacks to. */
const INNER_FOLDER: Partial<Record<DatasetKind, string>> = {
  cifar10: 'cifar-10-batches-bin',
  cifar100: 'cifar-100-binary',
};

/** Subfolder names of $SCL_LAB_DATA that hold a kind. */
const SUBFOLDERS: Record<DatasetKind, readonly string[]> = {
  mnist: ['mnist'],
  'fashion-mnist': ['fashion-mnist', 'fashion_mnist'],
  cifar10: ['cifar10', 'cifar-10'],
  cifar100: ['cifar100', 'cifar-100'],
};

/** Folders that system packages install to. */
export const SYSTEM_FOLDERS: Readonly<Record<DatasetKind, readonly string[]>> = {
  mnist: [],
  'fashion-mnist': ['/usr/share/datasets/fashion-mnist'],
  cifar10: [],
  cifar100: [],
};

export type DatasetFiles =
  | { format: 'idx'; trainImages: string; trainLabels: string; testImages: string; testLabels: string }
  | { format: 'cifar'; train: string[]; test: string[] };

export interface DatasetLocation {
  kind: DatasetKind;
  /** The folder that holds the files. */
  folder: string;
  /** How it was found: the folder passed in, $SCL_LAB_DATA, or a system package folder. */
  source: 'folder' | 'env' | 'system';
  /** Absolute paths. */
  files: DatasetFiles;
}

export interface FindOptions {
  /** Environment to read SCL_LAB_DATA from (default process.env). */
  env?: Record<string, string | undefined>;
  /** System folders per kind (default SYSTEM_FOLDERS); pass {} to search none. */
  systemFolders?: Partial<Record<DatasetKind, readonly string[]>>;
}

/** The files a folder of this kind must hold, as shown in messages. */
export function expectedFiles(kind: DatasetKind): string[] {
  switch (kind) {
    case 'mnist':
    case 'fashion-mnist':
      return Object.values(IDX_FILES).map((f) => `${f}[.gz]`);
    case 'cifar10':
      return [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES];
    case 'cifar100':
      return [...CIFAR100_TRAIN_FILES, ...CIFAR100_TEST_FILES];
  }
}

const isDir = (p: string) => existsSync(p) && statSync(p).isDirectory();
const isFile = (p: string) => existsSync(p) && statSync(p).isFile();

type Match = { ok: true; files: DatasetFiles } | { ok: false; missing: string[] };

/** Looks for the kind's files directly in `dir`. */
function matchDir(kind: DatasetKind, dir: string): Match {
  const missing: string[] = [];
  if (kind === 'mnist' || kind === 'fashion-mnist') {
    const pick = (base: string): string => {
      const raw = join(dir, base);
      if (isFile(raw)) return raw;
      if (isFile(raw + '.gz')) return raw + '.gz';
      missing.push(`${base}[.gz]`);
      return '';
    };
    const files = {
      format: 'idx' as const,
      trainImages: pick(IDX_FILES.trainImages),
      trainLabels: pick(IDX_FILES.trainLabels),
      testImages: pick(IDX_FILES.testImages),
      testLabels: pick(IDX_FILES.testLabels),
    };
    return missing.length ? { ok: false, missing } : { ok: true, files };
  }
  const [trainNames, testNames] =
    kind === 'cifar10' ? [CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILES] : [CIFAR100_TRAIN_FILES, CIFAR100_TEST_FILES];
  const pick = (names: string[]) =>
    names.map((name) => {
      const p = join(dir, name);
      if (!isFile(p)) missing.push(name);
      return p;
    });
  const files = { format: 'cifar' as const, train: pick(trainNames), test: pick(testNames) };
  return missing.length ? { ok: false, missing } : { ok: true, files };
}

/** Looks in `dir` and in the archive's own subfolder of `dir`; on failure reports the closest miss. */
function matchFolder(kind: DatasetKind, dir: string): { files: DatasetFiles; folder: string } | { problem: string } {
  if (!isDir(dir)) return { problem: existsSync(dir) ? `${dir} is a file, not a folder` : `folder ${dir} does not exist` };
  const inner = INNER_FOLDER[kind];
  const dirs = inner && isDir(join(dir, inner)) ? [dir, join(dir, inner)] : [dir];
  let best: { dir: string; missing: string[] } | null = null;
  for (const d of dirs) {
    const m = matchDir(kind, d);
    if (m.ok) return { files: m.files, folder: d };
    if (!best || m.missing.length < best.missing.length) best = { dir: d, missing: m.missing };
  }
  return { problem: `folder ${best!.dir} lacks ${best!.missing.join(', ')}` };
}

function expectedText(kind: DatasetKind): string {
  const inner = INNER_FOLDER[kind];
  return `expected files: ${expectedFiles(kind).join(', ')}${inner ? ` (directly or inside ${inner}/)` : ''}`;
}

/** Candidate folders when none is given, in search order. */
export function searchFolders(kind: DatasetKind, opts: FindOptions = {}): { folder: string; source: 'env' | 'system' }[] {
  const env = opts.env ?? process.env;
  const roots = (env[DATA_ENV] ?? '').split(delimiter).filter((r) => r.trim() !== '');
  const out: { folder: string; source: 'env' | 'system' }[] = [];
  for (const root of roots) {
    for (const sub of SUBFOLDERS[kind]) out.push({ folder: resolve(root, sub), source: 'env' });
    const inner = INNER_FOLDER[kind];
    if (inner) out.push({ folder: resolve(root, inner), source: 'env' });
  }
  const system = (opts.systemFolders ?? SYSTEM_FOLDERS)[kind] ?? [];
  for (const folder of system) out.push({ folder, source: 'system' });
  return out;
}

/**
 * Finds a dataset's files. With `folder`, looks only there (DataError naming the folder and the expected
 * files when they are not all there). Without, searches $SCL_LAB_DATA then the system folders.
 */
export function findDataset(kind: DatasetKind, folder?: string, opts: FindOptions = {}): DatasetLocation {
  if (!DATASET_KINDS.includes(kind)) {
    throw new DataError(`unknown dataset kind "${String(kind)}": expected one of ${DATASET_KINDS.join(', ')}`);
  }
  if (folder !== undefined) {
    const dir = resolve(folder);
    const m = matchFolder(kind, dir);
    if ('files' in m) return { kind, folder: m.folder, source: 'folder', files: m.files };
    throw new DataError(`${kind}: ${m.problem}; ${expectedText(kind)}`, dir);
  }
  const candidates = searchFolders(kind, opts);
  const problems: string[] = [];
  for (const c of candidates) {
    const m = matchFolder(kind, c.folder);
    if ('files' in m) return { kind, folder: m.folder, source: c.source, files: m.files };
    problems.push(m.problem);
  }
  const env = opts.env ?? process.env;
  const where = candidates.length
    ? `searched: ${problems.join('; ')}`
    : `${DATA_ENV} is not set and there is no system folder for ${kind}`;
  throw new DataError(
    `${kind} not found (${where}); ${expectedText(kind)}. ` +
      `Pass the folder that holds them${env[DATA_ENV] ? '' : `, or set ${DATA_ENV} to a folder with a ${SUBFOLDERS[kind][0]}/ subfolder`}.`,
  );
}

export type DatasetStatus =
  | { kind: DatasetKind; found: true; location: DatasetLocation }
  | { kind: DatasetKind; found: false; reason: string };

/** Every kind with where it was found or why not (for `scl-lab datasets`). Never throws for a missing dataset. */
export function listDatasets(opts: FindOptions = {}): DatasetStatus[] {
  return DATASET_KINDS.map((kind): DatasetStatus => {
    try {
      return { kind, found: true, location: findDataset(kind, undefined, opts) };
    } catch (err) {
      if (err instanceof DataError) return { kind, found: false, reason: err.message };
      throw err;
    }
  });
}

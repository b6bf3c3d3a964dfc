/**
 * Imported embeddings (geometry analysis without training): an n x d matrix of features with one label per
 * row, from
 *   - a .npy of float32/float64, shape (n, d), C order, plus labels from a 1-D .npy (int32/int64/uint8) or a
 *     CSV column; or
 *   - a CSV: header optional, a label column (named, default "label", else the last column), every other
 *     column numeric; or features from a CSV and labels from a separate file.
 * Labels that are not exactly 0..k-1 (e.g. 1..10, or class names) are remapped to 0..k-1 in sorted order,
 * and the result says so (`remapped`, `classValues`); with labelMode 'strict' they are an error instead.
 */
import { extname } from 'node:path';
import { columnName, parseNumberCell, readCsvTable, type CsvTable } from './csv-table';
import { DataError, fileError } from './errors';
import { readNpy } from './npy';

export interface Embeddings {
  /** Row-major n x d: row i is X[i*d .. (i+1)*d). */
  X: Float64Array;
  n: number;
  d: number;
  /** In 0..k-1. */
  labels: Int32Array;
  k: number;
  /** True when the file's labels were not already 0..k-1 and were mapped to it. */
  remapped: boolean;
  /** classValues[c] = the label as written in the file for class c (c itself when not remapped). */
  classValues: (number | string)[];
  featuresFile: string;
  labelsFile: string;
}

export interface EmbeddingsOptions {
  /** A separate labels file (.npy or .csv). Required for .npy features; optional for CSV features. */
  labels?: string;
  /** CSV label column: a header name, or a 0-based index (negative counts from the end). Default: "label" when
   * the header has it, else the last column. */
  labelColumn?: string | number;
  /** CSV header: present, absent, or detected (default). */
  header?: boolean | 'auto';
  /** 'remap' (default): map other labels to 0..k-1 and say so. 'strict': DataError unless already 0..k-1. */
  labelMode?: 'remap' | 'strict';
}

const isNpy = (file: string) => extname(file).toLowerCase() === '.npy';

/**
 * The largest |feature| read: beyond it the geometry's sums of products overflow, and such values are almost
 * always overflowed float32 activations (float32's maximum is 3.4e38).
 */
export const MAX_FEATURE_ABS = 1e30;

/** Why a finite value cannot be a feature (null when it can). */
function badFeature(v: number): string | null {
  if (!Number.isFinite(v)) return 'features must be finite';
  if (Math.abs(v) > MAX_FEATURE_ABS) return `|value| must be <= ${MAX_FEATURE_ABS} (an overflowed activation?)`;
  return null;
}

/** Index of the first all-zero row of a row-major n x d matrix, or -1. */
function firstZeroRow(X: Float64Array, n: number, d: number): number {
  for (let r = 0; r < n; r++) {
    let zero = true;
    for (let c = 0; c < d && zero; c++) zero = X[r * d + c] === 0;
    if (zero) return r;
  }
  return -1;
}

const ZERO_ROW = 'all its features are 0: an embedding needs a direction (SCL embeddings lie on the unit sphere)';

/** Features from a (n, d) .npy of '<f4' or '<f8'; the first NaN/Inf is a DataError naming row and column. */
export function readFeaturesNpy(file: string): { X: Float64Array; n: number; d: number } {
  const a = readNpy(file, ['<f4', '<f8'], 2);
  const [n, d] = a.shape;
  if (n === 0 || d === 0) throw fileError(file, `empty features array of shape (${n}, ${d})`);
  const X = new Float64Array(n * d);
  for (let i = 0; i < X.length; i++) {
    const v = a.get(i);
    const bad = badFeature(v);
    if (bad !== null) {
      const r = Math.floor(i / d);
      const c = i % d;
      throw fileError(file, `value ${v} at row ${r}, column ${c} (0-based, X[${r}, ${c}]): ${bad}`);
    }
    X[i] = v;
  }
  const z = firstZeroRow(X, n, d);
  if (z >= 0) throw fileError(file, `row ${z} (0-based): ${ZERO_ROW}`);
  return { X, n, d };
}

/** Labels from a 1-D .npy of int32, int64 or uint8. */
export function readLabelsNpy(file: string): number[] {
  const a = readNpy(file, ['<i4', '<i8', '|u1'], 1);
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a.get(i);
    if (!Number.isSafeInteger(v) || Math.abs(v) > 2 ** 31 - 1) throw fileError(file, `label ${v} at index ${i} is out of range`);
    out[i] = v;
  }
  return out;
}

function labelColumnIndex(t: CsvTable, wanted: string | number | undefined): number {
  if (typeof wanted === 'number') {
    const j = wanted < 0 ? t.columns + wanted : wanted;
    if (!Number.isInteger(j) || j < 0 || j >= t.columns) {
      throw fileError(t.file, `label column index ${wanted} is outside the ${t.columns} columns`);
    }
    return j;
  }
  if (wanted !== undefined) {
    if (!t.header) throw fileError(t.file, `label column "${wanted}" asked for, but the file has no header row`);
    const j = t.header.indexOf(wanted);
    if (j < 0) throw fileError(t.file, `no column named "${wanted}" (columns: ${t.header.join(', ')})`);
    return j;
  }
  const j = t.header ? t.header.indexOf('label') : -1;
  return j >= 0 ? j : t.columns - 1;
}

function labelCells(t: CsvTable, j: number): string[] {
  return t.rows.map((row, i) => {
    const cell = row[j];
    if (cell === undefined || cell === '') throw fileError(t.file, `row ${i + 1} (line ${t.lines[i]}), ${columnName(t, j)}: empty label`);
    return cell;
  });
}

/** Integer-valued label cells become numbers; anything else keeps all labels as class names. */
function labelValues(cells: string[]): (number | string)[] {
  const nums = cells.map(parseNumberCell);
  return nums.every((v) => v !== null && Number.isSafeInteger(v)) ? (nums as number[]) : cells;
}

/** Labels from a CSV: the label column (see EmbeddingsOptions.labelColumn) of every row. */
export function readLabelsCsv(file: string, labelColumn?: string | number, header: boolean | 'auto' = 'auto'): (number | string)[] {
  const t = readCsvTable(file, header, typeof labelColumn === 'string' ? labelColumn : 'label');
  return labelValues(labelCells(t, labelColumnIndex(t, labelColumn)));
}

/**
 * Features (and labels, unless `withLabels` is false) from a CSV. Every non-label cell must be a finite
 * number; the first bad cell is a DataError naming row (1-based data row and file line) and column.
 */
export function readFeaturesCsv(
  file: string,
  opts: { labelColumn?: string | number; header?: boolean | 'auto'; withLabels?: boolean } = {},
): { X: Float64Array; n: number; d: number; labels?: (number | string)[] } {
  const withLabels = opts.withLabels ?? true;
  const t = readCsvTable(file, opts.header ?? 'auto', typeof opts.labelColumn === 'string' ? opts.labelColumn : 'label');
  const lj = withLabels ? labelColumnIndex(t, opts.labelColumn) : -1;
  const d = t.columns - (withLabels ? 1 : 0);
  const n = t.rows.length;
  if (n === 0) throw fileError(file, 'no data rows');
  if (d < 1) throw fileError(file, 'no feature columns besides the label column');
  const X = new Float64Array(n * d);
  t.rows.forEach((row, i) => {
    let c = 0;
    for (let j = 0; j < t.columns; j++) {
      if (j === lj) continue;
      const cell = row[j];
      const v = parseNumberCell(cell);
      const bad = v === null ? null : badFeature(v);
      if (v === null || bad !== null) {
        const what = cell === '' ? 'empty cell' : v === null ? `"${cell}" is not a finite number` : `${cell}: ${bad}`;
        throw fileError(file, `row ${i + 1} (line ${t.lines[i]}), ${columnName(t, j)}: ${what}`);
      }
      X[i * d + c++] = v;
    }
  });
  const z = firstZeroRow(X, n, d);
  if (z >= 0) throw fileError(file, `row ${z + 1} (line ${t.lines[z]}): ${ZERO_ROW}`);
  return withLabels ? { X, n, d, labels: labelValues(labelCells(t, lj)) } : { X, n, d };
}

/**
 * Maps raw labels to 0..k-1. Already 0..k-1 with every class present: kept as is. Otherwise the distinct
 * values, sorted (numbers numerically, names alphabetically), become classes 0..k-1 ('strict': DataError).
 */
export function normaliseLabels(
  raw: readonly (number | string)[],
  mode: 'remap' | 'strict' = 'remap',
  file?: string,
): { labels: Int32Array; k: number; remapped: boolean; classValues: (number | string)[] } {
  const numeric = raw.every((v) => typeof v === 'number');
  const distinct = [...new Set(raw)];
  distinct.sort(numeric ? (a, b) => (a as number) - (b as number) : (a, b) => String(a).localeCompare(String(b)));
  const k = distinct.length;
  const contiguous = numeric && distinct.every((v, c) => v === c);
  if (contiguous) return { labels: Int32Array.from(raw as number[]), k, remapped: false, classValues: distinct };
  if (mode === 'strict') {
    const shown = distinct.slice(0, 8).join(', ') + (k > 8 ? ', ...' : '');
    throw new DataError(`${file ? file + ': ' : ''}labels must be 0..k-1 with every class present; found ${k} distinct values: ${shown}`, file);
  }
  const index = new Map(distinct.map((v, c) => [v, c]));
  return { labels: Int32Array.from(raw, (v) => index.get(v)!), k, remapped: true, classValues: distinct };
}

/** Reads features and labels (see the file comment) and checks that they have one label per row. */
export function loadEmbeddings(featuresFile: string, opts: EmbeddingsOptions = {}): Embeddings {
  let feat: { X: Float64Array; n: number; d: number; labels?: (number | string)[] };
  if (isNpy(featuresFile)) {
    if (!opts.labels) {
      throw fileError(featuresFile, 'a .npy of features needs a labels file (a 1-D .npy or a CSV with a label column)');
    }
    feat = readFeaturesNpy(featuresFile);
  } else {
    feat = readFeaturesCsv(featuresFile, { labelColumn: opts.labelColumn, header: opts.header, withLabels: !opts.labels });
  }
  const labelsFile = opts.labels ?? featuresFile;
  const raw = opts.labels
    ? isNpy(opts.labels)
      ? readLabelsNpy(opts.labels)
      : readLabelsCsv(opts.labels, opts.labelColumn, opts.header)
    : feat.labels!;
  if (raw.length !== feat.n) {
    throw new DataError(`${featuresFile}: ${feat.n} rows of features but ${labelsFile} has ${raw.length} labels`, featuresFile);
  }
  const lab = normaliseLabels(raw, opts.labelMode ?? 'remap', labelsFile);
  checkClassMeans(featuresFile, feat.X, feat.d, lab.labels, lab.k, lab.classValues);
  return { X: feat.X, n: feat.n, d: feat.d, ...lab, featuresFile, labelsFile };
}

/**
 * The class-mean geometry needs every class mean away from 0 (norms, cosines) and, with 2 or more classes, not
 * all means equal (the centred means would all be 0). DataError naming the file and the class otherwise.
 */
function checkClassMeans(file: string, X: Float64Array, d: number, labels: Int32Array, k: number, values: (number | string)[]): void {
  const means = new Float64Array(k * d);
  const counts = new Float64Array(k);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    counts[y]++;
    for (let c = 0; c < d; c++) means[y * d + c] += X[i * d + c]!;
  }
  for (let y = 0; y < k; y++) for (let c = 0; c < d; c++) means[y * d + c] /= counts[y] || 1;
  for (let y = 0; y < k; y++) {
    if (means.subarray(y * d, (y + 1) * d).every((v) => v === 0)) {
      throw fileError(file, `class ${JSON.stringify(values[y])}: its mean embedding is 0, so its direction (and the class-mean geometry) is undefined`);
    }
  }
  if (k >= 2 && means.every((v, i) => v === means[i % d])) {
    throw fileError(file, `all ${k} class means are the same vector: the centred class means are 0 and the geometry is undefined`);
  }
}

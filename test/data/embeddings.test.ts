import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadEmbeddings, normaliseLabels, readFeaturesNpy, readLabelsNpy } from '../../src-main/data/embeddings';
import { parseNpyHeader } from '../../src-main/data/npy';
import {
  NUMPY_F4_3x2,
  NUMPY_I8_3,
  dataError,
  expectFileError,
  f4,
  f8,
  i4,
  i8,
  npyBytes,
  tempDir,
  write,
} from './helpers';

const dir = tempDir('scl-emb-');
const p = (name: string) => join(dir, name);

describe('.npy reader', () => {
  it('the test writer produces byte for byte what numpy writes', () => {
    expect(npyBytes('<f4', [3, 2], f4([1.5, -2, 3, 4, 5, 6]))).toEqual(NUMPY_F4_3x2);
    expect(npyBytes('<i8', [3], i8([0, 2, 1]))).toEqual(NUMPY_I8_3);
  });

  it('reads numpy-written float32 features and int64 labels', () => {
    const x = write(p('np-x.npy'), NUMPY_F4_3x2);
    const y = write(p('np-y.npy'), NUMPY_I8_3);
    expect(parseNpyHeader(x, NUMPY_F4_3x2)).toEqual({ version: '1.0', descr: '<f4', fortranOrder: false, shape: [3, 2], dataOffset: 128 });
    const e = loadEmbeddings(x, { labels: y });
    expect(Array.from(e.X)).toEqual([1.5, -2, 3, 4, 5, 6]);
    expect(e.X).toBeInstanceOf(Float64Array);
    expect({ n: e.n, d: e.d, k: e.k, remapped: e.remapped }).toEqual({ n: 3, d: 2, k: 3, remapped: false });
    expect(Array.from(e.labels)).toEqual([0, 2, 1]);
    expect(e.classValues).toEqual([0, 1, 2]);
  });

  it('float64 v1.0, and versions 2.0 and 3.0; int32 and uint8 labels', () => {
    const vals = [0.1, 0.2, 1e-300, -7, 3.25, 1 / 3];
    for (const version of [1, 2, 3] as const) {
      const x = write(p(`f8-v${version}.npy`), npyBytes('<f8', [2, 3], f8(vals), { version }));
      expect(parseNpyHeader(x, npyBytes('<f8', [2, 3], f8(vals), { version })).version).toBe(`${version}.0`);
      expect(Array.from(readFeaturesNpy(x).X)).toEqual(vals);
    }
    expect(readLabelsNpy(write(p('y4.npy'), npyBytes('<i4', [3], i4([2, 0, 1]))))).toEqual([2, 0, 1]);
    expect(readLabelsNpy(write(p('yu1.npy'), npyBytes('|u1', [3], Buffer.from([1, 1, 0]))))).toEqual([1, 1, 0]);
  });

  it('rejects fortran order, other dtypes, other ranks and wrong sizes, naming the file', () => {
    const fo = write(p('fortran.npy'), npyBytes('<f4', [2, 2], f4([1, 2, 3, 4]), { fortran: true }));
    expectFileError(() => readFeaturesNpy(fo), fo, /fortran_order is True/);
    const be = write(p('big-endian.npy'), npyBytes('>f4', [1, 1], Buffer.alloc(4)));
    expectFileError(() => readFeaturesNpy(be), be, /dtype '>f4' is not supported here; expected one of '<f4', '<f8'/);
    const i = write(p('int-features.npy'), npyBytes('<i4', [1, 1], i4([1])));
    expectFileError(() => readFeaturesNpy(i), i, /dtype '<i4'/);
    const fl = write(p('float-labels.npy'), npyBytes('<f4', [2], f4([0, 1])));
    expectFileError(() => readLabelsNpy(fl), fl, /dtype '<f4' is not supported here; expected one of '<i4', '<i8', '\|u1'/);
    const r1 = write(p('rank1.npy'), npyBytes('<f4', [4], f4([1, 2, 3, 4])));
    expectFileError(() => readFeaturesNpy(r1), r1, /shape \(4\) has 1 dimensions, expected 2/);
    const r2 = write(p('rank2-labels.npy'), npyBytes('<i4', [2, 1], i4([1, 2])));
    expectFileError(() => readLabelsNpy(r2), r2, /expected 1/);
    const short = write(p('short.npy'), npyBytes('<f4', [2, 2], f4([1, 2, 3])));
    expectFileError(() => readFeaturesNpy(short), short, /data is 12 bytes but shape \(2, 2\) of '<f4' needs 16 \(truncated file\)/);
    const long = write(p('long.npy'), npyBytes('<f8', [1, 1], f8([1, 2])));
    expectFileError(() => readFeaturesNpy(long), long, /data is 16 bytes but shape \(1, 1\) of '<f8' needs 8/);
    const notnpy = write(p('text.npy'), 'hello world, not numpy');
    expectFileError(() => readFeaturesNpy(notnpy), notnpy, /not a \.npy file/);
    const v9 = Buffer.from(npyBytes('<f4', [1, 1], f4([1])));
    v9[6] = 9;
    const bad = write(p('v9.npy'), v9);
    expectFileError(() => readFeaturesNpy(bad), bad, /unsupported \.npy format version 9\.0/);
  });

  it('NaN / Inf values name the first bad row and column', () => {
    const nan = write(p('nan.npy'), npyBytes('<f4', [3, 2], f4([1, 2, 3, NaN, 5, Infinity])));
    expectFileError(() => readFeaturesNpy(nan), nan, /value NaN at row 1, column 1 \(0-based, X\[1, 1\]\)/);
    const inf = write(p('inf.npy'), npyBytes('<f8', [2, 2], f8([1, 2, -Infinity, 0])));
    expectFileError(() => readFeaturesNpy(inf), inf, /value -Infinity at row 1, column 0/);
  });

  it('features and labels of different lengths name both files; .npy features need labels', () => {
    const x = write(p('x3.npy'), NUMPY_F4_3x2);
    const y = write(p('y2.npy'), npyBytes('<i4', [2], i4([0, 1])));
    const err = expectFileError(() => loadEmbeddings(x, { labels: y }), x, /3 rows of features but .* has 2 labels/);
    expect(err.message).toContain(y);
    expectFileError(() => loadEmbeddings(x), x, /needs a labels file/);
  });

  it('non-contiguous labels are remapped (and say so), or rejected in strict mode', () => {
    const x = write(p('x-remap.npy'), NUMPY_F4_3x2);
    const y = write(p('y-remap.npy'), npyBytes('<i8', [3], i8([10, 3, 10])));
    const e = loadEmbeddings(x, { labels: y });
    expect(e.remapped).toBe(true);
    expect(e.classValues).toEqual([3, 10]);
    expect(Array.from(e.labels)).toEqual([1, 0, 1]);
    expect(e.k).toBe(2);
    expectFileError(() => loadEmbeddings(x, { labels: y, labelMode: 'strict' }), y, /labels must be 0..k-1.*2 distinct values: 3, 10/);
  });
});

describe('CSV embeddings', () => {
  it('header with a label column in the middle', () => {
    const f = write(p('h.csv'), 'x1,label,x2\n0.5,1,-1\n2,0,3e-2\n');
    const e = loadEmbeddings(f);
    expect(Array.from(e.X)).toEqual([0.5, -1, 2, 0.03]);
    expect({ n: e.n, d: e.d, k: e.k, remapped: e.remapped }).toEqual({ n: 2, d: 2, k: 2, remapped: false });
    expect(Array.from(e.labels)).toEqual([1, 0]);
  });

  it('no header: the last column is the label', () => {
    const f = write(p('nh.csv'), '1,2,0\n3,4,1\n5,6,1\n');
    const e = loadEmbeddings(f);
    expect(Array.from(e.X)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(e.labels)).toEqual([0, 1, 1]);
  });

  it('pandas-style header of numbers with a label column; a named label column; class names remapped', () => {
    const f = write(p('pandas.csv'), '0,1,label\n0.1,0.2,1\n0.3,0.4,0\n');
    expect(Array.from(loadEmbeddings(f).X)).toEqual([0.1, 0.2, 0.3, 0.4]);
    const g = write(p('named.csv'), 'y,a,b\ncat,1,2\ndog,3,5\ncat,5,6\n');
    const e = loadEmbeddings(g, { labelColumn: 'y' });
    expect(Array.from(e.X)).toEqual([1, 2, 3, 5, 5, 6]);
    expect(e.remapped).toBe(true);
    expect(e.classValues).toEqual(['cat', 'dog']);
    expect(Array.from(e.labels)).toEqual([0, 1, 0]);
    expectFileError(() => loadEmbeddings(g, { labelColumn: 'label' }), g, /no column named "label" \(columns: y, a, b\)/);
  });

  it('labels 1..k are remapped to 0..k-1', () => {
    const e = loadEmbeddings(write(p('oneb.csv'), 'a,label\n1,1\n2,2\n3,3\n'));
    expect(e.remapped).toBe(true);
    expect(e.classValues).toEqual([1, 2, 3]);
    expect(Array.from(e.labels)).toEqual([0, 1, 2]);
  });

  it('empty, NaN and non-numeric cells name the row and the column', () => {
    const empty = write(p('empty-cell.csv'), 'a,b,label\n1,2,0\n3,,1\n');
    expectFileError(() => loadEmbeddings(empty), empty, /row 2 \(line 3\), column "b" \(2\): empty cell/);
    const nan = write(p('nan.csv'), 'a,b,label\n1,NaN,0\n');
    expectFileError(() => loadEmbeddings(nan), nan, /row 1 \(line 2\), column "b" \(2\): "NaN" is not a finite number/);
    const text = write(p('text.csv'), '1,2,0\n3,abc,1\n');
    expectFileError(() => loadEmbeddings(text), text, /row 2 \(line 2\), column 2: "abc" is not a finite number/);
    const inf = write(p('inf.csv'), 'a,label\nInfinity,0\n');
    expectFileError(() => loadEmbeddings(inf), inf, /"Infinity" is not a finite number/);
    const nolabel = write(p('nolabel.csv'), 'a,label\n1,0\n2,\n');
    expectFileError(() => loadEmbeddings(nolabel), nolabel, /row 2 \(line 3\), column "label" \(2\): empty label/);
    const ragged = write(p('ragged.csv'), 'a,b,label\n1,2,0\n3,1\n');
    expectFileError(() => loadEmbeddings(ragged), ragged, /not valid CSV/);
    const onlyheader = write(p('onlyheader.csv'), 'a,b,label\n');
    expectFileError(() => loadEmbeddings(onlyheader), onlyheader, /no data rows/);
  });

  it('labels from a separate CSV column, with .npy or CSV features', () => {
    const x = write(p('sep-x.npy'), NUMPY_F4_3x2);
    const y = write(p('sep-y.csv'), 'id,label\n7,2\n8,0\n9,1\n');
    const e = loadEmbeddings(x, { labels: y });
    expect(Array.from(e.labels)).toEqual([2, 0, 1]);
    expect(e.labelsFile).toBe(y);
    const xc = write(p('sep-x.csv'), '1,2\n3,4\n5,6\n');
    const ec = loadEmbeddings(xc, { labels: y });
    expect(ec.d).toBe(2);
    expect(Array.from(ec.X)).toEqual([1, 2, 3, 4, 5, 6]);
    const single = write(p('sep-single.csv'), '1\n1\n0\n');
    expect(Array.from(loadEmbeddings(x, { labels: single }).labels)).toEqual([1, 1, 0]);
  });

  it('normaliseLabels keeps 0..k-1 untouched', () => {
    expect(normaliseLabels([2, 0, 1, 1])).toMatchObject({ k: 3, remapped: false, classValues: [0, 1, 2] });
    expect(dataError(() => normaliseLabels([0, 2], 'strict')).message).toMatch(/0, 2/);
  });
});

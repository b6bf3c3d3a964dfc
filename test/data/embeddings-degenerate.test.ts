import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadEmbeddings } from '../../src-main/data/embeddings';
import { expectFileError, f4, f8, i8, npyBytes, tempDir, write } from './helpers';

const dir = tempDir('scl-emb-degenerate-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const labels = write(join(dir, 'labels.npy'), npyBytes('<i8', [4], i8([0, 0, 1, 1])));

describe('embeddings whose geometry is undefined fail naming the file and the row', () => {
  it('an all-zero features file names row 0', () => {
    const f = write(join(dir, 'zeros.npy'), npyBytes('<f4', [4, 3], f4(Array(12).fill(0))));
    expectFileError(() => loadEmbeddings(f, { labels }), f, /row 0 \(0-based\): all its features are 0/);
  });

  it('one zero row among good ones is named', () => {
    const f = write(join(dir, 'one-zero.npy'), npyBytes('<f8', [4, 2], f8([1, 0, 0.5, 0.5, 0, 0, 0, 1])));
    expectFileError(() => loadEmbeddings(f, { labels }), f, /row 2 \(0-based\): all its features are 0/);
  });

  it('3e38 (an overflowed float32) names the row, the column and the bound', () => {
    const f = write(join(dir, 'huge.npy'), npyBytes('<f4', [4, 2], f4(Array(8).fill(3e38))));
    expectFileError(() => loadEmbeddings(f, { labels }), f, /value 3\.0+\d*e\+38 at row 0, column 0 .*\|value\| must be <= 1e\+30/);
  });

  it('in a CSV the row and its line are named', () => {
    const f = write(join(dir, 'zeros.csv'), 'a,b,label\n1,2,0\n0,0,0\n3,1,1\n');
    expectFileError(() => loadEmbeddings(f), f, /row 2 \(line 3\): all its features are 0/);
    const g = write(join(dir, 'huge.csv'), 'a,b,label\n1,2,0\n1,3e38,1\n');
    expectFileError(() => loadEmbeddings(g), g, /row 2 \(line 3\), column "b" \(2\): 3e38: \|value\| must be <= 1e\+30/);
  });

  it('a class whose mean is 0, or classes that all share one mean, are refused naming the file', () => {
    const f = write(join(dir, 'zero-mean.npy'), npyBytes('<f8', [4, 2], f8([1, 1, -1, -1, 1, 0, 1, 0.5])));
    expectFileError(() => loadEmbeddings(f, { labels }), f, /class 0: its mean embedding is 0/);
    const g = write(join(dir, 'same.npy'), npyBytes('<f8', [4, 2], f8(Array(8).fill(1e20))));
    expectFileError(() => loadEmbeddings(g, { labels }), g, /all 2 class means are the same vector/);
  });

  it('ordinary embeddings still load', () => {
    const f = write(join(dir, 'ok.npy'), npyBytes('<f4', [4, 2], f4([1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9])));
    expect(loadEmbeddings(f, { labels })).toMatchObject({ n: 4, d: 2, k: 2 });
  });
});

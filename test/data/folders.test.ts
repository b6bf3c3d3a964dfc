import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expectedFiles, findDataset, listDatasets } from '../../src-main/data/folders';
import { loadDataset } from '../../src-main/data/load';
import { DataError } from '../../src-main/data/errors';
import { cifarRecord, dataError, idxImages, idxLabels, pattern, tempDir, write } from './helpers';

const NO_SYSTEM = { systemFolders: {} };

/** A tiny MNIST-format folder: 3 train and 2 test images of 2x2. */
function writeMnist(dir: string, gz: boolean): void {
  const ext = gz ? '.gz' : '';
  write(join(dir, 'train-images-idx3-ubyte' + ext), idxImages([...Array(12).keys()], 3, 2, 2), gz);
  write(join(dir, 'train-labels-idx1-ubyte' + ext), idxLabels([0, 1, 2]), gz);
  write(join(dir, 't10k-images-idx3-ubyte' + ext), idxImages([9, 9, 9, 9, 8, 8, 8, 8], 2, 2, 2), gz);
  write(join(dir, 't10k-labels-idx1-ubyte' + ext), idxLabels([5, 6]), gz);
}

function writeCifar10(dir: string): void {
  for (let i = 1; i <= 5; i++) write(join(dir, `data_batch_${i}.bin`), cifarRecord([i], pattern(i)));
  write(join(dir, 'test_batch.bin'), Buffer.concat([cifarRecord([7], pattern(0)), cifarRecord([8], pattern(9))]));
}

describe('dataset discovery', () => {
  it('finds MNIST files raw or gzipped in a given folder and reads both splits', () => {
    for (const gz of [false, true]) {
      const dir = tempDir('scl-mnist-');
      writeMnist(dir, gz);
      const loc = findDataset('mnist', dir);
      expect(loc).toMatchObject({ kind: 'mnist', folder: dir, source: 'folder', files: { format: 'idx' } });
      if (loc.files.format !== 'idx') throw new Error('format');
      expect(loc.files.testLabels).toBe(join(dir, 't10k-labels-idx1-ubyte' + (gz ? '.gz' : '')));
      const train = loadDataset('mnist', 'train', dir);
      expect(train.n).toBe(3);
      expect(Array.from(train.labels)).toEqual([0, 1, 2]);
      const test = loadDataset('mnist', 'test', dir);
      expect(Array.from(test.labels)).toEqual([5, 6]);
      expect(Array.from(test.images)).toEqual([9, 9, 9, 9, 8, 8, 8, 8]);
    }
  });

  it('finds CIFAR-10 in the folder or inside cifar-10-batches-bin/, train = the 5 batches in order', () => {
    const flat = tempDir('scl-c10-');
    writeCifar10(flat);
    expect(findDataset('cifar10', flat).folder).toBe(flat);
    const parent = tempDir('scl-c10p-');
    writeCifar10(join(parent, 'cifar-10-batches-bin'));
    const loc = findDataset('cifar10', parent);
    expect(loc.folder).toBe(join(parent, 'cifar-10-batches-bin'));
    const train = loadDataset('cifar10', 'train', parent);
    expect(Array.from(train.labels)).toEqual([1, 2, 3, 4, 5]);
    const test = loadDataset('cifar10', 'test', parent);
    expect(Array.from(test.labels)).toEqual([7, 8]);
    expect(test.channels).toBe(3);
  });

  it('finds CIFAR-100 inside cifar-100-binary/', () => {
    const parent = tempDir('scl-c100-');
    write(join(parent, 'cifar-100-binary', 'train.bin'), cifarRecord([1, 77], pattern(0)));
    write(join(parent, 'cifar-100-binary', 'test.bin'), cifarRecord([2, 3], pattern(1)));
    const train = loadDataset('cifar100', 'train', parent);
    expect(train.k).toBe(100);
    expect(Array.from(train.labels)).toEqual([77]);
  });

  it('a missing folder names the folder and the files expected', () => {
    const dir = join(tempDir(), 'not-here');
    const err = dataError(() => findDataset('mnist', dir));
    expect(err.file).toBe(dir);
    expect(err.message).toContain(`folder ${dir} does not exist`);
    for (const f of expectedFiles('mnist')) expect(err.message).toContain(f);
    expect(err.message).toContain('train-images-idx3-ubyte[.gz]');
  });

  it('a folder lacking some files names the missing ones', () => {
    const dir = tempDir();
    writeCifar10(dir);
    const c100 = dataError(() => findDataset('cifar100', dir));
    expect(c100.message).toMatch(/lacks train\.bin, test\.bin/);
    const partial = tempDir();
    write(join(partial, 'train-images-idx3-ubyte.gz'), idxImages([1], 1, 1, 1), true);
    const err = dataError(() => findDataset('fashion-mnist', partial));
    expect(err.message).toContain(`folder ${partial} lacks train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]`);
  });

  it('SCL_LAB_DATA holds per-kind subfolders (and the archives own folder names)', () => {
    const root = tempDir('scl-root-');
    writeMnist(join(root, 'mnist'), true);
    writeCifar10(join(root, 'cifar-10-batches-bin'));
    const env = { SCL_LAB_DATA: root };
    expect(findDataset('mnist', undefined, { env, ...NO_SYSTEM })).toMatchObject({ source: 'env', folder: join(root, 'mnist') });
    expect(findDataset('cifar10', undefined, { env, ...NO_SYSTEM }).folder).toBe(join(root, 'cifar-10-batches-bin'));
    mkdirSync(join(root, 'cifar100'));
    const list = listDatasets({ env, ...NO_SYSTEM });
    expect(list.map((s) => [s.kind, s.found])).toEqual([
      ['mnist', true],
      ['fashion-mnist', false],
      ['cifar10', true],
      ['cifar100', false],
    ]);
    const c100 = list[3];
    if (c100.found) throw new Error('found');
    expect(c100.reason).toContain(`folder ${join(root, 'cifar100')} lacks train.bin, test.bin`);
  });

  it('not found anywhere: says where it looked and what to do', () => {
    const err = dataError(() => findDataset('mnist', undefined, { env: {}, ...NO_SYSTEM }));
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(/mnist not found \(SCL_LAB_DATA is not set/);
    expect(err.message).toContain('set SCL_LAB_DATA');
    expect(err.message).toContain('t10k-labels-idx1-ubyte[.gz]');
  });

  it('an unknown kind is a DataError', () => {
    expect(() => findDataset('svhn' as never)).toThrow(/unknown dataset kind "svhn"/);
  });
});

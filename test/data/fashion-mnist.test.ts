/**
 * The real Fashion-MNIST from the Debian package dataset-fashion-mnist (CI installs it; see .ci/run).
 * This test requires the package: a missing folder fails, it is not skipped.
 */
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { findDataset, listDatasets } from '../../src-main/data/folders';
import { readSplit } from '../../src-main/data/load';
import { imbalancedSubset } from '../../src-main/data/subset';
import { classCounts } from '../../src-main/science/imbalance';

const DIR = '/usr/share/datasets/fashion-mnist';

describe('Fashion-MNIST from the Debian package', () => {
  it('is found without a folder, in the system folder', () => {
    expect(existsSync(DIR), `${DIR} is missing: apt-get install dataset-fashion-mnist`).toBe(true);
    const loc = findDataset('fashion-mnist', undefined, { env: {} });
    expect(loc).toMatchObject({ folder: DIR, source: 'system' });
    expect(loc.files).toEqual({
      format: 'idx',
      trainImages: `${DIR}/train-images-idx3-ubyte.gz`,
      trainLabels: `${DIR}/train-labels-idx1-ubyte.gz`,
      testImages: `${DIR}/t10k-images-idx3-ubyte.gz`,
      testLabels: `${DIR}/t10k-labels-idx1-ubyte.gz`,
    });
    expect(listDatasets({ env: {} }).find((s) => s.kind === 'fashion-mnist')?.found).toBe(true);
  });

  it('test set: 10000 images of 28x28, 10 classes of 1000', () => {
    const test = readSplit(findDataset('fashion-mnist', DIR), 'test');
    expect(test).toMatchObject({ n: 10000, height: 28, width: 28, channels: 1, k: 10 });
    expect(test.images.length).toBe(10000 * 28 * 28);
    const counts = new Array(10).fill(0);
    for (const y of test.labels) counts[y]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    // The first test labels as published: ankle boot, pullover, trouser, trouser, shirt, trouser, coat, shirt.
    expect(Array.from(test.labels.subarray(0, 8))).toEqual([9, 2, 1, 1, 6, 1, 4, 6]);
    expect(Math.max(...test.images.subarray(0, 784))).toBeGreaterThan(0);
  });

  it('train set: 60000 images, 6000 per class; a step R = 10 subset has the profile counts', () => {
    const train = readSplit(findDataset('fashion-mnist', DIR), 'train');
    expect(train).toMatchObject({ n: 60000, height: 28, width: 28, channels: 1, k: 10 });
    const counts = new Array(10).fill(0);
    for (const y of train.labels) counts[y]++;
    expect(counts).toEqual(new Array(10).fill(6000));
    const want = classCounts({ profile: 'step', nMax: 5000, ratio: 10 }, 10);
    const idx = imbalancedSubset(train.labels, 10, want, 0);
    const got = new Array(10).fill(0);
    for (const i of idx) got[train.labels[i]]++;
    expect(got).toEqual([5000, 5000, 5000, 5000, 5000, 500, 500, 500, 500, 500]);
  });
});

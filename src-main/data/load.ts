/** Reads a found dataset's train or test split with the reader for its format. */
import { readCifar } from './cifar';
import { findDataset, type DatasetLocation, type FindOptions } from './folders';
import { readIdxPair } from './idx';
import { DATASET_CLASSES, type DatasetKind, type ImageSet, type Split } from './types';

export function readSplit(location: DatasetLocation, split: Split): ImageSet {
  const f = location.files;
  const k = DATASET_CLASSES[location.kind];
  if (f.format === 'idx') {
    return split === 'train' ? readIdxPair(f.trainImages, f.trainLabels, k) : readIdxPair(f.testImages, f.testLabels, k);
  }
  const variant = location.kind === 'cifar100' ? 'cifar100' : 'cifar10';
  return readCifar(split === 'train' ? f.train : f.test, variant);
}

/** findDataset + readSplit: `loadDataset('fashion-mnist', 'test')`. */
export function loadDataset(kind: DatasetKind, split: Split, folder?: string, opts?: FindOptions): ImageSet {
  return readSplit(findDataset(kind, folder, opts), split);
}

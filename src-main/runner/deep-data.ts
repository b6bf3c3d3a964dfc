/**
 * The data of a deep run: the imbalanced training subset (seeded, per class) and the balanced test set,
 * as Float32 tensors' worth of data for the science core, read from local files only.
 */
import type { DeepConfig } from '../api/schema/config';
import { augmentBatch, balancedTestSubset, channelStats, imbalancedSubset, loadDataset, makeSynthetic, selectImages, toFloat, type ImageSet } from '../data';
import type { Augment, DeepData } from '../science/deep';
import { classCounts } from '../science/imbalance';
import { MIN_IMAGE_SIDE } from '../science/models';

export interface LoadedDeepData {
  data: DeepData;
  augment?: Augment;
  /** Where the data came from, for the run log. */
  source: string;
}


function checkModelFits(c: DeepConfig, shape: number[], nTrain: number): void {
  const min = MIN_IMAGE_SIDE[c.model.name];
  if (min !== undefined && (shape.length !== 3 || shape[0] < min || shape[1] < min)) {
    throw new Error(`model "${c.model.name}" needs images of at least ${min}x${min}; the data are ${shape.join('x')}`);
  }
  if (c.batching.strategy === 'explicit') return; // its indices were checked against the counts (n = nTrain)
  const B = c.batching.strategy === 'full' ? nTrain : c.batching.batchSize!;
  if (B > nTrain) throw new Error(`batching.batchSize (${B}) is larger than the training subset (${nTrain} examples)`);
}

function imagesData(c: DeepConfig, train: ImageSet, test: ImageSet, counts: number[]): LoadedDeepData {
  const { height: h, width: w, channels: ch } = train;
  const stats = channelStats(train.images, ch);
  const norm = { channels: ch, mean: stats.mean, std: stats.std.map((s) => Math.max(s, 1e-3)) };
  const shape = [h, w, ch];
  checkModelFits(c, shape, train.n);
  const pad = h >= 32 ? 4 : 2;
  const fill = stats.mean.map((m, i) => (0 - m) / norm.std[i]); // zero padding of the raw image, as torchvision does before Normalize
  const augment: Augment | undefined = c.augment
    ? (x, n, rng) => augmentBatch(x, { n, height: h, width: w, channels: ch }, { pad, flip: c.dataset.name !== 'mnist', fill }, rng).data
    : undefined;
  return {
    data: {
      train: { x: toFloat(train.images, norm), labels: train.labels, n: train.n },
      test: { x: toFloat(test.images, norm), labels: test.labels, n: test.n },
      sampleShape: shape,
      k: train.k,
      counts,
    },
    augment,
    source: '',
  };
}

export function loadDeepData(c: DeepConfig): LoadedDeepData {
  const k = c.classes;
  const counts = classCounts(c.imbalance, k);
  const ds = c.dataset;
  if (ds.name === 'synthetic') {
    const per = ds.testPerClass;
    const all = makeSynthetic({ k, counts: counts.map((n) => n + per), shape: ds.shape, radius: ds.radius, noise: ds.noise, seed: c.seed });
    const trainIdx: number[] = [], testIdx: number[] = [];
    let o = 0;
    counts.forEach((n) => {
      for (let j = 0; j < n + per; j++) (j < n ? trainIdx : testIdx).push(o + j);
      o += n + per;
    });
    const pick = (idx: number[]) => {
      const x = new Float32Array(idx.length * all.dim);
      idx.forEach((i, r) => x.set(all.features.subarray(i * all.dim, (i + 1) * all.dim), r * all.dim));
      return { x, labels: Int32Array.from(idx, (i) => all.labels[i]), n: idx.length };
    };
    const shape = [...all.sampleShape];
    checkModelFits(c, shape, trainIdx.length);
    return {
      data: { train: pick(trainIdx), test: pick(testIdx), sampleShape: shape, k, counts },
      source: `synthetic Gaussian mixture (${shape.join('x')}, radius ${ds.radius}, seed ${c.seed})`,
    };
  }
  const trainSet = loadDataset(ds.name, 'train', ds.folder);
  const testSet = loadDataset(ds.name, 'test', ds.folder);
  if (trainSet.k !== k) throw new Error(`${ds.name} has ${trainSet.k} classes; the config says classes = ${k}`);
  const train = selectImages(trainSet, imbalancedSubset(trainSet.labels, k, counts, c.seed));
  const test = selectImages(testSet, balancedTestSubset(testSet.labels, k, ds.testPerClass, c.seed));
  const out = imagesData(c, train, test, counts);
  out.source = `${ds.name}: ${train.n} training examples (${counts.join(' ')}), ${test.n} test examples`;
  return out;
}

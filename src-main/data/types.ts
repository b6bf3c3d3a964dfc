/** Shapes shared by the dataset readers. */

export type DatasetKind = 'mnist' | 'fashion-mnist' | 'cifar10' | 'cifar100';

export const DATASET_KINDS: readonly DatasetKind[] = ['mnist', 'fashion-mnist', 'cifar10', 'cifar100'];

/** Number of classes of each kind (CIFAR-100: the 100 fine labels). */
export const DATASET_CLASSES: Readonly<Record<DatasetKind, number>> = {
  mnist: 10,
  'fashion-mnist': 10,
  cifar10: 10,
  cifar100: 100,
};

/**
 * A set of uint8 images with integer labels, as every reader returns it.
 * `images` is NHWC: pixel (i, y, x, ch) is at ((i * height + y) * width + x) * channels + ch.
 * `labels[i]` is in 0..k-1.
 */
export interface ImageSet {
  images: Uint8Array;
  labels: Int32Array;
  n: number;
  height: number;
  width: number;
  channels: number;
  /** Number of classes (10 for MNIST / Fashion-MNIST / CIFAR-10, 100 for CIFAR-100 fine labels). */
  k: number;
}

export type Split = 'train' | 'test';

/**
 * CIFAR binary batches.
 *   CIFAR-10:  records of 1 label byte + 3072 pixel bytes (data_batch_1..5.bin, test_batch.bin)
 *   CIFAR-100: records of 2 label bytes (coarse, fine) + 3072 pixel bytes (train.bin, test.bin)
 * Pixels are stored CHW: a 32x32 red plane, then green, then blue, each row-major. The readers return NHWC.
 */
import { DataError, fileError } from './errors';
import { readDataFile } from './read-file';
import type { ImageSet } from './types';

export const CIFAR_SIDE = 32;
export const CIFAR_PIXELS = 3 * CIFAR_SIDE * CIFAR_SIDE; // 3072

export type CifarVariant = 'cifar10' | 'cifar100';
/** CIFAR-100 has 100 fine classes and 20 coarse superclasses; the product uses the fine ones. */
export type Cifar100Label = 'fine' | 'coarse';

interface Layout {
  labelBytes: number; // bytes before the pixels
  labelOffset: number; // which of them is the label used
  k: number;
}

function layout(variant: CifarVariant, label: Cifar100Label): Layout {
  if (variant === 'cifar10') return { labelBytes: 1, labelOffset: 0, k: 10 };
  return label === 'fine' ? { labelBytes: 2, labelOffset: 1, k: 100 } : { labelBytes: 2, labelOffset: 0, k: 20 };
}

/** CHW planes of one 32x32x3 image -> NHWC at `dst[dstOffset..]`. */
export function chwToHwc(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number): void {
  const plane = CIFAR_SIDE * CIFAR_SIDE;
  for (let p = 0; p < plane; p++) {
    const o = dstOffset + 3 * p;
    dst[o] = src[srcOffset + p];
    dst[o + 1] = src[srcOffset + plane + p];
    dst[o + 2] = src[srcOffset + 2 * plane + p];
  }
}

/**
 * Reads one or more CIFAR batch files (in the order given) into a single NHWC ImageSet.
 * Errors (DataError naming the file): a size that is not a whole number of records, a label out of range.
 */
export function readCifar(files: readonly string[], variant: CifarVariant, label: Cifar100Label = 'fine'): ImageSet {
  if (files.length === 0) throw new DataError(`${variant}: no batch files given`);
  const { labelBytes, labelOffset, k } = layout(variant, label);
  const record = labelBytes + CIFAR_PIXELS;
  const buffers: (Buffer | null)[] = files.map((file) => {
    const bytes = readDataFile(file);
    if (bytes.length === 0 || bytes.length % record !== 0) {
      throw fileError(
        file,
        `size ${bytes.length} bytes is not a whole number of ${variant} records of ${record} bytes ` +
          `(${labelBytes} label byte${labelBytes > 1 ? 's' : ''} + ${CIFAR_PIXELS} pixels)`,
      );
    }
    return bytes;
  });
  const n = buffers.reduce((s, b) => s + b!.length / record, 0);
  const images = new Uint8Array(n * CIFAR_PIXELS);
  const labels = new Int32Array(n);
  let i = 0;
  buffers.forEach((bytes, f) => {
    const m = bytes!.length / record;
    for (let r = 0; r < m; r++, i++) {
      const base = r * record;
      const y = bytes![base + labelOffset];
      if (y >= k) {
        throw fileError(
          files[f],
          `${label === 'coarse' ? 'coarse ' : ''}label ${y} in record ${r} is out of range: ${variant} has ${k} classes (0..${k - 1})`,
        );
      }
      labels[i] = y;
      chwToHwc(bytes!, base + labelBytes, images, i * CIFAR_PIXELS);
    }
    buffers[f] = null; // let the file's bytes go before reading on
  });
  return { images, labels, n, height: CIFAR_SIDE, width: CIFAR_SIDE, channels: 3, k };
}

export function readCifar10(files: readonly string[]): ImageSet {
  return readCifar(files, 'cifar10');
}

export function readCifar100(files: readonly string[], label: Cifar100Label = 'fine'): ImageSet {
  return readCifar(files, 'cifar100', label);
}

/**
 * MNIST / Fashion-MNIST IDX files (raw or gzipped; gzip is detected by its magic bytes, not the name).
 *   images: magic 0x00000803 (ubyte, 3 dims), then n, height, width as big-endian uint32, then n*h*w bytes
 *   labels: magic 0x00000801 (ubyte, 1 dim), then n, then n bytes
 * The file size must match the header exactly (a truncated or padded file is rejected).
 */
import { DataError, fileError } from './errors';
import { readDataFile, type SizeAnnouncement } from './read-file';
import type { ImageSet } from './types';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

const hex = (v: number) => '0x' + v.toString(16).padStart(8, '0');

function header(file: string, bytes: Buffer, magic: number, dims: number, what: string): number[] {
  const headerBytes = 4 + 4 * dims;
  if (bytes.length < 4) throw fileError(file, `too short for an IDX ${what} file (${bytes.length} bytes)`);
  const got = bytes.readUInt32BE(0);
  if (got !== magic) {
    throw fileError(file, `wrong magic number ${hex(got)} for IDX ${what}, expected ${hex(magic)}`);
  }
  if (bytes.length < headerBytes) {
    throw fileError(file, `truncated IDX header: ${bytes.length} bytes, the header alone needs ${headerBytes}`);
  }
  return Array.from({ length: dims }, (_, i) => bytes.readUInt32BE(4 + 4 * i));
}

function checkSize(file: string, bytes: Buffer, expected: number, dims: number[]): void {
  if (bytes.length !== expected) {
    const kind = bytes.length < expected ? 'truncated' : 'too long';
    throw fileError(
      file,
      `${kind}: the header says ${dims.join(' x ')}, so the file should be ${expected} bytes, ` +
        `found ${bytes.length} (after gunzip when gzipped)`,
    );
  }
}

/** What a header of `dims` dimensions announces: header bytes + the product of the dimensions (ubyte data). */
function idxAnnouncement(dims: number): SizeAnnouncement {
  const headerBytes = 4 + 4 * dims;
  return {
    headBytes: headerBytes,
    what: 'the IDX header',
    expected: (head) => {
      if (head.length < headerBytes) return null;
      let n = 1;
      for (let i = 0; i < dims; i++) n *= head.readUInt32BE(4 + 4 * i);
      return headerBytes + n;
    },
  };
}

export interface IdxImages {
  images: Uint8Array;
  n: number;
  height: number;
  width: number;
  channels: 1;
}

export function readIdxImages(file: string): IdxImages {
  const bytes = readDataFile(file, idxAnnouncement(3));
  const [n, height, width] = header(file, bytes, IDX_IMAGES_MAGIC, 3, 'images');
  checkSize(file, bytes, 16 + n * height * width, [n, height, width]);
  // Copy out of the (possibly pooled) Buffer so the result owns exactly its pixels.
  const images = new Uint8Array(n * height * width);
  images.set(bytes.subarray(16));
  return { images, n, height, width, channels: 1 };
}

/** Reads an IDX label file; every label must be in 0..numClasses-1. */
export function readIdxLabels(file: string, numClasses = 10): Int32Array {
  const bytes = readDataFile(file, idxAnnouncement(1));
  const [n] = header(file, bytes, IDX_LABELS_MAGIC, 1, 'labels');
  checkSize(file, bytes, 8 + n, [n]);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const y = bytes[8 + i];
    if (y >= numClasses) {
      throw fileError(file, `label ${y} at index ${i} is out of range: there are ${numClasses} classes (0..${numClasses - 1})`);
    }
    labels[i] = y;
  }
  return labels;
}

/** Reads an images file and its labels file as one ImageSet; the two counts must agree. */
export function readIdxPair(imagesFile: string, labelsFile: string, numClasses = 10): ImageSet {
  const img = readIdxImages(imagesFile);
  const labels = readIdxLabels(labelsFile, numClasses);
  if (labels.length !== img.n) {
    throw new DataError(
      `${imagesFile}: ${img.n} images but ${labelsFile} has ${labels.length} labels`,
      imagesFile,
    );
  }
  return { ...img, labels, k: numClasses };
}

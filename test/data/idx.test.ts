import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readIdxImages, readIdxLabels, readIdxPair } from '../../src-main/data/idx';
import { expectFileError, idxImages, idxLabels, tempDir, write } from './helpers';

const dir = tempDir('scl-idx-');
// Two 3x2 images: pixel values 0..5 and 10..15.
const PIXELS = [0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15];

describe('IDX reader', () => {
  it.each([false, true])('reads images and labels (gzip %s) with exact values', (gz) => {
    const img = write(join(dir, `img-${gz}`), idxImages(PIXELS, 2, 3, 2), gz);
    const lab = write(join(dir, `lab-${gz}`), idxLabels([7, 0]), gz);
    const set = readIdxPair(img, lab);
    expect(set).toMatchObject({ n: 2, height: 3, width: 2, channels: 1, k: 10 });
    expect(Array.from(set.images)).toEqual(PIXELS);
    expect(set.images).toBeInstanceOf(Uint8Array);
    expect(Array.from(set.labels)).toEqual([7, 0]);
    expect(set.labels).toBeInstanceOf(Int32Array);
  });

  it('detects gzip by its magic bytes, not the name', () => {
    const file = write(join(dir, 'plain-name-but-gzipped'), idxLabels([1, 2, 3]), true);
    expect(Array.from(readIdxLabels(file))).toEqual([1, 2, 3]);
  });

  it('wrong magic names the file and both numbers', () => {
    const f = write(join(dir, 'labels-as-images'), idxLabels([1, 2]));
    expectFileError(() => readIdxImages(f), f, /wrong magic number 0x00000801.*expected 0x00000803/);
    const g = write(join(dir, 'images-as-labels'), idxImages(PIXELS, 2, 3, 2));
    expectFileError(() => readIdxLabels(g), g, /wrong magic number 0x00000803.*expected 0x00000801/);
  });

  it('a truncated or padded file is rejected with the sizes', () => {
    const t = write(join(dir, 'truncated'), idxImages(PIXELS.slice(0, 10), 2, 3, 2));
    expectFileError(() => readIdxImages(t), t, /truncated: the header says 2 x 3 x 2, so the file should be 28 bytes, found 26/);
    const tg = write(join(dir, 'truncated.gz'), idxLabels([1, 2], 0x801, 3), true);
    expectFileError(() => readIdxLabels(tg), tg, /truncated.*should be 11 bytes, found 10/);
    const p = write(join(dir, 'padded'), Buffer.concat([idxImages(PIXELS, 2, 3, 2), Buffer.from([0])]));
    expectFileError(() => readIdxImages(p), p, /too long/);
    const h = write(join(dir, 'header-only'), Buffer.from([0, 0, 8, 3, 0, 0]));
    expectFileError(() => readIdxImages(h), h, /truncated IDX header/);
  });

  it('a truncated gzip stream is rejected', () => {
    const good = write(join(dir, 'ok.gz'), idxImages(PIXELS, 2, 3, 2), true);
    const bytes = readFileSync(good);
    const bad = write(join(dir, 'cut.gz'), bytes.subarray(0, bytes.length - 12));
    expectFileError(() => readIdxImages(bad), bad, /gzip/);
  });

  it('image / label count mismatch names both files', () => {
    const img = write(join(dir, 'img-2'), idxImages(PIXELS, 2, 3, 2));
    const lab = write(join(dir, 'lab-3'), idxLabels([1, 2, 3]));
    const err = expectFileError(() => readIdxPair(img, lab), img, /2 images but .* has 3 labels/);
    expect(err.message).toContain(lab);
  });

  it('labels out of range name the file, the label and its index', () => {
    const f = write(join(dir, 'lab-bad'), idxLabels([1, 10, 3]));
    expectFileError(() => readIdxLabels(f), f, /label 10 at index 1 is out of range: there are 10 classes/);
    expect(Array.from(readIdxLabels(f, 11))).toEqual([1, 10, 3]);
  });

  it('a missing file is a DataError naming it', () => {
    const f = join(dir, 'nope-idx3-ubyte');
    expectFileError(() => readIdxImages(f), f, /file not found/);
  });
});

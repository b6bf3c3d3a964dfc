import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { chwToHwc, readCifar10, readCifar100 } from '../../src-main/data/cifar';
import { cifarRecord, expectFileError, pattern, tempDir, write } from './helpers';

const dir = tempDir('scl-cifar-');

/** NHWC index of pixel (i, y, x, ch) of 32x32x3 images. */
const at = (i: number, y: number, x: number, ch: number) => ((i * 32 + y) * 32 + x) * 3 + ch;

describe('CIFAR-10 binary', () => {
  const a = write(join(dir, 'data_batch_1.bin'), Buffer.concat([cifarRecord([3], pattern(0)), cifarRecord([9], pattern(1))]));
  const b = write(join(dir, 'data_batch_2.bin'), cifarRecord([0], pattern(2)));

  it('reads labels and converts CHW planes to NHWC', () => {
    const set = readCifar10([a, b]);
    expect(set).toMatchObject({ n: 3, height: 32, width: 32, channels: 3, k: 10 });
    expect(Array.from(set.labels)).toEqual([3, 9, 0]);
    expect(set.images.length).toBe(3 * 3072);
    // A known pixel: image 1, row 5, column 7. CHW stores R at 1+0*1024+5*32+7 of the record, G at +1024, B at +2048.
    expect(set.images[at(1, 5, 7, 0)]).toBe(pattern(1)(0, 5, 7));
    expect(set.images[at(1, 5, 7, 1)]).toBe(pattern(1)(1, 5, 7));
    expect(set.images[at(1, 5, 7, 2)]).toBe(pattern(1)(2, 5, 7));
    expect([set.images[at(1, 5, 7, 0)], set.images[at(1, 5, 7, 1)], set.images[at(1, 5, 7, 2)]]).toEqual([7 + 15 + 7, 50 + 7 + 15 + 7, 100 + 7 + 15 + 7]);
    // Every pixel of every image.
    for (let i = 0; i < 3; i++)
      for (let y = 0; y < 32; y++)
        for (let x = 0; x < 32; x++) for (let ch = 0; ch < 3; ch++) expect(set.images[at(i, y, x, ch)]).toBe(pattern(i)(ch, y, x));
  });

  it('chwToHwc on one hand-made image', () => {
    const chw = new Uint8Array(3072);
    chw[0] = 1; // R(0,0)
    chw[1024] = 2; // G(0,0)
    chw[2048] = 3; // B(0,0)
    chw[33] = 4; // R(1,1)
    const hwc = new Uint8Array(3072);
    chwToHwc(chw, 0, hwc, 0);
    expect(Array.from(hwc.subarray(0, 3))).toEqual([1, 2, 3]);
    expect(hwc[(1 * 32 + 1) * 3]).toBe(4);
  });

  it('a size that is not a whole number of records names the file and the sizes', () => {
    const f = write(join(dir, 'short.bin'), cifarRecord([1], pattern(0)).subarray(0, 3000));
    expectFileError(() => readCifar10([a, f]), f, /size 3000 bytes is not a whole number of cifar10 records of 3073 bytes/);
    const e = write(join(dir, 'empty.bin'), Buffer.alloc(0));
    expectFileError(() => readCifar10([e]), e, /size 0 bytes/);
  });

  it('a label out of range names the file and the record', () => {
    const f = write(join(dir, 'badlabel.bin'), Buffer.concat([cifarRecord([2], pattern(0)), cifarRecord([10], pattern(1))]));
    expectFileError(() => readCifar10([f]), f, /label 10 in record 1 is out of range: cifar10 has 10 classes/);
  });

  it('a missing batch is a DataError naming it', () => {
    const f = join(dir, 'data_batch_9.bin');
    expectFileError(() => readCifar10([a, f]), f, /file not found/);
  });
});

describe('CIFAR-100 binary', () => {
  const f = write(join(dir, 'train.bin'), Buffer.concat([cifarRecord([4, 99], pattern(0)), cifarRecord([19, 42], pattern(1))]));

  it('uses the fine label (100 classes) and converts to NHWC', () => {
    const set = readCifar100([f]);
    expect(set).toMatchObject({ n: 2, channels: 3, k: 100 });
    expect(Array.from(set.labels)).toEqual([99, 42]);
    expect(set.images[at(1, 31, 0, 2)]).toBe(pattern(1)(2, 31, 0));
    expect(set.images[at(0, 0, 31, 1)]).toBe(pattern(0)(1, 0, 31));
  });

  it('coarse labels on request (20 classes)', () => {
    const set = readCifar100([f], 'coarse');
    expect(set.k).toBe(20);
    expect(Array.from(set.labels)).toEqual([4, 19]);
  });

  it('records are 3074 bytes: a CIFAR-10 file is rejected, naming the sizes', () => {
    const c10 = write(join(dir, 'c10-as-c100.bin'), Buffer.concat([cifarRecord([1], pattern(0)), cifarRecord([1], pattern(0))]));
    expectFileError(() => readCifar100([c10]), c10, /size 6146 bytes is not a whole number of cifar100 records of 3074 bytes/);
  });

  it('a fine label >= 100 is out of range', () => {
    const bad = write(join(dir, 'bad100.bin'), cifarRecord([1, 100], pattern(0)));
    expectFileError(() => readCifar100([bad]), bad, /label 100 in record 0 is out of range: cifar100 has 100 classes/);
  });
});

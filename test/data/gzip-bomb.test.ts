import { afterAll, describe, expect, it } from 'vitest';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readIdxImages, readIdxLabels } from '../../src-main/data/idx';
import { readNpy } from '../../src-main/data/npy';
import { expectFileError, f4, idxImages, idxLabels, npyBytes, tempDir, write } from './helpers';

const dir = tempDir('scl-gzbomb-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `members` gzip members of 1 MiB of zeros each after `head`: ~1 KB per MiB on disk. */
function bomb(head: Buffer, members: number): Buffer {
  const zeros = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
  return Buffer.concat([gzipSync(head), ...Array.from({ length: members }, () => zeros)]);
}

describe('gzipped dataset files are never unpacked past what their header announces', () => {
  it('an IDX labels bomb (2 labels announced, 300 MiB of zeros) fails naming the file and both sizes', () => {
    const f = write(join(dir, 'train-labels-idx1-ubyte.gz'), bomb(idxLabels([1, 2]), 300));
    expect(statSync(f).size).toBeLessThan(1024 * 1024);
    const t0 = Date.now();
    expectFileError(() => readIdxLabels(f), f, /decompresses to more than 1048586 bytes, but the IDX header announces 10;.*gzip bomb/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('an IDX images bomb is refused the same way', () => {
    const f = write(join(dir, 'imgs.gz'), bomb(idxImages([0, 1, 2, 3], 1, 2, 2), 200));
    expectFileError(() => readIdxImages(f), f, /the IDX header announces 20;/);
  });

  it('a .npy bomb is bounded by the shape its header announces', () => {
    const f = write(join(dir, 'x.npy.gz'), bomb(npyBytes('<f4', [2, 2], f4([1, 2, 3, 4])), 200));
    expectFileError(() => readNpy(f, ['<f4'], 2), f, /the \.npy header announces 144;/);
  });

  it('a gzipped file a little longer than announced still reports its real size', () => {
    const f = write(join(dir, 'padded.gz'), Buffer.concat([idxLabels([1, 2]), Buffer.alloc(5)]), true);
    expectFileError(() => readIdxLabels(f), f, /too long.*should be 10 bytes, found 15/);
  });

  it('a valid gzipped file still reads', () => {
    const f = write(join(dir, 'ok.gz'), idxLabels([3, 4, 5]), true);
    expect(Array.from(readIdxLabels(f))).toEqual([3, 4, 5]);
  });
});

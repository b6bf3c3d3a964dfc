/** Fuzz: dataset files (IDX, CIFAR, .npy, CSV; raw and gzipped). Every file is read or refused with a DataError naming it. */
import fc from 'fast-check';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readCifar10, readCifar100 } from '../../src-main/data/cifar';
import { loadEmbeddings } from '../../src-main/data/embeddings';
import { DataError } from '../../src-main/data/errors';
import { readIdxImages, readIdxLabels } from '../../src-main/data/idx';
import { readNpy } from '../../src-main/data/npy';
import { cifarRecord, f4, i8, idxImages, idxLabels, npyBytes, pattern, tempDir } from '../data/helpers';
import { evalRecordSchema } from '../../src-main/api/schema/result';
import { geometry, geometryScalars } from '../../src-main/science/geometry';
import { expectUserMessage, fuzz } from './helpers';

/** What the embeddings job does with a file that loaded: its metrics must be a valid evaluation record. */
function embeddingsGeometry(file: string, labels?: string): void {
  const e = loadEmbeddings(file, labels ? { labels } : {});
  if (e.k < 2) return; // the job refuses fewer than 2 classes with a message naming the labels file
  const counts = Array.from({ length: e.k }, () => 0);
  for (const y of e.labels) counts[y]!++;
  const rec = { epoch: 0, loss: null, optimalLoss: null, gap: null, ...geometryScalars(geometry(e.X, e.d, e.labels, e.k, counts)) };
  const r = evalRecordSchema.safeParse(rec);
  if (!r.success) throw new Error(`${file} loaded, but its geometry is not a valid record: ${JSON.stringify(rec)}`);
}

const dir = tempDir('scl-fuzz-data-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Byte-level damage: flip bytes, overwrite a run, truncate, append, or splice in a 32-bit big/little value. */
const damage = fc.record({
  flips: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 6 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
  append: fc.option(fc.uint8Array({ maxLength: 40 }), { nil: undefined }),
  word: fc.option(fc.record({ at: fc.nat(64), value: fc.constantFrom(0, 1, 0xffffffff, 0x7fffffff, 2 ** 24, 3) }), { nil: undefined }),
  gzip: fc.boolean(),
});
type Damage = typeof damage extends fc.Arbitrary<infer T> ? T : never;

function apply(bytes: Buffer, d: Damage): Buffer {
  let b = Buffer.from(bytes);
  for (const f of d.flips) if (b.length > 0) b[f.at % b.length] = f.value;
  if (d.word && d.word.at + 4 <= b.length) b.writeUInt32BE(d.word.value >>> 0, d.word.at);
  if (d.cut !== undefined && b.length > 0) b = b.subarray(0, d.cut % (b.length + 1));
  if (d.append) b = Buffer.concat([b, Buffer.from(d.append)]);
  return d.gzip ? gzipSync(b) : b;
}

let n = 0;
/** Writes the bytes, reads them with `read`; a throw must be a DataError naming the file. */
function check(bytes: Buffer, ext: string, read: (file: string) => unknown): void {
  const file = join(dir, `f${n++}${ext}`);
  writeFileSync(file, bytes);
  try {
    read(file);
  } catch (err) {
    if (!(err instanceof DataError)) throw new Error(`not a DataError for ${file}: ${String((err as Error)?.stack ?? err)}`);
    expect(err.message).toContain(file);
    expectUserMessage(err.message);
  } finally {
    rmSync(file, { force: true });
  }
}

const IMAGES = idxImages(Array.from({ length: 2 * 4 * 3 }, (_, i) => i), 2, 4, 3);
const LABELS = idxLabels([1, 0, 9, 3]);
const CIFAR10 = Buffer.concat([cifarRecord([3], pattern(0)), cifarRecord([7], pattern(1))]);
const CIFAR100 = Buffer.concat([cifarRecord([2, 55], pattern(0))]);
const FEATS = npyBytes('<f4', [4, 2], f4([1, 0, 0.9, 0.2, 0, 1, 0.1, 0.8]));
const LABELS_NPY = npyBytes('<i8', [4], i8([0, 0, 1, 1]));
const CSV = Buffer.from('a,b,label\n1,0,cat\n0.9,0.1,cat\n0,1,dog\n0.2,0.7,dog\n');

describe('fuzz: dataset files', () => {
  it('IDX images and labels', () => {
    fuzz([damage, fc.boolean()], (d, images) => (images ? check(apply(IMAGES, d), '-idx3-ubyte', readIdxImages) : check(apply(LABELS, d), '-idx1-ubyte', (f) => readIdxLabels(f))), 800);
  });

  it('CIFAR-10 and CIFAR-100 batches', () => {
    fuzz([damage, fc.boolean()], (d, ten) => (ten ? check(apply(CIFAR10, d), '.bin', (f) => readCifar10([f])) : check(apply(CIFAR100, d), '.bin', (f) => readCifar100([f]))), 400);
  });

  it('.npy features (as embeddings with labels) and labels', () => {
    const labels = join(dir, 'good-labels.npy');
    writeFileSync(labels, LABELS_NPY);
    fuzz([damage, fc.boolean()], (d, feats) =>
      feats ? check(apply(FEATS, d), '.npy', (f) => embeddingsGeometry(f, labels)) : check(apply(LABELS_NPY, d), '.npy', (f) => readNpy(f, ['<i8', '<i4', '|u1'], 1)),
    800);
  });

  it('CSV embeddings, damaged or random text', () => {
    const text = fc.oneof(
      damage.map((d) => apply(CSV, d)),
      fc.array(fc.array(fc.oneof(fc.constantFrom('1', '0', '-2.5e3', 'NaN', '', '"x"', 'cat', '1e400', '3e38', '0x10', ' 7 '), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 })
        .map((rows) => Buffer.from(rows.map((r) => r.join(',')).join('\n'))),
      // well-formed files with edge values: zero rows, huge values, equal class means
      fc.array(fc.tuple(fc.constantFrom('0', '0', '1', '-1', '0.5', '3e38', '1e20', '-3.4e38'), fc.constantFrom('0', '0', '1', '2'), fc.constantFrom('0', '1')), { minLength: 2, maxLength: 6 })
        .map((rows) => Buffer.from('a,b,label\n' + rows.map((r) => r.join(',')).join('\n'))),
    );
    fuzz([text], (bytes) => check(bytes, '.csv', (f) => embeddingsGeometry(f)), 800);
  });
});

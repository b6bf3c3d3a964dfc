/** Writers for small files in the real dataset formats, in a fresh temporary folder per test file. */
import { expect } from 'vitest';
import { DataError } from '../../src-main/data/errors';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tempDir as sharedTempDir } from '../support/tmp';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

export function tempDir(prefix = 'scl-data-'): string {
  return sharedTempDir(prefix); // removed after the test file
}

export function write(file: string, bytes: Uint8Array | string, gzip = false): string {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, gzip ? gzipSync(bytes) : bytes);
  return file;
}

function be32(values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32BE(v, 4 * i));
  return b;
}

/** IDX images: magic 0x00000803, n, h, w, then the pixels (header may be overridden to make bad files). */
export function idxImages(pixels: number[], n: number, h: number, w: number, magic = 0x00000803): Buffer {
  return Buffer.concat([be32([magic, n, h, w]), Buffer.from(pixels)]);
}

export function idxLabels(labels: number[], magic = 0x00000801, n = labels.length): Buffer {
  return Buffer.concat([be32([magic, n]), Buffer.from(labels)]);
}

/** One CIFAR record: label byte(s) then the CHW planes computed by pixel(ch, y, x). */
export function cifarRecord(labelBytes: number[], pixel: (ch: number, y: number, x: number) => number): Buffer {
  const b = Buffer.alloc(labelBytes.length + 3072);
  labelBytes.forEach((v, i) => (b[i] = v));
  for (let ch = 0; ch < 3; ch++)
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) b[labelBytes.length + ch * 1024 + y * 32 + x] = pixel(ch, y, x) & 255;
  return b;
}

/** A known pixel pattern: distinct per record, channel and position. */
export const pattern = (r: number) => (ch: number, y: number, x: number) => (r * 7 + ch * 50 + y * 3 + x) & 255;

/**
 * A .npy file laid out exactly as numpy 2.x's np.save writes it: the dict literal with sorted keys, the
 * spaces numpy leaves for the first axis to grow (21 - digits), then spaces and a newline up to a multiple of
 * 64 bytes. `headerOverride` replaces the dict (to write bad files).
 */
export function npyBytes(
  descr: string,
  shape: number[],
  data: Buffer,
  opts: { version?: 1 | 2 | 3; fortran?: boolean; headerOverride?: string } = {},
): Buffer {
  const version = opts.version ?? 1;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = opts.headerOverride ?? `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  if (shape.length > 0) dict += ' '.repeat(21 - String(shape[opts.fortran ? shape.length - 1 : 0]).length);
  const lenBytes = version === 1 ? 2 : 4;
  const hlen = dict.length + 1;
  const padlen = 64 - ((8 + lenBytes + hlen) % 64);
  const prefix = Buffer.alloc(8 + lenBytes);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(prefix);
  if (version === 1) prefix.writeUInt16LE(hlen + padlen, 8);
  else prefix.writeUInt32LE(hlen + padlen, 8);
  return Buffer.concat([prefix, Buffer.from(dict + ' '.repeat(padlen) + '\n', 'latin1'), data]);
}

export function f4(values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeFloatLE(v, 4 * i));
  return b;
}

export function f8(values: number[]): Buffer {
  const b = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => b.writeDoubleLE(v, 8 * i));
  return b;
}

export function i4(values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeInt32LE(v, 4 * i));
  return b;
}

export function i8(values: number[]): Buffer {
  const b = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => b.writeBigInt64LE(BigInt(v), 8 * i));
  return b;
}

/** Files written by numpy 2.4 np.save (kept verbatim): float32 [[1.5, -2], [3, 4], [5, 6]] and int64 [0, 2, 1]. */
export const NUMPY_F4_3x2 = Buffer.from(
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAMA/AAAAwAAAQEAAAIBAAACgQAAAwEA=',
  'base64',
);
export const NUMPY_I8_3 = Buffer.from(
  'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAIAAAAAAAAAAQAAAAAAAAA=',
  'base64',
);

/** Runs fn, which must throw a DataError; returns it for checks on the message and file. */
export function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DataError) return err;
    throw new Error(`expected a DataError, got ${String(err)}`);
  }
  throw new Error('expected a DataError, nothing was thrown');
}

/** Asserts a DataError whose message names `file` (and `file` field) and matches `what`. */
export function expectFileError(fn: () => unknown, file: string, what: RegExp): DataError {
  const err = dataError(fn);
  expect(err.message).toContain(file);
  expect(err.file).toBe(file);
  expect(err.message).toMatch(what);
  return err;
}

import { existsSync, readFileSync, statSync } from 'node:fs';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { fileError } from './errors';

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * The most a gzipped data file may decompress to when its format announces no size (CIFAR, CSV) or the
 * announcement cannot be read: 2 GiB, more than any dataset the product reads (CIFAR-100 train is 150 MB).
 */
export const MAX_GUNZIP_BYTES = 2 * 1024 ** 3;
/** Slack allowed above the size a header announces (so a file that is a little too long still reports its size). */
export const GUNZIP_MARGIN_BYTES = 1024 * 1024;

/**
 * How a format bounds its own decompressed size: `expected` reads the first decompressed bytes (at most
 * `headBytes` of them are needed) and returns the whole file's size they announce, or null when they announce
 * nothing readable (the format's own parser then reports what is wrong).
 */
export interface SizeAnnouncement {
  headBytes: number;
  expected(head: Buffer): number | null;
  /** How the message names the announcement, e.g. "the IDX header". */
  what: string;
}

/** The first `n` decompressed bytes (fewer when the stream is shorter), without decompressing the rest. */
function gunzipHead(raw: Buffer, n: number): Buffer {
  for (const take of [4096, 65536, 1024 * 1024]) {
    let head: Buffer;
    try {
      head = gunzipSync(raw.subarray(0, take), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch {
      return Buffer.alloc(0); // the full gunzip below reports the corrupt stream
    }
    if (head.length >= n || take >= raw.length) return head.subarray(0, n);
  }
  return Buffer.alloc(0);
}

/**
 * Reads a whole local file; gunzips it when it starts with the gzip magic (whatever its name), never to more
 * than the size its header announces (`announce`) plus a margin, or MAX_GUNZIP_BYTES without one.
 * A missing file, a directory, a corrupt gzip stream or one that inflates past the bound gives a DataError
 * naming the file.
 */
export function readDataFile(file: string, announce?: SizeAnnouncement): Buffer {
  if (!existsSync(file)) throw fileError(file, 'file not found');
  if (statSync(file).isDirectory()) throw fileError(file, 'is a directory, expected a file');
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    throw fileError(file, `cannot read: ${(err as Error).message}`, err);
  }
  if (!isGzip(raw)) return raw;
  let limit = MAX_GUNZIP_BYTES;
  let because = `more than ${MAX_GUNZIP_BYTES} bytes, the most a gzipped data file may hold`;
  if (announce) {
    const expected = announce.expected(gunzipHead(raw, announce.headBytes));
    if (expected !== null && Number.isFinite(expected) && expected >= 0 && expected + GUNZIP_MARGIN_BYTES < limit) {
      limit = expected + GUNZIP_MARGIN_BYTES;
      because = `more than ${limit} bytes, but ${announce.what} announces ${expected}`;
    }
  }
  try {
    return gunzipSync(raw, { maxOutputLength: limit });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw fileError(file, `gzip data decompresses to ${because}; refusing to unpack it (a corrupt file or a gzip bomb)`, err);
    }
    throw fileError(file, `corrupt or truncated gzip data (${(err as Error).message})`, err);
  }
}

import { existsSync, readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileError } from './errors';

/** True when the bytes start with the gzip magic 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Reads a whole local file; gunzips it when it starts with the gzip magic (whatever its name).
 * A missing file, a directory, or a corrupt gzip stream gives a DataError naming the file.
 */
export function readDataFile(file: string): Buffer {
  if (!existsSync(file)) throw fileError(file, 'file not found');
  if (statSync(file).isDirectory()) throw fileError(file, 'is a directory, expected a file');
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    throw fileError(file, `cannot read: ${(err as Error).message}`, err);
  }
  if (!isGzip(raw)) return raw;
  try {
    return gunzipSync(raw);
  } catch (err) {
    throw fileError(file, `corrupt or truncated gzip data (${(err as Error).message})`, err);
  }
}

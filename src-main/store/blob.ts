import * as os from 'node:os';

const LITTLE_ENDIAN = os.endianness() === 'LE';

/** Float64 values -> little-endian bytes (a copy, independent of the input's buffer). */
export function encodeF64(data: Float64Array | readonly number[]): Buffer {
  const arr = data instanceof Float64Array ? data : Float64Array.from(data);
  if (LITTLE_ENDIAN) return Buffer.from(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
  const out = Buffer.alloc(arr.length * 8);
  for (let i = 0; i < arr.length; i++) out.writeDoubleLE(arr[i]!, i * 8);
  return out;
}

/**
 * Little-endian bytes -> a fresh Float64Array. Always copies: a Buffer from better-sqlite3 can sit at any
 * byteOffset in a shared pool, and a Float64Array view needs an 8-aligned offset.
 */
export function decodeF64(bytes: Uint8Array): Float64Array {
  if (bytes.byteLength % 8 !== 0) throw new Error(`Float64 blob has ${bytes.byteLength} bytes, not a multiple of 8`);
  const out = new Float64Array(bytes.byteLength / 8);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true);
  }
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

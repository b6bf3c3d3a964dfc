/**
 * NumPy .npy files (format versions 1.0, 2.0, 3.0):
 *   "\x93NUMPY", major, minor, header length (uint16 LE for 1.x, uint32 LE for 2.x/3.x), then an ASCII
 *   (3.x: UTF-8) Python dict literal such as {'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }
 *   padded with spaces and a newline, then the raw C-order data.
 * Only the dtypes the product reads are accepted: float32/float64 little-endian for features,
 * int32/int64 little-endian and uint8 for labels.
 */
import { fileError } from './errors';
import { readDataFile, type SizeAnnouncement } from './read-file';

export type NpyDtype = '<f4' | '<f8' | '<i4' | '<i8' | '|u1';

const ITEM_SIZE: Record<NpyDtype, number> = { '<f4': 4, '<f8': 8, '<i4': 4, '<i8': 8, '|u1': 1 };

/** Spellings numpy may write for the same dtype. */
const DTYPE_ALIASES: Record<string, NpyDtype> = {
  '<f4': '<f4',
  '<f8': '<f8',
  '<i4': '<i4',
  '<i8': '<i8',
  '|u1': '|u1',
  '<u1': '|u1',
  '>u1': '|u1',
};

export interface NpyHeader {
  version: string;
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the data in the file. */
  dataOffset: number;
}

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** The data as a view that handles alignment: read element i with `get(i)`. */
  get(i: number): number;
  length: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function parseNpyHeader(file: string, bytes: Buffer): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw fileError(file, 'not a .npy file (missing the \\x93NUMPY magic)');
  }
  const major = bytes[6];
  const minor = bytes[7];
  if (major < 1 || major > 3) throw fileError(file, `unsupported .npy format version ${major}.${minor} (1.0, 2.0 and 3.0 are read)`);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw fileError(file, 'truncated .npy header');
  const headerLen = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = 8 + lenBytes;
  const dataOffset = start + headerLen;
  if (bytes.length < dataOffset) throw fileError(file, `truncated .npy header: it claims ${headerLen} bytes, the file has ${bytes.length - start}`);
  const text = bytes.subarray(start, dataOffset).toString(major === 3 ? 'utf8' : 'latin1');

  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw fileError(file, `unreadable .npy header ${JSON.stringify(text.trim())}`);
  }
  const parts = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const shape = parts.map((s) => (/^\d+L?$/.test(s) ? parseInt(s, 10) : NaN));
  if (shape.some((v) => !Number.isSafeInteger(v))) throw fileError(file, `unreadable .npy shape (${shapeText})`);
  return { version: `${major}.${minor}`, descr, fortranOrder: fortran === 'True', shape, dataOffset };
}

/** The file size a .npy header announces (header + product of the shape x item size), or null when unreadable. */
const NPY_ANNOUNCEMENT: SizeAnnouncement = {
  headBytes: 10 + 65536,
  what: 'the .npy header',
  expected: (head) => {
    try {
      const h = parseNpyHeader('', head);
      const item = ITEM_SIZE[DTYPE_ALIASES[h.descr] ?? '<f8'];
      return h.dataOffset + h.shape.reduce((a, b) => a * b, 1) * item;
    } catch {
      return null;
    }
  },
};

/**
 * Reads a .npy file whose dtype is one of `allowed` and whose shape has `ndim` dimensions, in C order.
 * DataError (naming the file) for Fortran order, another dtype, another rank, or a data size that does not
 * match the shape.
 */
export function readNpy(file: string, allowed: readonly NpyDtype[], ndim: number): NpyArray {
  const bytes = readDataFile(file, NPY_ANNOUNCEMENT);
  const h = parseNpyHeader(file, bytes);
  if (h.fortranOrder) throw fileError(file, 'fortran_order is True; save the array in C order (np.ascontiguousarray)');
  const dtype = DTYPE_ALIASES[h.descr];
  if (dtype === undefined || !allowed.includes(dtype)) {
    throw fileError(file, `dtype '${h.descr}' is not supported here; expected one of ${allowed.map((d) => `'${d}'`).join(', ')}`);
  }
  if (h.shape.length !== ndim) {
    throw fileError(file, `shape (${h.shape.join(', ')}) has ${h.shape.length} dimensions, expected ${ndim}`);
  }
  const length = h.shape.reduce((a, b) => a * b, 1);
  const size = ITEM_SIZE[dtype];
  const dataBytes = bytes.length - h.dataOffset;
  if (dataBytes !== length * size) {
    throw fileError(
      file,
      `data is ${dataBytes} bytes but shape (${h.shape.join(', ')}) of '${h.descr}' needs ${length * size}` +
        (dataBytes < length * size ? ' (truncated file)' : ''),
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + h.dataOffset, dataBytes);
  const get: (i: number) => number =
    dtype === '<f4'
      ? (i) => view.getFloat32(4 * i, true)
      : dtype === '<f8'
        ? (i) => view.getFloat64(8 * i, true)
        : dtype === '<i4'
          ? (i) => view.getInt32(4 * i, true)
          : dtype === '<i8'
            ? (i) => Number(view.getBigInt64(8 * i, true))
            : (i) => view.getUint8(i);
  return { dtype, shape: h.shape, get, length };
}

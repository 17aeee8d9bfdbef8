import { SwpruneError } from '../errors.js';

/** A numpy array read from a `.npy` file: its data as a typed array (row-major) and its shape. */
export interface NpyArray {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly data:
    | Uint8Array
    | Int8Array
    | Uint16Array
    | Int16Array
    | Uint32Array
    | Int32Array
    | Float32Array
    | Float64Array
    | BigInt64Array
    | BigUint64Array;
}

type Ctor = { new (buffer: ArrayBuffer, byteOffset: number, length: number): NpyArray['data']; BYTES_PER_ELEMENT: number };

/** numpy's little-endian (or byte-order-free) type codes and the typed arrays that hold them. */
const DTYPES: Record<string, Ctor> = {
  '|u1': Uint8Array,
  '|i1': Int8Array,
  '|b1': Uint8Array,
  '<u2': Uint16Array,
  '<i2': Int16Array,
  '<u4': Uint32Array,
  '<i4': Int32Array,
  '<u8': BigUint64Array,
  '<i8': BigInt64Array,
  '<f4': Float32Array,
  '<f8': Float64Array,
};

const MAGIC = '\x93NUMPY';

/**
 * Parses a `.npy` file (format versions 1-3): the magic string, the version, the header length
 * (2 bytes in v1, 4 in v2/3), then a Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 28, 28), }` and the data.
 */
export function parseNpy(buf: Buffer, what: string): NpyArray {
  const fail = (m: string) => new SwpruneError('E_DATA', `${what}: ${m}`);
  if (buf.length < 10 || buf.toString('latin1', 0, 6) !== MAGIC) throw fail('not a .npy file (bad magic string); write it with numpy.save');
  const major = buf[6]!;
  if (major < 1 || major > 3) throw fail(`.npy format version ${major} is not 1, 2 or 3`);
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > buf.length) throw fail('.npy header is truncated');
  const header = buf.toString(major === 3 ? 'utf8' : 'latin1', start, start + headerLen);
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    throw fail(`unreadable .npy header ${JSON.stringify(header.trim())}`);
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw fail(`bad shape (${shapeText}) in the .npy header`);
  if (fortran === 'True') throw fail('the array is in Fortran order; save numpy.ascontiguousarray(x) instead');
  const ctor = DTYPES[descr === '<u1' || descr === '<i1' ? `|${descr.slice(1)}` : descr];
  if (!ctor) {
    throw fail(`arrays of dtype ${descr} are not read; use uint8 or float32 images and integer labels (little-endian)`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLen;
  const bytes = count * ctor.BYTES_PER_ELEMENT;
  if (buf.length - offset !== bytes)
    throw fail(
      `the header says ${count} ${descr} values (${bytes} bytes), the file holds ${buf.length - offset} bytes; the file is truncated or corrupt`,
    );
  // Copy to an aligned buffer of its own (the data may start at any byte of a pooled Buffer).
  const own = new ArrayBuffer(bytes);
  new Uint8Array(own).set(buf.subarray(offset, offset + bytes));
  return { dtype: descr, shape, data: new ctor(own, 0, count) };
}

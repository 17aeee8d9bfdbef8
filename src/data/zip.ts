import { constants as bufferConstants } from 'node:buffer';
import { inflateRawSync } from 'node:zlib';
import { SwpruneError } from '../errors.js';

/** One file in a zip archive. */
export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflated. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  /** Offset of the entry's local header. */
  readonly offset: number;
}

const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX32 = 0xffffffff;

const bad = (path: string, what: string) =>
  new SwpruneError(
    'E_DATA',
    `${path}: ${what}; the .npz file is truncated or not a zip archive (write it with numpy.savez or numpy.savez_compressed)`,
  );

/**
 * The entries of a zip archive (`.npz` files are zip archives of `.npy` files), read from its
 * central directory, with ZIP64 sizes and offsets (numpy writes ZIP64 records for large arrays).
 */
export function zipEntries(buf: Buffer, path: string): ZipEntry[] {
  // End of central directory: 22 bytes + a comment of up to 65535 bytes, at the end.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad(path, 'no zip end-of-central-directory record');
  let count = buf.readUInt16LE(eocd + 10);
  let cdOffset = buf.readUInt32LE(eocd + 16);
  if (cdOffset === MAX32 || count === 0xffff) {
    const loc = eocd - 20;
    if (loc < 0 || buf.readUInt32LE(loc) !== ZIP64_LOCATOR) throw bad(path, 'ZIP64 locator missing');
    const z = Number(buf.readBigUInt64LE(loc + 8));
    if (z + 56 > buf.length || buf.readUInt32LE(z) !== ZIP64_EOCD) throw bad(path, 'ZIP64 end record missing');
    count = Number(buf.readBigUInt64LE(z + 32));
    cdOffset = Number(buf.readBigUInt64LE(z + 48));
  }
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL) throw bad(path, `central directory entry ${k + 1} of ${count} is damaged`);
    const method = buf.readUInt16LE(p + 10);
    let compressedSize = buf.readUInt32LE(p + 20);
    let size = buf.readUInt32LE(p + 24);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let offset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    // ZIP64 extra field (id 1): the 64-bit values of those fields that read 0xffffffff, in order.
    for (let e = p + 46 + nameLen; e + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = buf.readUInt16LE(e);
      const len = buf.readUInt16LE(e + 2);
      if (id === 1) {
        let q = e + 4;
        const next = () => {
          const v = Number(buf.readBigUInt64LE(q));
          q += 8;
          return v;
        };
        if (size === MAX32) size = next();
        if (compressedSize === MAX32) compressedSize = next();
        if (offset === MAX32) offset = next();
      }
      e += 4 + len;
    }
    entries.push({ name, method, compressedSize, size, offset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** The uncompressed bytes of one entry (stored or deflated). */
export function zipRead(buf: Buffer, entry: ZipEntry, path: string): Buffer {
  const h = entry.offset;
  if (h + 30 > buf.length || buf.readUInt32LE(h) !== LOCAL) throw bad(path, `the local header of ${entry.name} is damaged`);
  const start = h + 30 + buf.readUInt16LE(h + 26) + buf.readUInt16LE(h + 28);
  if (start + entry.compressedSize > buf.length) throw bad(path, `${entry.name} ends past the end of the file`);
  const raw = buf.subarray(start, start + entry.compressedSize);
  let out: Buffer;
  if (entry.method === 0) out = raw;
  else if (entry.method === 8) {
    if (entry.size > bufferConstants.MAX_LENGTH)
      throw bad(path, `${entry.name} says it holds ${entry.size} bytes, more than one buffer holds`);
    try {
      // No further than the size the directory states: a corrupt or hostile entry that
      // inflates to gigabytes stops there instead of exhausting memory.
      out = inflateRawSync(raw, { maxOutputLength: Math.max(entry.size, 1) });
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')
        throw bad(path, `${entry.name} inflates to more than the ${entry.size} bytes its header says`);
      throw bad(path, `${entry.name} does not inflate`);
    }
  } else
    throw new SwpruneError(
      'E_DATA',
      `${path}: ${entry.name} uses zip compression method ${entry.method}; only stored (0) and deflated (8) entries are read (numpy.savez / savez_compressed write those)`,
    );
  if (out.length !== entry.size) throw bad(path, `${entry.name} holds ${out.length} bytes, its header says ${entry.size}`);
  return out;
}

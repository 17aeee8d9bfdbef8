import { existsSync } from 'node:fs';
import { constants as bufferConstants } from 'node:buffer';
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { SwpruneError } from '../errors.js';
import { readDataFile } from './read-file.js';

/** An IDX file (MNIST format): unsigned-byte data with its dimensions. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

const dataError = (what: string) => new SwpruneError('E_DATA', what);

/** Finds `name` or `name.gz` in `dir`. */
export function findIdx(dir: string, name: string): string {
  for (const candidate of [`${dir}/${name}`, `${dir}/${name}.gz`]) if (existsSync(candidate)) return candidate;
  throw dataError(
    `${dir}: ${name}(.gz) not found; expected the four MNIST-format IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte)`,
  );
}

/** The header of an IDX file: dims and where the data starts. Wrong magic, type or rank is an E_DATA error. */
function idxHeader(bytes: Uint8Array, path: string, expectedRank: number): { dims: number[]; offset: number } {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw dataError(`${path}: not an IDX file (bad magic number)`);
  if (bytes[2] !== 0x08) throw dataError(`${path}: IDX data type 0x${bytes[2]!.toString(16)} is not unsigned byte (0x08)`);
  const rank = bytes[3]!;
  if (rank !== expectedRank) throw dataError(`${path}: IDX file has ${rank} dimensions, expected ${expectedRank}`);
  if (bytes.length < 4 + 4 * rank) throw dataError(`${path}: IDX header is truncated`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { dims: Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i)), offset: 4 + 4 * rank };
}

const notGzip = (path: string) => dataError(`${path}: not a valid gzip file (truncated or corrupt); re-download or unpack it`);

/**
 * A gzipped IDX file, decompressed no further than its header says it holds: the header comes
 * from the first kilobyte (at most ~1 MB of output), so a file that inflates to gigabytes (a
 * corrupt or hostile one) stops at the stated size instead of exhausting memory.
 */
function gunzipIdx(bytes: Uint8Array, path: string, expectedRank: number): Uint8Array {
  let head: Uint8Array;
  try {
    head = gunzipSync(bytes.subarray(0, 1024), { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch {
    throw notGzip(path);
  }
  const { dims, offset } = idxHeader(head, path, expectedRank);
  const total = offset + dims.reduce((a, b) => a * b, 1);
  if (total > bufferConstants.MAX_LENGTH)
    throw dataError(
      `${path}: IDX header says ${total} bytes (dims ${dims.join('x')}), more than one buffer holds; the file is corrupt, or split the dataset`,
    );
  try {
    return gunzipSync(bytes, { maxOutputLength: Math.max(total, 1) });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw dataError(
        `${path}: decompresses to more than the ${total} bytes its IDX header describes (dims ${dims.join('x')}); the file is corrupt`,
      );
    }
    throw notGzip(path);
  }
}

/**
 * Reads an IDX file, gzipped or not: magic 0x00 0x00 0x08 (unsigned byte) + rank, then the
 * big-endian int32 dims, then the data. Wrong magic, type or size is an E_DATA error.
 */
export function readIdx(path: string, expectedRank: number): IdxArray {
  let bytes: Uint8Array = readDataFile(path);
  if (path.endsWith('.gz')) bytes = gunzipIdx(bytes, path, expectedRank);
  const { dims, offset } = idxHeader(bytes, path, expectedRank);
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - offset !== count) {
    throw dataError(
      `${path}: IDX header says ${count} bytes of data (dims ${dims.join('x')}), the file has ${bytes.length - offset}; the file is truncated or corrupt`,
    );
  }
  return { dims, data: bytes.subarray(offset) };
}

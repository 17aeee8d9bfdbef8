import { SwpruneError } from '../errors.js';
import { firstLine, readRegular } from '../regular-file.js';

/**
 * Reads a whole dataset file. Only regular files are read: a folder, device, FIFO or socket
 * where a data file should be is a one-line E_DATA error, never an EISDIR stack trace or a
 * read that does not end (/dev/zero).
 */
export function readDataFile(path: string): Buffer {
  const r = readRegular(path);
  if ('bytes' in r) return r.bytes;
  if ('error' in r) throw new SwpruneError('E_DATA', `${path}: cannot be read (${firstLine(r.error)}); check the dataset path`);
  throw new SwpruneError('E_DATA', `${path} is ${r.kind}, not a data file; pass the dataset's folder or file as the docs describe`);
}

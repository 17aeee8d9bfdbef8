import { readFileSync, statSync } from 'node:fs';
import { SwpruneError } from '../errors.js';

/**
 * Reads a whole dataset file. Only regular files are read: a folder, device, FIFO or socket
 * where a data file should be is a one-line E_DATA error, never an EISDIR stack trace or a
 * read that does not end (/dev/zero).
 */
export function readDataFile(path: string): Buffer {
  let kind = 'not a regular file';
  try {
    const st = statSync(path);
    if (st.isFile()) return readFileSync(path);
    if (st.isDirectory()) kind = 'a folder';
    else if (st.isFIFO()) kind = 'a FIFO';
    else if (st.isCharacterDevice() || st.isBlockDevice()) kind = 'a device';
  } catch (e) {
    throw new SwpruneError('E_DATA', `${path}: cannot be read (${(e as Error).message.split('\n')[0]}); check the dataset path`);
  }
  throw new SwpruneError('E_DATA', `${path} is ${kind}, not a data file; pass the dataset's folder or file as the docs describe`);
}

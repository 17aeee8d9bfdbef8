/**
 * Reading a whole file only when it is a regular file: a folder, device, FIFO or socket where a
 * file should be is reported by kind (never an EISDIR stack trace or a read of /dev/zero that
 * does not end). Shared by the dataset readers (src/data) and the model readers (src/io), which
 * word the error for their own options.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';

/** What a file system entry is, when it is not a regular file ("a folder", "a device", ...). */
export const fileKind = (st: Stats): string =>
  st.isDirectory()
    ? 'a folder'
    : st.isFIFO()
      ? 'a FIFO'
      : st.isCharacterDevice() || st.isBlockDevice()
        ? 'a device'
        : st.isSocket()
          ? 'a socket'
          : 'not a regular file';

/** The file's bytes; else its kind, or the error that stopped stat or the read. */
export function readRegular(path: string): { bytes: Buffer } | { kind: string } | { error: NodeJS.ErrnoException } {
  try {
    const st = statSync(path);
    return st.isFile() ? { bytes: readFileSync(path) } : { kind: fileKind(st) };
  } catch (e) {
    return { error: e as NodeJS.ErrnoException };
  }
}

/** The first line of an error's message (Node's can run on). */
export const firstLine = (e: Error): string => e.message.split('\n')[0]!;

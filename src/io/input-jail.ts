import { closeSync, openSync, readSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { SwpruneError } from '../errors.js';
import { fileKind, firstLine, readRegular } from '../regular-file.js';
import { isInside, realPath } from './paths.js';

/**
 * The input jail: the files a model file names (ONNX external data, tfjs weight shards) are
 * read only when they are named relative to the model's folder (an absolute path is refused:
 * ONNX requires external data locations relative to it) and resolve, after symlinks, inside
 * the model's own folder and are regular
 * files (not devices, FIFOs or folders); and only the byte ranges declared, after checking them
 * against the file's size — so a hostile model cannot read /etc/passwd or grow memory from
 * /dev/zero. Errors come from the caller's `fail` (one line, its code).
 */
export type Fail = (what: string) => SwpruneError;

/** A file a model names, checked: its real path and size. */
export interface JailedFile {
  readonly real: string;
  readonly size: number;
}

/** The real folder of the model at `modelPath` (a file). */
export const modelFolder = (modelPath: string): string => realPath(dirname(modelPath)).real;

/**
 * Resolves `name` (as written in the model) against `folder` (a real path) and checks it stays
 * inside and is a regular file.
 */
export function jailedFile(folder: string, name: string, fail: Fail): JailedFile {
  // ONNX names external data relative to the model's folder (so do tfjs manifests their shards): an absolute path is refused even when it points inside.
  if (isAbsolute(name) || /^[A-Za-z]:[\\/]|^\\/.test(name))
    throw fail(
      `"${name}", an absolute path; a model names its weight files relative to its own folder (re-export it, or write the location as a file name beside the model)`,
    );
  const at = realPath(resolve(folder, name));
  if (!isInside(at.real, folder))
    throw fail(
      `"${name}", which resolves to ${at.real}, outside the model's folder ${folder}; swprune reads weight files only inside the model's folder`,
    );
  if (!at.exists) throw fail(`"${name}", which was not found beside the model; put that file next to the model file`);
  if (!at.existingStat.isFile())
    throw fail(`"${name}", which is ${fileKind(at.existingStat)}, not a regular file; weight files must be regular files`);
  return { real: at.real, size: at.existingStat.size };
}

/** Reads `length` bytes at `offset` of a checked file; both were checked against its size by the caller. */
export function readRange(file: JailedFile, offset: number, length: number, fail: Fail): Uint8Array {
  if (!(Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= file.size)) {
    throw fail(`bytes ${offset}..${offset + length} are not within ${file.real} (${file.size} bytes)`);
  }
  const out = new Uint8Array(length);
  const fd = openSync(file.real, 'r');
  try {
    let done = 0;
    while (done < length) {
      const n = readSync(fd, out, done, length - done, offset + done);
      if (n === 0) throw fail(`${file.real} ended before byte ${offset + length} (it changed while being read)`);
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** Reads a whole file the user named, refusing anything but a regular file (a folder, a device, a FIFO). */
export function readRegularFile(path: string, fail: Fail): Buffer {
  const r = readRegular(path);
  if ('bytes' in r) return r.bytes;
  if ('error' in r) throw r.error.code === 'ENOENT' ? fail('file not found') : fail(`cannot be read (${firstLine(r.error)})`);
  throw fail(`is ${r.kind}, not a regular file`);
}

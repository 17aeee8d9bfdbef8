import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SwpruneError } from '../errors.js';
import { readDataFile } from './read-file.js';

/** Raw examples: images HWC uint8 (row after row) and labels. */
export interface RawSplit {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

const PIXELS = 32 * 32 * 3;

/**
 * CIFAR binary files: each record is the label byte(s) then 3072 bytes, channel-planar
 * (R plane, G plane, B plane). CIFAR-100 records carry coarse then fine label. Converted to
 * HWC here so every dataset has the same layout.
 */
export function readCifarFiles(paths: readonly string[], labelBytes: 1 | 2, useLabel: 0 | 1): RawSplit {
  const record = labelBytes + PIXELS;
  const buffers = paths.map((p) => {
    const b = readDataFile(p);
    if (b.length === 0 || b.length % record !== 0) {
      throw new SwpruneError(
        'E_DATA',
        `${p}: ${b.length} bytes is not a whole number of ${record}-byte CIFAR records; the file is truncated or not the binary version`,
      );
    }
    return b;
  });
  const count = buffers.reduce((n, b) => n + b.length / record, 0);
  const images = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let k = 0;
  for (const b of buffers) {
    for (let r = 0; r < b.length; r += record, k++) {
      labels[k] = b[r + useLabel]!;
      const src = r + labelBytes;
      const dst = k * PIXELS;
      for (let i = 0; i < 1024; i++) {
        images[dst + i * 3] = b[src + i]!;
        images[dst + i * 3 + 1] = b[src + 1024 + i]!;
        images[dst + i * 3 + 2] = b[src + 2048 + i]!;
      }
    }
  }
  return { images, labels, count };
}

/** The directory holding the binary files: DIR itself or DIR/<sub> (as the archives unpack). */
export function cifarDir(dir: string, firstFile: string, sub: string): string {
  if (existsSync(join(dir, firstFile))) return dir;
  if (existsSync(join(dir, sub, firstFile))) return join(dir, sub);
  throw new SwpruneError(
    'E_DATA',
    `${dir}: ${firstFile} not found (also looked in ${sub}/); pass the directory of the CIFAR binary version`,
  );
}

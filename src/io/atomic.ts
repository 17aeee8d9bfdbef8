import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { SwpruneError } from '../errors.js';

/**
 * Writes `data` to `path` atomically: first to a temporary file in the same directory, then
 * renamed over the target, so a crash or a failed write never leaves a half-written file and
 * an existing file is replaced only by a complete one.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.swprune-tmp-${process.pid}-${Date.now()}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    const reason = err instanceof Error ? err.message : String(err);
    throw new SwpruneError('E_IO', `cannot write ${path}: ${reason}; check the directory exists and is writable`);
  }
}

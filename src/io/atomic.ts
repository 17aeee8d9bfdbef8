import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { SwpruneError } from '../errors.js';
import { kernelFolderOf, realPath } from './paths.js';

/** The marker in every temporary file name: `.<name>.swprune-tmp-<pid>-<time>`. */
const TMP_MARKER = '.swprune-tmp-';

/**
 * Writes `data` to `path` atomically: first to a temporary file in the same directory, then
 * renamed over the target, so a crash or a failed write never leaves a half-written file and
 * an existing file is replaced only by a complete one. Missing folders are created, but never
 * below a file or inside a kernel file system (/proc: a recursive mkdir there never returns).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}${TMP_MARKER}${process.pid}-${Date.now()}`);
  try {
    ensureFolder(dir);
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    const reason = err instanceof Error ? err.message : String(err);
    throw new SwpruneError('E_IO', `cannot write ${path}: ${reason}; check the directory exists and is writable`);
  }
}

function ensureFolder(dir: string): void {
  const at = realPath(dir);
  const kernel = kernelFolderOf(at.real);
  if (kernel) throw new Error(`${at.real} is inside ${kernel}, a kernel file system`);
  if (!at.existingStat.isDirectory()) throw new Error(`${at.existing} is not a folder`);
  if (!at.exists) mkdirSync(at.real, { recursive: true });
}

/**
 * Removes the temporary files a killed write left beside `path` (`.<name>.swprune-tmp-<pid>-*`)
 * whose process is gone (or is this one); returns how many. Called when a run starts or resumes
 * and when it succeeds, so a kill -9 leaves no full-size copy behind for long.
 */
export function removeStaleTemps(path: string): number {
  const dir = dirname(path);
  const prefix = `.${basename(path)}${TMP_MARKER}`;
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(prefix) && !alive(Number(n.slice(prefix.length).split('-')[0])));
  } catch {
    return 0;
  }
  for (const n of names) rmSync(join(dir, n), { force: true });
  return names.length;
}

/** True when another running process has this id (its temporary file may still be in use). */
function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

import { realpathSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';

/**
 * Where a path really is, whether or not it exists yet: the real path (symlinks followed) of its
 * deepest existing part with the rest appended. The input jail and the output guard compare
 * these, so `a/../b`, `./b` and a symlink to `b` are one file.
 */
export interface RealPath {
  /** The real path of the whole (the existing part resolved, the missing rest appended). */
  readonly real: string;
  /** The deepest part that exists (real path), and its stat: the file itself when it exists. */
  readonly existing: string;
  readonly existingStat: Stats;
  /** True when the whole path exists (`existingStat` is then its own stat). */
  readonly exists: boolean;
}

export function realPath(path: string): RealPath {
  let cur = resolve(path);
  const rest: string[] = [];
  for (;;) {
    try {
      const existing = realpathSync(cur);
      const existingStat = statSync(existing);
      return { real: rest.length ? join(existing, ...rest) : existing, existing, existingStat, exists: rest.length === 0 };
    } catch {
      const up = dirname(cur);
      if (up === cur) {
        // Not even the root resolved (cannot happen on a working system): keep the path as given.
        return { real: resolve(path), existing: cur, existingStat: statSync(cur), exists: false };
      }
      rest.unshift(basename(cur));
      cur = up;
    }
  }
}

/** True when `path` (a real path) is `folder` or lies inside it. */
export function isInside(path: string, folder: string): boolean {
  return path === folder || path.startsWith(folder.endsWith(sep) ? folder : folder + sep);
}

/** Kernel file systems: their files are not files (reads never end, writes and mkdir misbehave). */
const KERNEL_FOLDERS: readonly string[] = ['/proc', '/sys', '/dev'];

/** The kernel folder `real` lies in, if any. */
export const kernelFolderOf = (real: string): string | undefined => KERNEL_FOLDERS.find((k) => isInside(real, k));

/** Same file: the same real path, or (both existing) the same device and inode (hard links). */
export function sameFile(a: RealPath, b: RealPath): boolean {
  if (a.real === b.real) return true;
  return (
    a.exists &&
    b.exists &&
    a.existingStat.dev === b.existingStat.dev &&
    a.existingStat.ino === b.existingStat.ino &&
    a.existingStat.isFile()
  );
}

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SwpruneError } from '../errors.js';
import { PathTable } from './path-table.js';

/** File name endings torchvision's ImageFolder takes as images (case-insensitive). */
const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'] as const;

/** The images of one folder of class folders, in torchvision's order, with their labels. */
export interface ClassFolder {
  readonly dir: string;
  readonly classes: readonly string[];
  readonly files: PathTable;
  readonly labels: Int32Array;
}

/**
 * Python's string order (by code point). JavaScript's `<` compares UTF-16 code units, which
 * differs only where a character outside the BMP meets one in U+E000..U+FFFF.
 */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x !== y) {
      if (x >= 0xd800 && x <= 0xdfff) x += 0x10000;
      if (y >= 0xd800 && y <= 0xdfff) y += 0x10000;
      return x - y;
    }
  }
  return a.length - b.length;
}

const isDir = (p: string) => {
  try {
    return statSync(p).isDirectory(); // follows symlinks, as os.scandir's is_dir()
  } catch {
    return false;
  }
};

const isImageName = (name: string) => {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
};

/** The class folder names of `dir`, sorted (torchvision's find_classes). */
export function classNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => isDir(join(dir, n)))
    .sort(compareCodePoints);
}

/**
 * The image files under one class folder as torchvision's make_dataset lists them: every
 * folder below it (os.walk, following links) in sorted path order, each folder's files sorted,
 * those whose name ends in an image extension.
 */
function classFiles(classDir: string): { dir: string; name: string }[] {
  const folders: { dir: string; names: string[] }[] = [];
  const walk = (dir: string) => {
    const names: string[] = [];
    for (const entry of readdirSync(dir)) {
      if (isDir(join(dir, entry))) walk(join(dir, entry));
      else names.push(entry);
    }
    folders.push({ dir, names });
  };
  walk(classDir);
  folders.sort((a, b) => compareCodePoints(a.dir, b.dir));
  return folders.flatMap((f) =>
    f.names
      .filter(isImageName)
      .sort(compareCodePoints)
      .map((name) => ({ dir: f.dir, name })),
  );
}

/**
 * Scans `dir` (a folder of class folders) with the class list `classes` (default: its own).
 * Errors (E_DATA): no class folders, a class folder without images, a class folder that is not
 * in `classes` (a class in val that training never saw).
 */
export function scanClassFolder(dir: string, classes?: readonly string[], what = dir): ClassFolder {
  const own = classNames(dir);
  if (own.length === 0) {
    throw new SwpruneError('E_DATA', `${what}: no class folders; an image folder holds one folder per class (${what}/<class>/<image>.jpg)`);
  }
  const list = classes ?? own;
  const index = new Map(list.map((c, i) => [c, i]));
  const unknown = own.filter((c) => !index.has(c));
  if (unknown.length > 0) {
    throw new SwpruneError(
      'E_DATA',
      `${what}: class folder${unknown.length > 1 ? 's' : ''} ${quoteList(unknown)} not among the ${list.length} training classes; every class in val/test needs a folder in train/`,
    );
  }
  const entries: { dir: string; name: string }[] = [];
  const labels: number[] = [];
  const empty: string[] = [];
  for (const c of own) {
    const files = classFiles(join(dir, c));
    if (files.length === 0) empty.push(c);
    for (const f of files) {
      entries.push(f);
      labels.push(index.get(c)!);
    }
  }
  if (empty.length > 0) {
    throw new SwpruneError(
      'E_DATA',
      `${what}: class folder${empty.length > 1 ? 's' : ''} ${quoteList(empty)} hold${empty.length > 1 ? '' : 's'} no images (files ending ${IMAGE_EXTENSIONS.join(' ')}); add images or remove the folder`,
    );
  }
  return { dir, classes: list, files: PathTable.from(entries), labels: Int32Array.from(labels) };
}

const quoteList = (names: readonly string[]) => {
  const shown = names
    .slice(0, 5)
    .map((n) => `"${n}"`)
    .join(', ');
  return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
};

/** Where the splits of an image folder are. */
export interface FolderLayout {
  readonly train?: string;
  /** The test split's folder; undefined: held out of the training images. */
  readonly test?: string;
}

/**
 * `DIR/train` + `DIR/val` (or `DIR/test`), the ImageNet layout; `DIR/train` alone; or DIR itself
 * a folder of class folders. A val/test folder without class folders (unlabelled) is ignored.
 */
export function folderLayout(dir: string): FolderLayout {
  const sub = (n: string) => (existsSync(join(dir, n)) && isDir(join(dir, n)) ? join(dir, n) : undefined);
  const train = sub('train');
  const test = [sub('val'), sub('test')].find((d) => d !== undefined && classNames(d).length > 0);
  if (train || test) return { train, test };
  return { train: dir };
}

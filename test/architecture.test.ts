import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from './helpers/fixtures.js';

const SRC = repoPath('src');
/** Leaf modules every folder may import, and the package entry (it exports the API). */
const FREE = new Set(['errors.ts', 'version.ts']);
const ENTRY = 'index.ts';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The folder under src/ a file belongs to ('' for files directly in src/). */
const folderOf = (file: string) => {
  const parts = relative(SRC, file).split(sep);
  return parts.length > 1 ? parts[0]! : '';
};

/**
 * file -> the files it imports (relative imports and, from bench/ and scripts/, the product as
 * `#src/<path>.js`; type-only ones included).
 */
function imports(dir = SRC): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of sources(dir)) {
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]((?:\.{1,2}|#src)\/[^'"]+)['"]/g)].map((m) =>
      m[1]!.replace(/\.js$/, '.ts'),
    );
    out.set(
      file,
      specs.map((spec) => (spec.startsWith('#src/') ? join(SRC, spec.slice(5)) : resolve(dirname(file), spec))),
    );
  }
  return out;
}

/** The folders outside src/ that import the product (benchmarks and scripts, not in the package). */
const TOOLS = ['bench', 'scripts'];

/** folder -> folders its files import (other than itself and the free leaf modules). */
function folderDependencies(): Map<string, Set<string>> {
  const deps = new Map<string, Set<string>>();
  for (const [file, targets] of imports()) {
    const from = folderOf(file);
    if (from === '') continue;
    const set = deps.get(from) ?? new Set<string>();
    deps.set(from, set);
    for (const t of targets) {
      const to = folderOf(t);
      if (to !== from && to !== '') set.add(to);
    }
  }
  for (const tool of TOOLS) {
    const set = new Set<string>();
    for (const targets of imports(repoPath(tool)).values())
      for (const t of targets) if (t.startsWith(SRC + sep) && folderOf(t) !== '') set.add(folderOf(t));
    deps.set(tool, set);
  }
  return deps;
}

/** docs/architecture.md's table: folder -> the folders its "depends on" column names. */
function documented(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const line of readFileSync(repoPath('docs/architecture.md'), 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length < 5 || !/^`(src\/|bench\/|scripts\/)/.test(cells[1]!)) continue;
    const folders = [...cells[1]!.matchAll(/`(?:src\/)?([\w-]+)\/`/g)].map((m) => m[1]!);
    const column = cells[3]!;
    for (const folder of folders) {
      // A row naming two folders gives each its own list: "`src/a/`: `x`, `y`; `src/b/`: `z`".
      const own =
        folders.length > 1
          ? (column.split(';').find((part) => part.includes(`${folder}/\``)) ?? '').replace(new RegExp(`\`(src/)?${folder}/\``), '')
          : column;
      out.set(folder, new Set([...own.matchAll(/`([\w-]+)`/g)].map((m) => m[1]!)));
    }
  }
  return out;
}

describe('docs/architecture.md matches the code', () => {
  const actual = folderDependencies();
  const docs = documented();

  it('every folder under src/, and bench/ and scripts/, has a row', () => {
    expect([...actual.keys()].filter((f) => !docs.has(f)).sort()).toEqual([]);
    expect([...docs.keys()].filter((f) => !actual.has(f)).sort()).toEqual([]);
  });

  it('names every folder, sub-folders included', () => {
    const text = readFileSync(repoPath('docs/architecture.md'), 'utf8');
    const folders = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && e.name !== '__pycache__')
        .flatMap((e) => [join(dir, e.name), ...folders(join(dir, e.name))]);
    const all = ['src', ...TOOLS]
      .flatMap((top) => [repoPath(top), ...folders(repoPath(top))])
      .map((d) => relative(repoPath('.'), d).split(sep).join('/'));
    expect(all.filter((d) => d !== 'src' && !text.includes(`\`${d}/\``)).sort()).toEqual([]);
  });

  it('keeps its table rows short (details go in the lists below the table)', () => {
    const rows = readFileSync(repoPath('docs/architecture.md'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('| `'));
    expect(rows.filter((r) => r.length > 200)).toEqual([]);
  });

  for (const [folder, deps] of actual) {
    it(`${TOOLS.includes(folder) ? '' : 'src/'}${folder}/ depends on what the table says`, () => {
      expect([...deps].sort()).toEqual([...(docs.get(folder) ?? [])].sort());
    });
  }
});

describe('layering', () => {
  const all = imports();
  const importers = (pred: (from: string, to: string) => boolean) =>
    [...all].flatMap(([file, targets]) => targets.filter((t) => pred(file, t)).map((t) => `${relative(SRC, file)} -> ${relative(SRC, t)}`));

  it('no file outside src/cli/ imports from src/cli/ (the core does not know the terminal)', () => {
    expect(importers((f, t) => folderOf(f) !== 'cli' && folderOf(t) === 'cli')).toEqual([]);
  });

  it('train imports prune one way: prune never imports train', () => {
    expect(importers((f, t) => folderOf(f) === 'prune' && folderOf(t) === 'train')).toEqual([]);
  });

  it('report never imports api (no cycle between them)', () => {
    expect(importers((f, t) => folderOf(f) === 'report' && folderOf(t) === 'api')).toEqual([]);
  });

  it('the free leaf modules import nothing of the project', () => {
    expect(importers((f) => FREE.has(relative(SRC, f)))).toEqual([]);
    expect(all.has(join(SRC, ENTRY))).toBe(true);
  });
});

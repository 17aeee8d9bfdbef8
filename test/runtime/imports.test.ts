import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoPath } from '../helpers/fixtures.js';

/**
 * swprune/runtime must load in a browser with nothing but its own files: every module reachable
 * from src/runtime/index.ts (and the worker) by a value import is inside the repository's src/
 * and imports no package; Node's modules are only imported lazily (await import('node:...')).
 */
function reachable(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const text = readFileSync(file, 'utf8');
    const specs = [...text.matchAll(/^import\s+(?!type\b)([^'"]*?)from\s+'([^']+)'/gm)]
      .filter((m) => !/^\{\s*(type\s+[^,}]+,?\s*)+\}\s*$/.test(m[1]!.trim()))
      .map((m) => m[2]!);
    seen.set(file, specs);
    for (const s of specs) if (s.startsWith('.')) visit(normalize(join(dirname(file), s.replace(/\.js$/, '.ts'))));
  };
  visit(entry);
  return seen;
}

describe('the runtime entry point', () => {
  it('imports no package (no tfjs, no protobufjs) and no Node module statically', () => {
    for (const entry of ['src/runtime/index.ts', 'src/runtime/worker.ts']) {
      const graph = reachable(repoPath(entry));
      const external = [...graph].flatMap(([file, specs]) => specs.filter((s) => !s.startsWith('.')).map((s) => `${file}: ${s}`));
      expect(external).toEqual([]);
      expect([...graph.keys()].every((f) => f.startsWith(repoPath('src/')))).toBe(true);
      expect(graph.size).toBeGreaterThan(3);
    }
  });
});

describe('the package entry points', () => {
  it('package.json exports swprune and swprune/runtime (one exports map: a duplicate key would silently drop one)', async () => {
    const text = readFileSync(repoPath('package.json'), 'utf8');
    expect(text.match(/^ {2}"exports":/gm)).toHaveLength(1);
    // Through the package's exports map (dist/, built by `prepare` and the test setup), as a user imports it.
    const entry = 'swprune/runtime';
    const runtime = (await import(entry)) as Record<string, unknown>;
    expect(typeof runtime.loadBundle).toBe('function');
    expect(typeof runtime.loadOnnxFile).toBe('function');
  });
});

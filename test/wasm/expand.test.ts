import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expandWat } from '../../src/wasm/expand.js';

const lib = mkdtempSync(join(tmpdir(), 'swprune-lib-'));
afterAll(() => rmSync(lib, { recursive: true, force: true }));
writeFileSync(join(lib, 'a.wat'), '  (func $a (i32.const {blk.f}))\n  {include b}');
writeFileSync(join(lib, 'b.wat'), '  (func $b) ;; {not expanded}');
const templates = { offsets: { blk: { f: 8 } } };

describe('expandWat, the one expansion step of every .wat source', () => {
  it('splices each library file in once, expanded with the module table', () => {
    const out = expandWat('(module\n  {include a}\n  {include b}\n)', 'm.wat', templates, `${lib}/`);
    expect(out.match(/\(func \$b\)/g)).toHaveLength(1);
    expect(out).toContain('(func $a (i32.const 8))');
    expect(out).toContain(';; {not expanded}');
  });
  it('names the source of an unknown library file or template', () => {
    expect(() => expandWat('  {include nothing}', 'm.wat', templates, `${lib}/`)).toThrow(/m\.wat: \{include nothing\}/);
    expect(() => expandWat('(i32.const {blk.g})', 'm.wat', templates, `${lib}/`)).toThrow(/m\.wat: \{blk\.g\} is no descriptor field/);
  });
});

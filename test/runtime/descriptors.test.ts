import { describe, expect, it } from 'vitest';
import { EPILOGUE_OFFSET, KERNEL_KINDS, KERNELS, OFFSET, OP, words } from '../../src/runtime/wasm/descriptors.js';
import { RUNTIME_TEMPLATES } from '../../src/runtime/wasm/source.js';
import { expandWat as expandTemplated } from '../../src/wasm/expand.js';

const expandWat = (text: string, file: string) => expandTemplated(text, file, RUNTIME_TEMPLATES);

describe('descriptors.ts, the one table between the planner and runtime.wat', () => {
  it('gives each field the next word after the op code, and op codes in table order', () => {
    for (const [i, k] of KERNEL_KINDS.entries()) {
      expect(OP[k]).toBe(i);
      const offsets = Object.values(OFFSET[k] as Record<string, number>);
      expect(offsets).toEqual(offsets.map((_, j) => 4 * (j + 1)));
      expect(words(k)).toBe(offsets.length + 1);
    }
  });

  it("holds the epilogue words in $epi's order wherever a kernel has them", () => {
    for (const k of KERNEL_KINDS) {
      const o = OFFSET[k] as Record<string, number>;
      if (!('resDelta' in KERNELS[k].fields)) continue;
      for (const [f, rel] of Object.entries(EPILOGUE_OFFSET)) expect([k, f, o[f]! - o.lo!]).toEqual([k, f, rel]);
    }
  });

  it('expands {kind.field} to its offset and {dispatch} to a branch per op code; an unknown field is an error', () => {
    expect(expandWat('(i32.load offset={conv.blocks} (local.get $d))', 'x.wat')).toBe(
      `(i32.load offset=${OFFSET.conv.blocks} (local.get $d))`,
    );
    expect(expandWat('{epilogue.resDelta}', 'x.wat')).toBe('12');
    expect(expandWat('{dispatch}', 'x.wat').match(/\(call \$/g)).toHaveLength(KERNEL_KINDS.length);
    expect(() => expandWat('offset={conv.nothing}', 'x.wat')).toThrow(/x\.wat: \{conv\.nothing\} is no descriptor field/);
    expect(() => expandWat('offset={winogradd.m}', 'x.wat')).toThrow(/no descriptor field/);
  });
});

import { describe, expect, it } from 'vitest';
import type { GraphNode } from '../../src/graph/ir.js';
import { samePads, windowOutSize, windowPads } from '../../src/graph/window.js';

/**
 * Windows counted one by one: start one every `stride` cells from the beginning of the padded
 * input; without ceil_mode keep those that fit inside it; with ceil_mode also start one while
 * the previous left cells uncovered, and (PyTorch's rule) keep none that starts in the end padding.
 */
function countWindows(
  size: number,
  padBegin: number,
  padEnd: number,
  kernel: number,
  stride: number,
  dilation: number,
  ceil: boolean,
): number {
  const padded = size + padBegin + padEnd;
  const span = (kernel - 1) * dilation + 1;
  let count = 0;
  for (let start = 0; start < padded; start += stride) {
    const fits = start + span <= padded;
    const previousShort = start > 0 && start - stride + span < padded;
    if (ceil ? (fits || previousShort) && start < size + padBegin : fits) count++;
  }
  return count;
}

const node = (attrs: GraphNode['attrs']): GraphNode => ({ name: 'w', op: 'Conv', domain: '', inputs: ['x', 'k'], outputs: ['y'], attrs });

describe('windowOutSize', () => {
  it('counts the windows of a grid of sizes, pads (at most half the window, as PyTorch requires), kernels, strides, dilations and ceil modes', () => {
    for (const size of [1, 5, 7, 28, 33])
      for (const pad of [0, 1, 2])
        for (const k of [1, 2, 3])
          for (const s of [1, 2, 3])
            for (const d of [1, 2])
              for (const ceil of [false, true]) {
                if ((k - 1) * d + 1 > size + 2 * pad || 2 * pad > (k - 1) * d + 1) continue;
                expect([size, pad, k, s, d, ceil, windowOutSize(size, pad, pad, k, s, d, ceil)]).toEqual([
                  size,
                  pad,
                  k,
                  s,
                  d,
                  ceil,
                  countWindows(size, pad, pad, k, s, d, ceil),
                ]);
              }
  });
});

describe('windowPads', () => {
  it('SAME_UPPER and SAME_LOWER give ceil(size / stride) outputs, the odd pad at the end or at the beginning', () => {
    for (const size of [1, 4, 7, 28, 33])
      for (const k of [1, 2, 3, 5])
        for (const s of [1, 2, 3])
          for (const d of [1, 2]) {
            const [b, e] = samePads(size, k, s, d);
            expect(windowOutSize(size, b, e, k, s, d, false)).toBe(Math.ceil(size / s));
            expect(e - b === 0 || e - b === 1).toBe(true);
            expect(samePads(size, k, s, d, true)).toEqual([e, b]);
            expect(windowPads(node({ auto_pad: 'SAME_UPPER' }), [size, size], [k, k], [s, s], [d, d])).toEqual([b, b, e, e]);
            expect(windowPads(node({ auto_pad: 'SAME_LOWER' }), [size, size], [k, k], [s, s], [d, d])).toEqual([e, e, b, b]);
          }
  });

  it("VALID is no padding; otherwise the node's pads, zero where absent", () => {
    expect(windowPads(node({ auto_pad: 'VALID', pads: [1, 1, 1, 1] }), [8, 8], [3, 3], [1, 1], [1, 1])).toEqual([0, 0, 0, 0]);
    expect(windowPads(node({ pads: [1, 2, 3, 4] }), [8, 8], [3, 3], [1, 1], [1, 1])).toEqual([1, 2, 3, 4]);
    expect(windowPads(node({}), [8, 8], [3, 3], [1, 1], [1, 1])).toEqual([0, 0, 0, 0]);
    expect(windowPads(node({ auto_pad: 'NOTSET', pads: [2, 2] }), [8], [3], [1], [1])).toEqual([2, 2]);
  });

  it('a 3x3 stride-1 SAME_UPPER convolution pads 1 on every side, a 2x2 one only at the end', () => {
    expect(windowPads(node({ auto_pad: 'SAME_UPPER' }), [28, 28], [3, 3], [1, 1], [1, 1])).toEqual([1, 1, 1, 1]);
    expect(windowPads(node({ auto_pad: 'SAME_UPPER' }), [28, 28], [2, 2], [1, 1], [1, 1])).toEqual([0, 0, 1, 1]);
  });
});

import { describe, expect, it } from 'vitest';
import { denseToSparse, sparseMatrix } from '../../src/wasm/sparse.js';

describe('the one sparse-matrix encoding (src/wasm/sparse.ts)', () => {
  it('writes row starts as byte offsets from the matrix, then (index, value) pairs row by row', () => {
    const bytes = denseToSparse([0, 1.5, 0, -2, 0, 0.25], 3, 2);
    const ints = new Int32Array(bytes.buffer);
    const floats = new Float32Array(bytes.buffer);
    // rows [ (1, 1.5) ], [ (1, -2) ], [ (1, 0.25) ]: 4 words of starts, then 3 pairs
    expect([...ints.slice(0, 4)]).toEqual([16, 24, 32, 40]);
    expect([ints[4], floats[5], ints[6], floats[7], ints[8], floats[9]]).toEqual([1, 1.5, 1, -2, 1, 0.25]);
    expect(bytes.length).toBe(40);
  });
  it('keeps an empty row as equal starts', () => {
    const ints = new Int32Array(sparseMatrix([[], [[8, 1]]]).buffer);
    expect([...ints.slice(0, 3)]).toEqual([12, 12, 20]);
  });
});

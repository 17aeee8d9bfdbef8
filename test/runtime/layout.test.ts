import { describe, expect, it } from 'vitest';
import { blockRange } from '../../src/runtime/plan/layout.js';

describe("a team's share of a dense convolution", () => {
  it('gives each thread a contiguous range of whole pairs of 8-channel blocks: every block once, no cache line written by two threads, as even as pairs allow', () => {
    for (let threads = 2; threads <= 4; threads++)
      for (let blocks = 1; blocks <= 130; blocks++) {
        const ranges = Array.from({ length: threads }, (_, t) => blockRange(blocks, t, threads));
        expect(ranges[0]![0]).toBe(0);
        expect(ranges.at(-1)![1]).toBe(blocks);
        for (let t = 1; t < threads; t++) {
          // Contiguous, and each boundary between two threads at a pair of blocks (64 bytes).
          expect(ranges[t]![0]).toBe(ranges[t - 1]![1]);
          expect(ranges[t]![0] % 2 === 0 || ranges[t]![0] === blocks).toBe(true);
        }
        const sizes = ranges.map(([lo, hi]) => hi - lo);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(2);
      }
  });
});

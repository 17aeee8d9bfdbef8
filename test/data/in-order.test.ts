import { describe, expect, it } from 'vitest';
import { inOrder } from '../../src/data/in-order.js';

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('inOrder: bounded read-ahead, results in order', () => {
  it('yields in index order whatever order the work finishes in, with at most `depth` started ahead', async () => {
    let running = 0;
    let most = 0;
    const start = async (i: number) => {
      running++;
      most = Math.max(most, running);
      await delay(i % 2 === 0 ? 12 : 1); // odd indices finish first
      running--;
      return i;
    };
    const out: number[] = [];
    for await (const v of inOrder(2, 12, 3, start)) out.push(v);
    expect(out).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(most).toBeLessThanOrEqual(3);
  });

  it('a consumer that stops early leaves nothing running; a failure surfaces at its turn', async () => {
    const settled: number[] = [];
    const start = async (i: number) => {
      await delay(5);
      settled.push(i);
      if (i === 4) throw new Error('bad batch 4');
      return i;
    };
    for await (const v of inOrder(0, 100, 3, start)) if (v === 1) break;
    // When 1 was yielded, 2, 3 and 4 were in flight (depth 3); all finished before the loop returned.
    expect(settled.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4]);
    const seen: number[] = [];
    await expect(async () => {
      for await (const v of inOrder(0, 10, 3, start)) seen.push(v);
    }).rejects.toThrow('bad batch 4');
    expect(seen).toEqual([0, 1, 2, 3]);
  });
});

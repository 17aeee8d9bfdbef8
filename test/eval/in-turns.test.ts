import { afterEach, describe, expect, it, vi } from 'vitest';
import { examplesPerSecond, examplesPerSecondInTurns, type BatchFunction } from '../../src/eval/run-function.js';

/**
 * Timing in turns on a fake clock: each fake function advances performance.now() by its own
 * cost per call, so the figures and the order of calls are exact.
 */
describe('examplesPerSecondInTurns', () => {
  let clock = 0;
  afterEach(() => vi.restoreAllMocks());
  const fake = (name: string, calls: string[], cost: (call: number) => number): BatchFunction => {
    let call = 0;
    return async (_x, n) => {
      calls.push(name);
      clock += cost(call++);
      return new Float32Array(n);
    };
  };

  it('alternates the functions, rotating which goes first, and gives each the median of its own calls', async () => {
    clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const calls: string[] = [];
    // a: 2 ms a call, but its 3rd timed call (after 2 warm-ups) takes 100 ms; b: 3 ms a call.
    const a = fake('a', calls, (i) => (i === 4 ? 100 : 2));
    const b = fake('b', calls, () => 3);
    const [ea, eb] = await examplesPerSecondInTurns([a, b], new Float32Array(8), 8, 0.05);
    // Warm-up in turns, then rounds ab, ba, ab, ...: never three calls of one function in a row.
    expect(calls.slice(0, 4)).toEqual(['a', 'b', 'a', 'b']);
    const rounds = calls.slice(4);
    expect(rounds.length % 2).toBe(0);
    for (let r = 0; r < rounds.length / 2; r++) expect(rounds.slice(2 * r, 2 * r + 2)).toEqual(r % 2 ? ['b', 'a'] : ['a', 'b']);
    // Budget 2 x 50 ms of fake time: rounds of 5 ms (one of 103 ms) until it is spent, at least 5.
    expect(rounds.length / 2).toBeGreaterThanOrEqual(5);
    expect(rounds.length / 2).toBeLessThan(20);
    // The outlier does not move a's median: 8 images in 2 ms and in 3 ms.
    expect(ea).toBe(4000);
    expect(eb).toBeCloseTo(8000 / 3, 9);
  });

  it('with one function is examplesPerSecond: 2 warm-ups and at least 5 timed calls', async () => {
    clock = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const calls: string[] = [];
    const eps = await examplesPerSecond(
      fake('a', calls, (i) => 1 + i),
      new Float32Array(1),
      1,
      0.001,
    );
    // Timed calls cost 3, 4, 5, 6, 7 ms: the median is 5 ms.
    expect(calls).toHaveLength(7);
    expect(eps).toBe(200);
  });
});

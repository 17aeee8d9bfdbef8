import { describe, expect, it } from 'vitest';
import { isFaster, splitFrom, Watch, type Race } from '../../src/runtime/choose.js';
import { readOnnx } from '../../src/io/onnx/index.js';
import { loadGraph } from '../../src/runtime/index.js';
import { ONNX_FIXTURES } from '../helpers/fixtures.js';

/** A clock that only the calls move: each call takes the next of its durations (repeating the last). */
function fakeRace(opts: Partial<Race> = {}) {
  let now = 0;
  const race: Race = { warmup: 3, minRounds: 5, maxRounds: 15, budgetMs: 300, margin: 0.05, now: () => now, ...opts };
  const call = (durations: readonly number[]) => {
    let i = 0;
    const f = async () => {
      now += durations[Math.min(i, durations.length - 1)]!;
      i++;
    };
    return Object.assign(f, { calls: () => i });
  };
  return { race, call };
}

describe('isFaster: the two take turns; the first must win on the median call, by the margin, and on the fastest', () => {
  it('a path that is sometimes fast but usually slow loses (the bimodal team call)', async () => {
    const { race, call } = fakeRace({ warmup: 0 });
    // a: 2 ms in 2 of 7 timed calls, else 5; b: 3.7 every time. The fastest calls alone would pick a.
    const a = call([5, 2, 5, 5, 2, 5, 5]);
    expect(await isFaster(a, call([3.7]), race)).toBe(false);
    // The other way round the usual call decides.
    expect(await isFaster(call([3.7]), call([5, 2, 5, 5, 2, 5, 5]), race)).toBe(false);
  });

  it('a clear win wins even with a few slowed calls; a win within the margin, or a tie, does not', async () => {
    const { race, call } = fakeRace({ warmup: 0 });
    expect(await isFaster(call([2, 9, 2, 2, 9, 2, 2]), call([3.7]), race)).toBe(true);
    // 4% sooner: within the 5% margin.
    expect(await isFaster(call([96]), call([100]), race)).toBe(false);
    expect(await isFaster(call([94]), call([100]), race)).toBe(true);
    expect(await isFaster(call([5]), call([5]), race)).toBe(false);
  });

  it('also needs the fastest call: a lower median with a slower best call is not reliably faster', async () => {
    const { race, call } = fakeRace({ warmup: 0 });
    // a: 8 every time; b: 10 mostly, 7 once.
    expect(await isFaster(call([8]), call([10, 7, 10, 10, 10]), race)).toBe(false);
  });

  it('runs the warm-up calls untimed (a first slow call does not count), then at least minRounds rounds and no more once the budget is spent', async () => {
    const { race, call } = fakeRace({ warmup: 2, minRounds: 3, maxRounds: 9, budgetMs: 100 });
    const a = call([1000, 1000, 40]);
    const b = call([45]);
    expect(await isFaster(a, b, race)).toBe(true);
    // 2 warm-up calls each; rounds of 85 ms: the budget of 100 ms is spent after 2, yet 3 are run.
    expect(a.calls()).toBe(5);
    expect(b.calls()).toBe(5);
    const { race: quick, call: c2 } = fakeRace({ warmup: 0, minRounds: 3, maxRounds: 9, budgetMs: 100 });
    const x = c2([1]);
    const y = c2([2]);
    await isFaster(x, y, quick);
    // Rounds of 3 ms: all 9 fit the budget.
    expect(x.calls()).toBe(9);
  });
});

describe('splitFrom: the smallest call size worth splitting between threads', () => {
  const recorder = (wins: (n: number) => boolean) => {
    const tried: number[] = [];
    return {
      tried,
      splitFaster: async (n: number) => {
        tried.push(n);
        return wins(n);
      },
    };
  };

  it('2 when splitting 2 images already wins (one race)', async () => {
    const r = recorder(() => true);
    expect(await splitFrom(r.splitFaster, 64)).toBe(2);
    expect(r.tried).toEqual([2]);
  });

  it('never (Infinity) when splitting loses even at the largest call', async () => {
    const r = recorder(() => false);
    expect(await splitFrom(r.splitFaster, 64)).toBe(Infinity);
    expect(r.tried).toEqual([2, 64]);
  });

  it('a size that won, within a quarter of the largest that lost, between', async () => {
    for (const threshold of [3, 5, 8, 13, 30, 64]) {
      const r = recorder((n) => n >= threshold);
      const got = await splitFrom(r.splitFaster, 64);
      expect(got).toBeGreaterThanOrEqual(threshold);
      const lost = Math.max(...r.tried.filter((n) => n < threshold));
      expect(got - lost).toBeLessThanOrEqual(Math.max(1, Math.floor(lost / 4)) + 1);
      expect(r.tried.length).toBeLessThanOrEqual(8);
    }
  });

  it('never with a batch of 1 (nothing to split)', async () => {
    const r = recorder(() => true);
    expect(await splitFrom(r.splitFaster, 1)).toBe(Infinity);
    expect(r.tried).toEqual([]);
  });
});

describe('the runtime follows the decision', () => {
  const graph = readOnnx(ONNX_FIXTURES.smallCnn).graph;

  it('splits calls from `split` images on, runs smaller ones on the calling thread; one thread splits nothing', async () => {
    const m = await loadGraph(graph, undefined, { threads: 2, split: 5, team: false });
    expect(m.splitFrom).toBe(5);
    expect((await m.profile(4, { reps: 1 })).mode).toBe('one thread');
    expect((await m.profile(5, { reps: 1 })).mode).toBe('split by images');
    await m.close();
    const one = await loadGraph(graph, undefined, { threads: 1 });
    expect(one.splitFrom).toBeNull();
    await one.close();
    await expect(loadGraph(graph, undefined, { threads: 2, split: 0 })).rejects.toMatchObject({
      code: 'E_USAGE',
      message: expect.stringMatching(/^split must be a positive integer, got 0$/),
    });
  });

  it('measures the split size at load when not given: a size from 2 to the batch, or none', async () => {
    const m = await loadGraph(graph, undefined, { threads: 2, batch: 16 });
    expect(m.splitFrom === null || (m.splitFrom >= 2 && m.splitFrom <= 16)).toBe(true);
    await m.close();
  });
});

describe('Watch: a load-time choice kept honest in steady use', () => {
  const opts = { probeEvery: 4, maxProbeEvery: 16, keep: 5, margin: 0.05, prove: 'a' } as const;
  /** Runs `calls` calls, each way taking its current time; returns how many ran each way. */
  const drive = (w: Watch, calls: number, ms: { a: number; b: number }) => {
    const ran = { a: 0, b: 0 };
    for (let i = 0; i < calls; i++) {
      const way = w.next();
      ran[way]++;
      w.record(way, ms[way]);
    }
    return ran;
  };

  it('starts from the race: the threads chosen only when they won it', () => {
    expect(new Watch({ a: [2, 2, 2], b: [3.7, 3.7, 3.7] }, opts).choosesA).toBe(true);
    expect(new Watch({ a: [3.6, 3.6, 3.6], b: [3.7, 3.7, 3.7] }, opts).choosesA).toBe(false);
  });

  it('with no timings yet (a split call size not raced), keeps the given choice until each way has 3 timed calls', () => {
    const w = new Watch({ a: [], b: [] }, opts, true);
    expect(w.choosesA).toBe(true);
    // The split is slower at this size: its 3rd probe of the calling thread decides.
    drive(w, 8, { a: 9, b: 3.7 });
    expect(w.choosesA).toBe(true);
    drive(w, 4, { a: 9, b: 3.7 });
    expect(w.choosesA).toBe(false);
  });

  it("a split's watch (prove: 'b') keeps the split while the calling thread does not win by the margin, and leaves it once it does", () => {
    const split = { ...opts, prove: 'b' } as const;
    // The two within the margin: a team's watch would drop the threads, a split's keeps them.
    expect(new Watch({ a: [3.6, 3.6, 3.6], b: [3.7, 3.7, 3.7] }, opts).choosesA).toBe(false);
    expect(new Watch({ a: [3.6, 3.6, 3.6], b: [3.7, 3.7, 3.7] }, split).choosesA).toBe(true);
    expect(new Watch({ a: [3.7, 3.7, 3.7], b: [3.6, 3.6, 3.6] }, split).choosesA).toBe(true);
    const w = new Watch({ a: [], b: [] }, split, true);
    drive(w, 12, { a: 9, b: 3.7 });
    expect(w.choosesA).toBe(false);
  });

  it('runs the other way once every probeEvery calls, less often while the probes confirm the choice', () => {
    const w = new Watch({ a: [2, 2, 2], b: [3.7, 3.7, 3.7] }, opts);
    // Intervals 4, 8, 16, 16, ...: 4 probes in the first 44 calls.
    expect(drive(w, 44, { a: 2, b: 3.7 })).toEqual({ a: 40, b: 4 });
    expect(w.choosesA).toBe(true);
  });

  it('falls back to the calling thread within a few calls once the threads turn slower (a busy machine), and back when they are faster again', () => {
    const w = new Watch({ a: [2, 2, 2, 2, 2], b: [3.7, 3.7, 3.7, 3.7, 3.7] }, opts);
    drive(w, 40, { a: 2, b: 3.7 });
    // The team slows to 9 ms: the median of its last 5 calls passes the calling thread's after 3.
    drive(w, 3, { a: 9, b: 3.7 });
    expect(w.choosesA).toBe(false);
    const ran = drive(w, 40, { a: 9, b: 3.7 });
    expect(w.choosesA).toBe(false);
    expect(ran.a).toBeLessThanOrEqual(4);
    // Idle again: the probes see the team win, and it is chosen again.
    drive(w, 60, { a: 2, b: 3.7 });
    expect(w.choosesA).toBe(true);
  });
});

/**
 * How a runtime with several threads runs a call, decided by measurement when it is loaded:
 * whether a call of fewer images than threads runs as a team (every thread on each layer) or
 * on the calling thread, and from which call size a batch is split by images between the
 * threads rather than run on the calling thread alone. Size rules do not say: at 32x32 and 2
 * threads a team answered one image sooner on torchvision's ResNet-18, ResNet-50 and VGG-11 and
 * later on MobileNetV2 and a CIFAR ResNet-20; splitting a call of a few small images costs more
 * in messages than it saves. The threads must win by a margin, so 2 threads are not slower
 * than 1 where the measurement could not tell them apart. The timing is injected (Race) so the
 * decisions are tested without clocks.
 */

import { median } from './profile.js';

/** How two ways of running a call are timed against each other. */
export interface Race {
  /** Untimed calls of each first: a worker's code starts unoptimized and V8 optimizes it in the background. */
  readonly warmup: number;
  readonly minRounds: number;
  readonly maxRounds: number;
  /** Rounds after minRounds stop once this many milliseconds have passed since the first timed one. */
  readonly budgetMs: number;
  /** How much sooner the median call of the first must answer: a fraction of the second's median. */
  readonly margin: number;
  /** The clock, in milliseconds. */
  now(): number;
}

export const RACE: Race = { warmup: 3, minRounds: 5, maxRounds: 15, budgetMs: 300, margin: 0.05, now: () => performance.now() };

/**
 * Whether `a` answers reliably sooner than `b`: they take turns (after `warmup` calls each; at
 * least minRounds rounds, up to maxRounds within budgetMs), and `a` wins only if its median call
 * is `margin` below b's and its fastest call is below b's fastest too. Each alone misled: the
 * fastest calls (other work on the machine only adds time) judged a team faster in loads where
 * its typical call was slower (2-thread batch-1 calls of a VGG-shaped net are bimodal, 2.1-5 ms,
 * against 3.7 on one thread); a median of a few turns moves with the load. When it is unclear,
 * `a` (the threads) loses: the calling thread alone is never slower than itself.
 */
export async function isFaster(a: () => Promise<unknown>, b: () => Promise<unknown>, race: Race = RACE): Promise<boolean> {
  return wins(await raceTimes(a, b, race), race.margin);
}

/** The timed calls of isFaster's race (milliseconds, in turn order). */
export async function raceTimes(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  race: Race = RACE,
): Promise<{ a: number[]; b: number[] }> {
  const time = async (call: () => Promise<unknown>) => {
    const t0 = race.now();
    await call();
    return race.now() - t0;
  };
  for (let i = 0; i < race.warmup; i++) {
    await a();
    await b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  const started = race.now();
  for (let round = 0; round < race.maxRounds && (round < race.minRounds || race.now() - started < race.budgetMs); round++) {
    ta.push(await time(a));
    tb.push(await time(b));
  }
  return { a: ta, b: tb };
}

/** isFaster's rule on timed calls: a's median `margin` below b's, and a's fastest below b's fastest. */
const wins = (t: { a: readonly number[]; b: readonly number[] }, margin: number): boolean =>
  t.a.length > 0 && t.b.length > 0 && median(t.a) < (1 - margin) * median(t.b) && Math.min(...t.a) < Math.min(...t.b);

/** How a Watch samples the way it did not choose. */
export interface WatchOptions {
  /** Calls between two runs of the other way, at first and after a switch. */
  readonly probeEvery: number;
  /** The interval doubles each time a probe confirms the choice, up to this. */
  readonly maxProbeEvery: number;
  /** Timed calls of each way kept (the most recent). */
  readonly keep: number;
  readonly margin: number;
  /**
   * Which way must prove itself: 'a' (a team, whose calls can turn slow) runs only while it wins
   * by isFaster's rule; 'b': a stays chosen until the calling thread wins by that rule (a batch
   * split by images, faster wherever its race put it, whose wrongful fallback costs a whole
   * thread's share of every call, against a few percent for a wrongful split).
   */
  readonly prove: 'a' | 'b';
}

/** Timed calls of each way a Watch needs before its own timings decide. */
const MIN_EACH = 3;

export const WATCH: WatchOptions = { probeEvery: 16, maxProbeEvery: 256, keep: 7, margin: RACE.margin, prove: 'a' };
/** A split's watch: the split stays until the calling thread is faster (by the same rule). */
export const SPLIT_WATCH: WatchOptions = { ...WATCH, prove: 'b' };

/**
 * A load-time choice between two ways of running a call (`a`, the threads: a team, or a batch
 * split by images; `b`, the calling thread alone), kept honest in steady use: a machine that was idle when the runtime was loaded
 * may not stay so, and a team waits for its slowest thread (measured on a busy machine: a
 * VGG-shaped net's team calls took 8-17 ms where one thread took 3.4-8). The way chosen runs
 * every call but every `probeEvery`-th, which runs the other; the last `keep` calls of each,
 * starting from the race's, decide by isFaster's rule which way is chosen (a, only while it wins
 * by the margin). A probe that confirms the choice doubles the interval (up to maxProbeEvery),
 * so a settled choice costs about one call in 256 on the slower way.
 */
export class Watch {
  private readonly times: { a: number[]; b: number[] };
  private useA: boolean;
  private every: number;
  private since = 0;

  /**
   * `seed`: timed calls of each way (a race's); `start`: the choice until each way has
   * MIN_EACH timed calls (a choice made by other means, say splitFrom's races at other sizes).
   */
  constructor(
    seed: { a: readonly number[]; b: readonly number[] },
    private readonly opts: WatchOptions = WATCH,
    start = false,
  ) {
    this.times = { a: seed.a.slice(-opts.keep), b: seed.b.slice(-opts.keep) };
    this.useA = this.decided() ? this.aWins() : start;
    this.every = opts.probeEvery;
  }

  /** Whether a is the choice on the timed calls kept (the way that must prove itself wins by isFaster's rule). */
  private aWins(): boolean {
    const { a, b } = this.times;
    return this.opts.prove === 'a' ? wins(this.times, this.opts.margin) : !wins({ a: b, b: a }, this.opts.margin);
  }

  /** Whether each way has enough timed calls to decide on. */
  private decided(): boolean {
    return this.times.a.length >= MIN_EACH && this.times.b.length >= MIN_EACH;
  }

  /** Whether the way chosen now is `a`. */
  get choosesA(): boolean {
    return this.useA;
  }

  /** Which way the next call runs: 'a' or 'b'. */
  next(): 'a' | 'b' {
    this.since++;
    const probe = this.since >= this.every;
    return this.useA !== probe ? 'a' : 'b';
  }

  /** A call's time (ms) on the way next() gave; may change the choice. */
  record(way: 'a' | 'b', ms: number): void {
    const list = this.times[way];
    list.push(ms);
    if (list.length > this.opts.keep) list.shift();
    const probed = (way === 'a') !== this.useA;
    const decided = this.decided();
    const useA = decided ? this.aWins() : this.useA;
    if (useA !== this.useA) {
      this.useA = useA;
      this.every = this.opts.probeEvery;
    } else if (probed && decided) this.every = Math.min(2 * this.every, this.opts.maxProbeEvery);
    if (probed) this.since = 0;
  }
}

/**
 * The smallest call size from which splitting by images is faster than the calling thread
 * alone; Infinity when it is not faster even at `most` images. `splitFaster(n)` races the two
 * on calls of n images. Splitting costs a fixed time per call (messages, copies) and gains a
 * share of the work, which grows with n: so tried at 2 first (the smallest split; networks
 * with milliseconds of work per image win there, one race), then at `most`, then at the
 * geometric middle of the range between the largest size that lost and the smallest that won
 * until it is within a quarter of the former.
 */
export async function splitFrom(splitFaster: (n: number) => Promise<boolean>, most: number): Promise<number> {
  let lo = 2;
  if (lo > most) return Infinity;
  if (await splitFaster(lo)) return lo;
  let hi = most;
  if (!(await splitFaster(hi))) return Infinity;
  // lo loses, hi wins.
  while (hi - lo > Math.max(1, Math.floor(lo / 4))) {
    const mid = Math.floor(Math.sqrt(lo * hi));
    if (mid <= lo || mid >= hi) break;
    if (await splitFaster(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * How a runtime with several threads runs a call, decided by measurement when it is loaded:
 * whether a call of fewer images than threads runs as a team (every thread on each layer) or
 * on the calling thread, and from which call size a batch is split by images between the
 * threads rather than run on the calling thread alone. Size rules do not say: at 32x32 and 2
 * threads a team answered one image sooner on torchvision's ResNet-18, ResNet-50 and VGG-11 and
 * later on MobileNetV2 and a CIFAR ResNet-20; splitting a call of a few small images costs more
 * in messages than it saves. So 2 threads are never slower than 1 by more than the noise of
 * the measurement. The timing is injected (Race) so the decisions are tested without clocks.
 */

/** How two ways of running a call are timed against each other. */
export interface Race {
  /** Untimed calls of each first: a worker's code starts unoptimized and V8 optimizes it in the background. */
  readonly warmup: number;
  readonly minRounds: number;
  readonly maxRounds: number;
  /** Rounds after minRounds stop once this many milliseconds have passed since the first timed one. */
  readonly budgetMs: number;
  /** The clock, in milliseconds. */
  now(): number;
}

export const RACE: Race = { warmup: 3, minRounds: 3, maxRounds: 9, budgetMs: 200, now: () => performance.now() };

/**
 * Whether `a` answers sooner than `b`: they take turns (after `warmup` calls each; at least
 * minRounds rounds, up to maxRounds within budgetMs) and the fastest call of each is compared:
 * other work on the machine only ever adds time (timed one after the other, a VGG-shaped net
 * that runs 1.5x faster as a team was judged slower in 1 of 3 loads).
 */
export async function isFaster(a: () => Promise<unknown>, b: () => Promise<unknown>, race: Race = RACE): Promise<boolean> {
  const time = async (call: () => Promise<unknown>) => {
    const t0 = race.now();
    await call();
    return race.now() - t0;
  };
  for (let i = 0; i < race.warmup; i++) {
    await a();
    await b();
  }
  let best = { a: Infinity, b: Infinity };
  const started = race.now();
  for (let round = 0; round < race.maxRounds && (round < race.minRounds || race.now() - started < race.budgetMs); round++) {
    best = { a: Math.min(best.a, await time(a)), b: Math.min(best.b, await time(b)) };
  }
  return best.a < best.b;
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

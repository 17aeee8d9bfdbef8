/**
 * Seeded pseudo-random numbers (mulberry32): deterministic shuffles and augmentation, so a
 * run resumed from a checkpoint sees exactly the batches the uninterrupted run would have.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed derived from (seed, epoch, stream) so each epoch and purpose gets its own sequence. */
export function deriveSeed(seed: number, epoch: number, stream = 0): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const v of [epoch, stream]) {
    h = Math.imul(h ^ (v >>> 0), 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
  }
  return h >>> 0;
}

/** The permutation 0..n-1 shuffled by Fisher-Yates with `random`. */
export function permutation(n: number, random: () => number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

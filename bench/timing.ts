import * as tf from '@tensorflow/tfjs';

/** Median wall time (ms) of `f` over `reps` runs after 2 warm-up runs. */
export function medianMs(f: () => void, reps: number): number {
  f();
  f();
  const ts = Array.from({ length: reps }, () => {
    const t0 = performance.now();
    f();
    return performance.now() - t0;
  }).sort((a, b) => a - b);
  return ts[Math.floor(reps / 2)]!;
}

/**
 * medianMs of a tensor computation, every output read back and then disposed. The outputs are
 * read outside tf.tidy: a typed array returned from tidy is walked element by element looking
 * for tensors, which once made timings here 20x too slow.
 */
export function tensorMs(f: () => tf.Tensor | tf.Tensor[], reps: number): number {
  return medianMs(() => {
    const r = tf.tidy(f);
    for (const t of Array.isArray(r) ? r : [r]) t.dataSync();
    tf.dispose(r);
  }, reps);
}

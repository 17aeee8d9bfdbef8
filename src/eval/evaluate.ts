import * as tf from '@tensorflow/tfjs';
import type { Split } from '../data/split.js';
import type { CompiledModel } from '../exec/compile.js';

export interface EvalResult {
  readonly accuracy: { readonly top1: number; readonly top5: number };
  /** Mean cross-entropy of the logits. */
  readonly loss: number;
  readonly examples: number;
}

export interface EvalOptions {
  readonly batchSize: number;
  readonly limit?: number;
  /** Called after each batch with examples done so far. */
  readonly onBatch?: (done: number, total: number) => void;
}

/**
 * Top-1/top-5 accuracy and mean cross-entropy on a split, in inference mode. Per batch: one
 * forward pass and a handful of tensor ops (top-k, compare, sums); one read-back per batch.
 */
export function evaluate(model: CompiledModel, split: Split, opts: EvalOptions): EvalResult {
  const total = split.size(opts.limit);
  let top1 = 0;
  let top5 = 0;
  let lossSum = 0;
  let done = 0;
  for (const batch of split.batches({ batchSize: opts.batchSize, limit: opts.limit })) {
    const sums = tf.tidy(() => {
      const logits = model.forward(batch.x);
      const classes = logits.shape[1];
      const k = Math.min(5, classes);
      const { indices } = tf.topk(logits, k);
      const hits = tf.cast(tf.equal(indices, tf.expandDims(batch.y, 1)), 'float32');
      const first = tf.sum(tf.slice(hits, [0, 0], [-1, 1]));
      const anyK = tf.sum(hits);
      const logp = tf.logSoftmax(logits);
      const picked = tf.sum(tf.mul(logp, tf.oneHot(batch.y, classes)));
      return tf.stack([first, anyK, tf.neg(picked)]);
    });
    const [a, b, c] = sums.dataSync();
    tf.dispose([sums, batch.x, batch.y]);
    top1 += a!;
    top5 += b!;
    lossSum += c!;
    done += batch.size;
    opts.onBatch?.(done, total);
  }
  return { accuracy: { top1: top1 / done, top5: top5 / done }, loss: lossSum / done, examples: done };
}

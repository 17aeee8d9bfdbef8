import * as tf from '@tensorflow/tfjs';
import type { Batch, DataSplit } from '../data/split.js';
import { threadCount } from '../backend/threads.js';
import { SwpruneError } from '../errors.js';
import type { CompiledModel } from '../exec/compile.js';
import type { ProgressSink, ProgressTask } from './progress.js';
import { evaluateRun } from './run-function.js';
import { runtimeForModel } from './through-runtime.js';

/** Fractions of test examples whose label is the top-scoring class / among the top five. */
export interface Accuracy {
  readonly top1: number;
  readonly top5: number;
}

export interface EvalResult {
  readonly accuracy: Accuracy;
  /** Mean cross-entropy of the logits. */
  readonly loss: number;
  readonly examples: number;
}

export interface EvalOptions {
  readonly batchSize: number;
  readonly limit?: number;
  /** Progress events of this task go to `sink`: one per batch, then a finished one with top-1. */
  readonly progress?: { readonly task: ProgressTask; readonly sink: ProgressSink };
  /**
   * 'auto' (the default): through the deployment runtime when it runs the network
   * (through-runtime.ts, on the kernel thread count), else the executor; 'executor': always
   * the executor (what `report` compares the bundle with).
   */
  readonly engine?: 'auto' | 'executor';
}

/**
 * Top-1/top-5 accuracy and mean cross-entropy on a split, in inference mode. Per batch: one
 * forward pass and a handful of tensor ops (top-k, compare, sums); one read-back per batch.
 */
export async function evaluate(model: CompiledModel, split: DataSplit, opts: EvalOptions): Promise<EvalResult> {
  const runtime = opts.engine === 'executor' ? undefined : await runtimeForModel(model, threadCount());
  if (runtime) {
    try {
      const { accuracy, loss, examples } = await evaluateRun(runtime.run, runtime.outputShape.at(-1)!, split, {
        ...opts,
        layout: runtime.inputLayout,
      });
      return { accuracy, loss, examples };
    } finally {
      await runtime.close();
    }
  }
  const total = split.size(opts.limit);
  let top1 = 0;
  let top5 = 0;
  let lossSum = 0;
  let done = 0;
  for await (const batch of split.batches({ batchSize: opts.batchSize, limit: opts.limit })) {
    const sums = tf.tidy(() => {
      const { x, y } = batchTensors(batch);
      const logits = model.forward(x);
      const classes = logits.shape[1];
      const k = Math.min(5, classes);
      const { indices } = tf.topk(logits, k);
      const hits = tf.cast(tf.equal(indices, tf.expandDims(y, 1)), 'float32');
      const first = tf.sum(tf.slice(hits, [0, 0], [-1, 1]));
      const anyK = tf.sum(hits);
      const logp = tf.logSoftmax(logits);
      const picked = tf.sum(tf.mul(logp, tf.oneHot(y, classes)));
      return tf.stack([first, anyK, tf.neg(picked)]);
    });
    const [a, b, c] = sums.dataSync();
    sums.dispose();
    top1 += a!;
    top5 += b!;
    lossSum += c!;
    done += batch.size;
    opts.progress?.sink({ kind: 'progress', task: opts.progress.task, done, total, finished: false });
  }
  if (done === 0) throw new SwpruneError('E_DATA', 'the test split has no examples; pass a dataset with test images');
  const result = { accuracy: { top1: top1 / done, top5: top5 / done }, loss: lossSum / done, examples: done };
  opts.progress?.sink({ kind: 'progress', task: opts.progress.task, done, total, finished: true, top1: result.accuracy.top1 });
  return result;
}

/** A batch as tensors: images [N, H, W, C] float32 and labels int32. The caller disposes them. */
export function batchTensors(batch: Batch): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const { height, width, channels } = batch.shape;
  return { x: tf.tensor4d(batch.x, [batch.size, height, width, channels]), y: tf.tensor1d(batch.y, 'int32') };
}

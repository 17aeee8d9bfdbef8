/**
 * Accuracy and speed of any batch function on plain arrays — the deployment runtime's
 * `run` (src/runtime) — with no tensors: the same figures `evaluate` gives for the executor.
 */
import type { Batch, DataSplit } from '../data/split.js';
import { SwpruneError } from '../errors.js';
import type { EvalResult } from './evaluate.js';
import type { ProgressSink, ProgressTask } from './progress.js';

/** n images in, n * classes logits out. */
export type BatchFunction = (input: Float32Array, n: number) => Promise<Float32Array>;

export interface RunEvalOptions {
  readonly batchSize: number;
  readonly limit?: number;
  /** The layout the function takes its images in (the data arrives NHWC). */
  readonly layout: 'NCHW' | 'NHWC';
  readonly progress?: { readonly task: ProgressTask; readonly sink: ProgressSink };
}

/** NHWC images to the layout the function takes (a copy; NCHW for one channel is the same order). */
function toLayout(batch: Batch, layout: 'NCHW' | 'NHWC'): Float32Array {
  const { height: H, width: W, channels: C } = batch.shape;
  if (layout === 'NHWC' || C === 1) return batch.x;
  const out = new Float32Array(batch.x.length);
  const per = H * W * C;
  for (let n = 0; n < batch.size; n++) {
    for (let p = 0; p < H * W; p++) for (let c = 0; c < C; c++) out[n * per + c * H * W + p] = batch.x[n * per + p * C + c]!;
  }
  return out;
}

/** Counts, over one batch of logits: label at rank 1, within the first five, and the summed cross-entropy. */
function scoreLogits(logits: Float32Array, labels: Int32Array, classes: number): { top1: number; top5: number; loss: number } {
  let top1 = 0;
  let top5 = 0;
  let loss = 0;
  for (let i = 0; i < labels.length; i++) {
    const row = logits.subarray(i * classes, (i + 1) * classes);
    const label = labels[i]!;
    const mine = row[label]!;
    // Rank of the label: classes scoring higher, ties broken towards the lower index (as top-k).
    let rank = 0;
    let max = -Infinity;
    for (let c = 0; c < classes; c++) {
      if (row[c]! > mine || (row[c] === mine && c < label)) rank++;
      if (row[c]! > max) max = row[c]!;
    }
    if (rank === 0) top1++;
    if (rank < 5) top5++;
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(row[c]! - max);
    loss += Math.log(sum) + max - mine;
  }
  return { top1, top5, loss };
}

/** Top-1/top-5 accuracy and mean cross-entropy of `run` on a split, with the seconds spent inside `run`. */
export async function evaluateRun(
  run: BatchFunction,
  classes: number,
  split: DataSplit,
  opts: RunEvalOptions,
): Promise<EvalResult & { readonly seconds: number }> {
  const total = split.size(opts.limit);
  let [top1, top5, loss, done, ms] = [0, 0, 0, 0, 0];
  for await (const batch of split.batches({ batchSize: opts.batchSize, limit: opts.limit })) {
    const x = toLayout(batch, opts.layout);
    const t0 = performance.now();
    const logits = await run(x, batch.size);
    ms += performance.now() - t0;
    const s = scoreLogits(logits, batch.y, classes);
    top1 += s.top1;
    top5 += s.top5;
    loss += s.loss;
    done += batch.size;
    opts.progress?.sink({ kind: 'progress', task: opts.progress.task, done, total, finished: false });
  }
  if (done === 0) throw new SwpruneError('E_DATA', 'the test split has no examples; pass a dataset with test images');
  const result = { accuracy: { top1: top1 / done, top5: top5 / done }, loss: loss / done, examples: done, seconds: ms / 1000 };
  opts.progress?.sink({ kind: 'progress', task: opts.progress.task, done, total, finished: true, top1: result.accuracy.top1 });
  return result;
}

/** Examples per second of `run` on batches of n images of `input` (median of timed calls after warm-up, about `seconds` in all). */
export async function examplesPerSecond(run: BatchFunction, input: Float32Array, n: number, seconds = 1): Promise<number> {
  return (await examplesPerSecondInTurns([run], input, n, seconds))[0]!;
}

/**
 * Examples per second of each of `runs` on batches of n images of the same `input`, timed in
 * turns: two warm-up calls each, then rounds of one timed call each (the first call of a round
 * rotating through the functions, so none always runs right after another one), at least 5
 * rounds and about `seconds` per function in all; each figure is the median of its own calls.
 * A machine whose speed drifts (other work, clocks) then slows every function alike, where
 * measuring them one after the other would put the drift into their ratio.
 */
export async function examplesPerSecondInTurns(
  runs: readonly BatchFunction[],
  input: Float32Array,
  n: number,
  seconds = 1,
): Promise<number[]> {
  for (let i = 0; i < 2; i++) for (const run of runs) await run(input, n);
  const times = runs.map((): number[] => []);
  const budget = seconds * 1000 * runs.length;
  const start = performance.now();
  for (let round = 0; round < 5 || (performance.now() - start < budget && round < 1000); round++) {
    for (let k = 0; k < runs.length; k++) {
      const f = (round + k) % runs.length;
      const t0 = performance.now();
      await runs[f]!(input, n);
      times[f]!.push(performance.now() - t0);
    }
  }
  return times.map((t) => (1000 * n) / median(t));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

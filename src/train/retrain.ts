import type { Dataset } from '../data/dataset.js';
import type { CompiledModel } from '../exec/compile.js';
import type { TextSink } from '../cli/io.js';
import { createProgress } from '../cli/progress.js';
import { evaluate, type EvalResult } from '../eval/evaluate.js';
import type { TrainingOptions } from './config.js';
import { learningRate, type LrSchedule } from './lr-schedule.js';
import type { Optimizer } from './optimizer.js';
import { trainEpoch, type EpochResult } from './train-epoch.js';

/**
 * Retraining one stage: `epochs` epochs with progress, an evaluation before and after, and a
 * callback after every epoch (the caller checkpoints there). Shared by step 1 and step 2.
 */
export interface StageTraining {
  readonly model: CompiledModel;
  readonly dataset: Dataset;
  readonly optimizer: Optimizer;
  readonly training: TrainingOptions;
  readonly schedule: LrSchedule;
  readonly stage: number;
  readonly stages: number;
  /** First epoch to run (resuming). */
  readonly startEpoch: number;
  readonly log: TextSink;
  readonly afterEpoch: (epoch: number, result: EpochResult) => void;
}

export async function trainStage(s: StageTraining): Promise<EpochResult[]> {
  const { training: t } = s;
  const stepsPerEpoch = s.dataset.train.numBatches(t.batchSize, t.limit);
  const results: EpochResult[] = [];
  for (let e = s.startEpoch; e < t.epochs; e++) {
    const total = s.dataset.train.size(t.limit);
    const progress = createProgress(s.log, { label: `stage ${s.stage + 1}/${s.stages} epoch ${e + 1}/${t.epochs}`, total });
    const start = performance.now();
    const r = await trainEpoch(s.model, s.dataset.train, s.optimizer, {
      batchSize: t.batchSize,
      seed: t.seed,
      // Each stage and epoch sees its own shuffle.
      epoch: s.stage * 1000 + e,
      limit: t.limit,
      augment: t.augment,
      lr: (i) => learningRate(t.lr, s.schedule, e * stepsPerEpoch + i, stepsPerEpoch, t.epochs * stepsPerEpoch),
      onBatch: (done, _total, loss) => progress.update(done, `loss ${loss.toFixed(4)}  ${(done / ((performance.now() - start) / 1000)).toFixed(0)} ex/s`),
    });
    progress.finish(`loss ${r.loss.toFixed(4)}  ${(r.examples / r.seconds).toFixed(0)} ex/s`);
    results.push(r);
    s.afterEpoch(e, r);
  }
  return results;
}

/** Test-split accuracy (the first `limit` examples, default all) in inference mode, with a short progress line. */
export async function testAccuracy(model: CompiledModel, dataset: Dataset, batchSize: number, log: TextSink, label: string, limit?: number): Promise<EvalResult> {
  const progress = createProgress(log, { label, total: dataset.test.size(limit), logEvery: 1 });
  const r = await evaluate(model, dataset.test, { batchSize: Math.max(batchSize, 256), limit, onBatch: (d) => progress.update(d) });
  progress.finish(`top-1 ${(100 * r.accuracy.top1).toFixed(2)}%`);
  return r;
}

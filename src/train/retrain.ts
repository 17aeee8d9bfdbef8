import type { Dataset } from '../data/dataset.js';
import type { CompiledModel } from '../exec/compile.js';
import type { ProgressSink } from '../eval/progress.js';
import type { StagePlan, TrainingSettings } from './config.js';
import { learningRate, type LrSchedule } from './lr-schedule.js';
import type { Optimizer } from './optimizer.js';
import { trainEpoch, type EpochResult } from './train-epoch.js';

/**
 * Retraining one stage: `epochs` epochs reported as progress events, and a callback after every
 * epoch (the caller checkpoints there). Shared by step 1 and step 2.
 */
export interface StageTraining {
  readonly model: CompiledModel;
  readonly dataset: Dataset;
  readonly optimizer: Optimizer;
  readonly training: TrainingSettings;
  readonly schedule: LrSchedule;
  /** The stage's epochs and learning rate; its 0-based index and the number of stages. */
  readonly plan: StagePlan;
  readonly stage: number;
  readonly stages: number;
  /** First epoch to run (resuming). */
  readonly startEpoch: number;
  readonly sink: ProgressSink;
  /** The stage's masks and gradient scales (ONNX layout; the scale is the mask where the pruner has none): what an engine outside this process needs. */
  readonly masks: ReadonlyMap<string, Uint8Array>;
  readonly gradScales: ReadonlyMap<string, Float32Array>;
  readonly afterEpoch: (epoch: number, result: EpochResult) => void;
}

export async function trainStage(s: StageTraining): Promise<EpochResult[]> {
  const { training: t, plan } = s;
  const stepsPerEpoch = s.dataset.train.numBatches(t.batchSize, t.limit);
  const total = s.dataset.train.size(t.limit);
  const results: EpochResult[] = [];
  for (let e = s.startEpoch; e < plan.epochs; e++) {
    const task = { kind: 'train', stage: s.stage + 1, stages: s.stages, epoch: e + 1, epochs: plan.epochs } as const;
    const start = performance.now();
    const r = await trainEpoch(s.model, s.dataset.train, s.optimizer, {
      batchSize: t.batchSize,
      seed: t.seed,
      // Each stage and epoch sees its own shuffle.
      epoch: s.stage * 1000 + e,
      limit: t.limit,
      augment: t.augment,
      lr: (i) => learningRate(plan.lr, s.schedule, e * stepsPerEpoch + i, stepsPerEpoch, plan.epochs * stepsPerEpoch),
      onBatch: (done, _total, loss) =>
        s.sink({
          kind: 'progress',
          task,
          done,
          total,
          finished: false,
          loss,
          examplesPerSecond: done / ((performance.now() - start) / 1000),
        }),
    });
    s.sink({ kind: 'progress', task, done: r.examples, total, finished: true, loss: r.loss, examplesPerSecond: r.examples / r.seconds });
    results.push(r);
    s.afterEpoch(e, r);
  }
  return results;
}

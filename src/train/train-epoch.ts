import * as tf from '@tensorflow/tfjs';
import { SwpruneError } from '../errors.js';
import type { DataSplit } from '../data/split.js';
import { batchTensors } from '../eval/evaluate.js';
import type { CompiledModel } from '../exec/compile.js';
import { deriveSeed } from '../data/rng.js';
import type { Optimizer } from './optimizer.js';

export interface EpochOptions {
  readonly batchSize: number;
  readonly seed: number;
  readonly epoch: number;
  readonly limit?: number;
  readonly augment: boolean;
  /** Learning rate for the i-th step of this epoch. */
  readonly lr: (stepInEpoch: number) => number;
  readonly onBatch?: (done: number, total: number, loss: number) => void;
}

export interface EpochResult {
  readonly loss: number;
  readonly examples: number;
  readonly seconds: number;
}

/**
 * One epoch of training: per batch, one forward/backward pass (tf.variableGrads over the
 * trainable variables) and one optimizer step. The loss is read back once per batch, which is
 * also where divergence is caught: a NaN/inf loss stops with E_TRAIN before the step is applied;
 * NaN/inf weights (a finite but exploding loss) are caught at the end of the epoch, before the
 * caller checkpoints it.
 */
export async function trainEpoch(model: CompiledModel, split: DataSplit, optimizer: Optimizer, opts: EpochOptions): Promise<EpochResult> {
  const start = performance.now();
  const vars = [...model.trainable.values()];
  const byVarName = new Map([...model.trainable].map(([param, v]) => [v.name, param]));
  const total = split.size(opts.limit);
  let done = 0;
  let lossSum = 0;
  let step = 0;
  for await (const data of split.batches({
    batchSize: opts.batchSize,
    shuffle: true,
    seed: opts.seed,
    epoch: opts.epoch,
    limit: opts.limit,
    augment: opts.augment,
  })) {
    const batch = { ...batchTensors(data), size: data.size };
    const { value, grads } = tf.variableGrads(() => {
      const logits = model.forward(batch.x, { training: true, seed: deriveSeed(opts.seed, opts.epoch, 2000 + step) });
      return tf.losses.softmaxCrossEntropy(tf.oneHot(batch.y, logits.shape[1]), logits) as tf.Scalar;
    }, vars);
    const loss = value.dataSync()[0]!;
    if (!Number.isFinite(loss)) {
      tf.dispose([value, batch.x, batch.y, ...Object.values(grads)]);
      throw new SwpruneError('E_TRAIN', `training diverged: the loss became ${loss} at epoch ${opts.epoch + 1}, batch ${step + 1}`);
    }
    optimizer.step(new Map(Object.entries(grads).map(([vn, g]) => [byVarName.get(vn)!, g])), opts.lr(step));
    tf.dispose([value, batch.x, batch.y, ...Object.values(grads)]);
    step++;
    done += batch.size;
    lossSum += loss * batch.size;
    opts.onBatch?.(done, total, lossSum / done);
  }
  const broken = nonFiniteVariable(model);
  if (broken)
    throw new SwpruneError('E_TRAIN', `training diverged: the weights of ${broken} became NaN or infinite in epoch ${opts.epoch + 1}`);
  return { loss: lossSum / done, examples: done, seconds: (performance.now() - start) / 1000 };
}

/** The first trainable parameter holding a NaN or infinity (one read-back for all). */
function nonFiniteVariable(model: CompiledModel): string | undefined {
  const names = [...model.trainable.keys()];
  const flags = tf.tidy(() => tf.stack([...model.trainable.values()].map((v) => tf.any(tf.logicalNot(tf.isFinite(v))))).dataSync());
  const i = flags.findIndex((f) => f !== 0);
  return i < 0 ? undefined : names[i];
}

import type { Accuracy } from '../eval/evaluate.js';
import type { ProgressEvent } from '../eval/progress.js';
import type { Message } from '../errors.js';
import type { Allocation, LayerSparsity } from '../prune/pruner.js';

/**
 * What the training layer reports while it works, as data: a front end renders it (the CLI as
 * progress lines and tables), a script may log it or ignore it. Nothing here is text for a
 * terminal.
 */
export type TrainingEvent =
  | ProgressEvent
  | { readonly kind: 'baseline'; readonly accuracy: Accuracy; readonly loss: number }
  | {
      readonly kind: 'resumed';
      readonly checkpoint: string;
      readonly stage: number;
      readonly stages: number;
      readonly epochsDone: number;
      readonly epochs: number;
    }
  | {
      readonly kind: 'stage-pruned';
      readonly stage: number;
      readonly stages: number;
      readonly target: number;
      readonly allocation: Allocation;
      readonly below: readonly string[];
    }
  /**
   * `hint`: present when the stage's retraining lost accuracy (log.retrainingLost > 0): what to
   * change for the next run (e.g. a lower learning rate).
   */
  | { readonly kind: 'stage-done'; readonly log: StageLog; readonly stages: number; readonly baseline: Accuracy; readonly hint?: Message }
  /** A checkpoint was written after `epoch` epochs of `stage` (both 1-based). */
  | { readonly kind: 'checkpoint'; readonly path: string; readonly stage: number; readonly epoch: number };

/** One stage's figures (`stages[]` in the JSON logs, docs/json.md). */
export interface StageLog {
  readonly stage: number;
  readonly target: number;
  /** The retraining this stage had. */
  readonly epochs: number;
  readonly lr: number;
  readonly layers: readonly LayerSparsity[];
  readonly winogradSparsity: number;
  readonly accuracyPruned: Accuracy;
  readonly accuracy: Accuracy;
  readonly loss: number;
  readonly trainLoss: number;
  readonly seconds: number;
  readonly examplesPerSecond: number;
  readonly belowTolerance: readonly string[];
  /**
   * Top-1 (a fraction) that retraining lost: accuracyPruned.top1 - accuracy.top1 when the
   * retrained model ends below the pruned one, else 0. Retraining should recover what pruning
   * lost; a loss means the step was too large for these weights.
   */
  readonly retrainingLost: number;
}

export type TrainingSink = (event: TrainingEvent) => void;

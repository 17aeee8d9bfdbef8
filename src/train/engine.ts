import { trainStage, type StageTraining } from './retrain.js';
import type { EpochResult } from './train-epoch.js';

/**
 * What retrains a stage (DESIGN: the engines share everything but the training step). The
 * staged loop (staged.ts) prunes, evaluates, checkpoints and reports; an engine only runs the
 * stage's epochs from the model's current weights under the stage's masks and gradient
 * scales, leaves the trained weights (and batch-norm statistics, and optimizer slots) in the
 * model and the optimizer, and calls `afterEpoch` after each epoch with them in place.
 *   builtin — this process, on tfjs (retrain.ts);
 *   torch   — PyTorch under torchrun (src/torch/), DistributedDataParallel over processes.
 */
export interface RetrainEngine {
  readonly kind: 'builtin' | 'torch';
  /** Epochs `startEpoch..plan.epochs-1` of one stage. */
  trainStage(s: StageTraining): Promise<EpochResult[]>;
}

/** The built-in engine: tfjs in this process, the optimizer hooks of masking.ts. */
export const builtinEngine: RetrainEngine = { kind: 'builtin', trainStage };

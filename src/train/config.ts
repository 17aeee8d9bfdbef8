import { msg, opt, usageError } from '../errors.js';
import type { LrSchedule } from './lr-schedule.js';
import type { OptimizerConfig } from './optimizer.js';

/** One stage of a staged run: its target sparsity, and how long and how fast it retrains. */
export interface StagePlan {
  readonly target: number;
  readonly epochs: number;
  readonly lr: number;
}

/**
 * The stages of a run: `epochs` and `lr` are one value for every stage or one per stage
 * (e.g. a fine-tuning last stage at a lower learning rate: targets 0.75,0.8,0.8 with
 * lr 0.01,0.01,0.003).
 */
export function stagePlan(targets: readonly number[], epochs: number | readonly number[], lr: number | readonly number[]): StagePlan[] {
  const perStage = (name: 'epochs' | 'lr', v: number | readonly number[]): readonly number[] => {
    const values = typeof v === 'number' ? [v] : v;
    if (values.length !== 1 && values.length !== targets.length) {
      throw usageError(
        msg`${opt(name)} takes one value for all stages or one per stage (${targets.length}), got ${values.length}: ${values.join(',')}`,
      );
    }
    return values;
  };
  const e = perStage('epochs', epochs);
  const l = perStage('lr', lr);
  if (e.some((n) => !(Number.isInteger(n) && n > 0))) throw usageError(msg`${opt('epochs')} must be positive integers, got ${e.join(',')}`);
  if (l.some((x) => !(x > 0))) throw usageError(msg`${opt('lr')} must be positive, got ${l.join(',')}`);
  return targets.map((target, i) => ({ target, epochs: e[e.length === 1 ? 0 : i]!, lr: l[l.length === 1 ? 0 : i]! }));
}

/** Resolved training settings of a run (every option given or defaulted). */
export interface TrainingSettings {
  readonly momentum: number;
  readonly weightDecay: number;
  readonly optimizer: 'sgd' | 'adam';
  readonly lrSchedule: string;
  readonly batchSize: number;
  readonly seed: number;
  readonly limit?: number;
  readonly augment: boolean;
}

export function optimizerConfig(o: TrainingSettings): OptimizerConfig {
  if (o.momentum < 0 || o.momentum >= 1) throw usageError(msg`${opt('momentum')} must be in [0, 1), got ${o.momentum}`);
  if (o.weightDecay < 0) throw usageError(msg`${opt('weightDecay')} must be >= 0, got ${o.weightDecay}`);
  return o.optimizer === 'adam'
    ? { kind: 'adam', beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: o.weightDecay }
    : { kind: 'sgd', momentum: o.momentum, weightDecay: o.weightDecay };
}

/** `--lr-schedule constant | cosine | step:EVERY:GAMMA` (e.g. step:1:0.5). */
export function parseLrSchedule(s: string): LrSchedule {
  if (s === 'constant' || s === 'cosine') return { kind: s };
  const m = /^step:(\d+):([0-9.]+)$/.exec(s);
  if (m && Number(m[1]) > 0 && Number(m[2]) > 0) return { kind: 'step', every: Number(m[1]), gamma: Number(m[2]) };
  throw usageError(msg`${opt('lrSchedule')} expects constant, cosine or step:EVERY:GAMMA (e.g. step:1:0.5), got "${s}"`);
}

import { msg, opt, usageError } from '../errors.js';
import type { LrSchedule } from './lr-schedule.js';
import type { OptimizerConfig } from './optimizer.js';

/** Resolved training settings of a run (every option given or defaulted). */
export interface TrainingSettings {
  readonly epochs: number;
  readonly lr: number;
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
  if (!(o.lr > 0)) throw usageError(msg`${opt('lr')} must be positive, got ${o.lr}`);
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

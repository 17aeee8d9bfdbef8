import { msg, opt, usageError } from '../errors.js';

/**
 * The target Winograd-domain sparsity of each stage, from `--schedule s1,s2,..` or
 * `--sparsity s` (one stage), validated here: each in (0, 1) and non-decreasing.
 */
export function stageTargets(opts: { schedule?: readonly number[]; sparsity?: number }, dflt: readonly number[]): number[] {
  if (opts.schedule && opts.sparsity !== undefined) throw usageError(msg`pass ${opt('schedule')} or ${opt('sparsity')}, not both`);
  const targets = opts.schedule ? [...opts.schedule] : opts.sparsity !== undefined ? [opts.sparsity] : [...dflt];
  if (targets.some((t) => !(t > 0 && t < 1)))
    throw usageError(`sparsity targets must be between 0 and 1 (e.g. 0.6), got ${targets.join(',')}`);
  if (targets.some((t, i) => i > 0 && t < targets[i - 1]!))
    throw usageError(msg`${opt('schedule')} must not decrease, got ${targets.join(',')}`);
  return targets;
}

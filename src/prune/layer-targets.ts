import { msg, opt, usageError } from '../errors.js';
import { allocateTargets, type SensitivityCurve } from './allocate.js';
import type { Allocation } from './pruner.js';

/** Per-layer targets (node name -> Winograd-domain sparsity) for a stage's overall target. */
export type LayerTargets = (stageTarget: number) => Allocation;

/** Every layer gets the stage's target (the default). */
export function uniformTargets(names: readonly string[]): LayerTargets {
  return (target) => ({
    targets: new Map(names.map((n) => [n, target])),
    predictedDrop: new Map(),
    withinLimit: true,
  });
}

/**
 * `--targets-from sens.json --max-drop p`: per-layer targets allocated from the curves of a
 * sensitivity result (`sensitivity`, read from `path`; src/prune/allocate.ts has the rule). `layers` are the
 * layers being pruned with their sizes; each needs a curve in `domain`.
 */
export function targetsFromSensitivity(
  sensitivity: unknown,
  path: string,
  domain: 'spatial' | 'winograd',
  layers: readonly { name: string; size: number }[],
  maxDropPoints: number,
): LayerTargets {
  if (!(maxDropPoints >= 0)) throw usageError(msg`${opt('maxDrop')} must be >= 0 (accuracy points), got ${maxDropPoints}`);
  const file = (sensitivity ?? {}) as {
    baseline?: { top1?: number };
    layers?: { name: string; domain: string; levels: { sparsity: number; top1: number }[] }[];
  };
  const baseline = file.baseline?.top1;
  if (typeof baseline !== 'number' || !Array.isArray(file.layers)) {
    throw usageError(msg`${opt('targetsFrom')}: ${path} is not a sensitivity result (no baseline.top1 or layers)`);
  }
  const curves: SensitivityCurve[] = layers.map((l) => {
    const entry = file.layers!.find((x) => x.name === l.name && x.domain === domain);
    if (!entry)
      throw usageError(
        msg`${opt('targetsFrom')}: ${path} has no ${domain} curve for layer ${l.name}; run the sensitivity analysis with ${opt('domain')} ${domain} on this model`,
      );
    return { name: l.name, size: l.size, levels: entry.levels.map((c) => ({ sparsity: c.sparsity, drop: baseline - c.top1 })) };
  });
  return (target) => allocateTargets(curves, target, maxDropPoints / 100);
}

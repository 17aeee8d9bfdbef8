import type { Allocation } from './pruner.js';

/**
 * Per-layer targets from sensitivity curves (`--targets-from sens.json --max-drop p`), pure math.
 *
 * Each layer has a curve: one-shot test-accuracy drop at increasing sparsity levels (from
 * `swprune sensitivity`) and a size (its Winograd weights). The rule, greedy over levels:
 *
 *   start every layer at 0; while the size-weighted overall sparsity is below the stage
 *   target, raise the layer whose next level has the smallest predicted drop (ties: the
 *   larger layer) to that level — only to levels whose drop is at most `maxDrop`; if no such
 *   move is left, the target is not reachable within the limit: continue with the smallest
 *   drops anyway and report it. The last raise is cut back (linearly between its two levels)
 *   so the overall sparsity equals the target exactly.
 */
export interface SensitivityCurve {
  readonly name: string;
  /** Winograd weights of the layer (Cout·Cin·T²), its weight in the overall sparsity. */
  readonly size: number;
  /** Increasing sparsity levels and the accuracy drop (baseline top-1 minus top-1, a fraction) at each. */
  readonly levels: readonly { readonly sparsity: number; readonly drop: number }[];
}

export function allocateTargets(curves: readonly SensitivityCurve[], target: number, maxDrop: number): Allocation {
  const total = curves.reduce((s, c) => s + c.size, 0);
  const level = curves.map(() => -1);
  const sparsity = (i: number) => (level[i]! < 0 ? 0 : curves[i]!.levels[level[i]!]!.sparsity);
  const overall = () => curves.reduce((s, c, i) => s + sparsity(i) * c.size, 0) / total;
  const targets = new Map<string, number>(curves.map((c) => [c.name, 0]));
  const predictedDrop = new Map<string, number>(curves.map((c) => [c.name, 0]));
  let withinLimit = true;
  while (overall() < target - 1e-12) {
    const moves = curves
      .map((c, i) => ({ i, next: c.levels[level[i]! + 1] }))
      .filter((m): m is { i: number; next: { sparsity: number; drop: number } } => m.next !== undefined);
    if (moves.length === 0) break; // every layer at its highest level
    const allowed = moves.filter((m) => m.next.drop <= maxDrop);
    const pool = allowed.length > 0 ? allowed : moves;
    if (allowed.length === 0) withinLimit = false;
    pool.sort((a, b) => a.next.drop - b.next.drop || curves[b.i]!.size - curves[a.i]!.size || a.i - b.i);
    const { i, next } = pool[0]!;
    const before = sparsity(i);
    const missing = (target - overall()) * total;
    const gain = (next.sparsity - before) * curves[i]!.size;
    level[i]!++;
    const name = curves[i]!.name;
    predictedDrop.set(name, next.drop);
    targets.set(name, gain > missing ? before + missing / curves[i]!.size : next.sparsity);
    if (gain >= missing) break;
  }
  return { targets, predictedDrop, withinLimit };
}

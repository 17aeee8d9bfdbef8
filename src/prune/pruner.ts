import type { Graph } from '../graph/ir.js';

/**
 * The contract between pruning and training. A Pruner chooses masks and says how they act on
 * training; the staged retraining loop (src/train/) applies them. Everything here is plain data
 * in ONNX layout: pruning never sees tensors or the executor, and train imports prune, never the
 * reverse. Step 1 (spatial-pruner.ts) and step 2 (winograd-pruner.ts) are two Pruners.
 */
export interface Pruner {
  /** Masks for a stage's overall target, from the current weights of `graph`. */
  prune(graph: Graph, target: number): PruneChoice;
  /**
   * The factor each masked parameter's gradient is multiplied by, where it is more than the
   * mask itself (step 2: mask ⊙ Γ^-p per Winograd position). Parameters absent here are
   * scaled by their mask.
   */
  gradientScales(masks: ReadonlyMap<string, Uint8Array>): Map<string, Float32Array>;
  /** Per-layer sparsity of `graph` against the stage's target. */
  figures(graph: Graph, target: number): LayerSparsity[];
}

export interface PruneChoice {
  /** Per parameter, ONNX layout: 1 keep, 0 pruned (held at zero while retraining). */
  readonly masks: Map<string, Uint8Array>;
  /** Layers whose discrete groups cannot reach their target within 0.5 points. */
  readonly below: readonly string[];
  /** The per-layer targets used (all equal to the stage's unless allocated from sensitivity). */
  readonly allocation: Allocation;
}

/** Per-layer targets for a stage, and what the sensitivity curves predicted for them. */
export interface Allocation {
  readonly targets: ReadonlyMap<string, number>;
  /** The predicted drop of each layer at its target (the curve's value at the level reached). */
  readonly predictedDrop: ReadonlyMap<string, number>;
  /** False when some layer had to go past the drop limit to reach the target. */
  readonly withinLimit: boolean;
}

/** Per-layer sparsity figures as logged and written to JSON (docs/json.md). */
export interface LayerSparsity {
  readonly name: string;
  readonly target: number;
  readonly winogradSparsity: number;
  /** Exact zeros of the spatial weights; null for layers that only have Winograd weights. */
  readonly spatialSparsity: number | null;
  /** Winograd weights of the layer (Cout*Cin*T*T), the weight of this layer in overall figures. */
  readonly winogradWeights: number;
}

import type { Graph } from '../graph/ir.js';
import { winogradSparsity } from '../winograd/winograd-weight.js';
import type { LayerSparsity } from './pruner.js';
import { sparsityCounts } from './spatial-mask.js';
import type { PruneTarget, WinogradTarget } from './targets.js';

/** The targets' sparsity in `graph` (W = G g G^T in float64; exact zeros). */
export function layerSparsity(graph: Graph, targets: readonly PruneTarget[], targetOf: (t: PruneTarget) => number): LayerSparsity[] {
  return targets.map((t) => {
    const g = graph.params.get(t.weight)!.data as Float32Array;
    const c = sparsityCounts(t.tile, { g, cout: t.cout, cin: t.cin });
    return {
      name: t.node.name,
      target: targetOf(t),
      winogradSparsity: c.winogradZeros / c.winogradTotal,
      spatialSparsity: c.spatialZeros / c.spatialTotal,
      winogradWeights: c.winogradTotal,
    };
  });
}

/** Exact-zero fraction of each target's W. */
export function winogradFigures(graph: Graph, targets: readonly WinogradTarget[], target: number): LayerSparsity[] {
  return targets.map((t) => {
    const w = graph.params.get(t.weight)!.data as Float32Array;
    return { name: t.node.name, target, winogradSparsity: winogradSparsity(w), spatialSparsity: null, winogradWeights: w.length };
  });
}

/** Size-weighted overall Winograd sparsity of the pruned layers. */
export function overallSparsity(layers: readonly LayerSparsity[]): number {
  const total = layers.reduce((s, l) => s + l.winogradWeights, 0);
  return layers.reduce((s, l) => s + l.winogradSparsity * l.winogradWeights, 0) / Math.max(total, 1);
}

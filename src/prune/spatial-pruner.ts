import type { Pruner } from './pruner.js';
import { layerSparsity } from './sparsity.js';
import { uniformTargets, type LayerTargets } from './layer-targets.js';
import { chooseThreshold } from './spatial-mask.js';
import type { PruneTarget } from './targets.js';

/**
 * Step 1 as a Pruner: thresholds on group importance (per layer or one global) and masks on the
 * spatial weights; gradients are masked, not otherwise scaled.
 */
export function spatialPruner(targets: readonly PruneTarget[], mode: 'layer' | 'global', layerTargets?: LayerTargets): Pruner {
  const allocate = layerTargets ?? uniformTargets(targets.map((t) => t.node.name));
  return {
    prune(graph, target) {
      const allocation = allocate(target);
      const layers = targets.map((t) => ({ tile: t.tile, g: graph.params.get(t.weight)!.data as Float32Array, cout: t.cout, cin: t.cin }));
      const masks = new Map<string, Uint8Array>();
      const below: string[] = [];
      if (mode === 'global') {
        const choice = chooseThreshold(layers, target);
        targets.forEach((t, i) => {
          masks.set(t.weight, choice.masks[i]!);
        });
        if (!choice.withinTolerance) below.push('(all layers)');
      } else {
        targets.forEach((t, i) => {
          const choice = chooseThreshold([layers[i]!], allocation.targets.get(t.node.name)!);
          masks.set(t.weight, choice.masks[0]!);
          if (!choice.withinTolerance) below.push(t.node.name);
        });
      }
      // Weights that are already exactly zero stay zero (a stage's target may be below the
      // current sparsity, e.g. a fine-tuning stage, where the threshold prunes nothing new).
      targets.forEach((t, i) => {
        const mask = masks.get(t.weight)!;
        const g = layers[i]!.g;
        for (let k = 0; k < mask.length; k++) if (g[k] === 0) mask[k] = 0;
      });
      return { masks, below, allocation };
    },
    gradientScales: () => new Map(),
    figures: (graph, target) => {
      const allocation = allocate(target);
      return layerSparsity(graph, targets, (t) => (mode === 'global' ? target : allocation.targets.get(t.node.name)!));
    },
  };
}

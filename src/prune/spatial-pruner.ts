import * as tf from '@tensorflow/tfjs';
import { CONV_WEIGHT } from '../exec/ops/conv.js';
import type { Graph } from '../graph/ir.js';
import type { ParamHooks } from '../train/optimizer.js';
import type { Pruner } from '../train/staged.js';
import { layerSparsity } from './figures.js';
import { chooseThreshold } from './spatial-mask.js';
import type { PruneTarget } from './targets.js';

/**
 * Step 1 as a Pruner: thresholds on group importance (per layer or one global), masks on the
 * spatial weights, and the masks as gradient and weight hooks.
 */
export function spatialPruner(targets: readonly PruneTarget[], mode: 'layer' | 'global'): Pruner {
  return {
    prune(graph, target) {
      const layers = targets.map((t) => ({ tile: t.tile, g: graph.params.get(t.weight)!.data as Float32Array, cout: t.cout, cin: t.cin }));
      const masks = new Map<string, Uint8Array>();
      const below: string[] = [];
      if (mode === 'global') {
        const choice = chooseThreshold(layers, target);
        targets.forEach((t, i) => masks.set(t.weight, choice.masks[i]!));
        if (!choice.withinTolerance) below.push('(all layers)');
      } else {
        targets.forEach((t, i) => {
          const choice = chooseThreshold([layers[i]!], target);
          masks.set(t.weight, choice.masks[0]!);
          if (!choice.withinTolerance) below.push(t.node.name);
        });
      }
      return { masks, below };
    },
    hooks(graph: Graph, masks) {
      const hooks = new Map<string, ParamHooks>();
      for (const [name, m] of masks) {
        const p = graph.params.get(name)!;
        const tensor = tf.keep(CONV_WEIGHT.toExec({ name, dims: p.dims, data: Float32Array.from(m) }));
        hooks.set(name, { gradScale: tensor, mask: tensor });
      }
      return hooks;
    },
    figures: (graph, target) => layerSparsity(graph, targets, () => target),
  };
}

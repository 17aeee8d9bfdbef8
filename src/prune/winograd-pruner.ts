import * as tf from '@tensorflow/tfjs';
import { WINOGRAD_WEIGHT } from '../exec/ops/conv.js';
import type { Graph, GraphNode } from '../graph/ir.js';
import type { ParamHooks } from '../train/optimizer.js';
import type { Pruner } from '../train/staged.js';
import { importanceFactor, type ImportanceNorm } from '../winograd/importance.js';
import { getTile } from '../winograd/tiles.js';
import type { WinogradTile } from '../winograd/tiles.js';
import { winogradFigures } from './sparsity.js';
import type { WinogradTarget } from './targets.js';
import { uniformTargets, type LayerTargets } from './layer-targets.js';
import { gradientScale, winogradMask } from './winograd-mask.js';

/**
 * How Winograd-domain weights are ranked and their gradients scaled (METHOD.md step 2):
 * `importance` false is plain magnitude ranking with unscaled gradients (for comparison);
 * otherwise rank by |W|·Γ and scale gradients by Γ^(-power), Γ normalised by `norm`.
 */
export interface ImportanceSetting {
  readonly importance: boolean;
  readonly norm: ImportanceNorm;
  readonly power: number;
}

export function winogradPruner(targets: readonly WinogradTarget[], setting: ImportanceSetting, layerTargets?: LayerTargets): Pruner {
  const allocate = layerTargets ?? uniformTargets(targets.map((t) => t.node.name));
  const gammaOf = (tile: WinogradTile) =>
    setting.importance ? importanceFactor(tile, { norm: setting.norm }) : Array.from({ length: tile.T }, () => new Array<number>(tile.T).fill(1));
  return {
    prune(graph, target) {
      const allocation = allocate(target);
      const masks = new Map<string, Uint8Array>();
      for (const t of targets) {
        masks.set(t.weight, winogradMask(graph.params.get(t.weight)!.data as Float32Array, gammaOf(t.tile), allocation.targets.get(t.node.name)!));
      }
      return { masks, below: [], allocation };
    },
    hooks(graph, masks) {
      const hooks = new Map<string, ParamHooks>();
      for (const t of targets) {
        const m = masks.get(t.weight);
        if (!m) continue;
        const p = graph.params.get(t.weight)!;
        const scale = setting.importance ? gradientScale(gammaOf(t.tile), setting.power) : undefined;
        const T2 = t.tile.T * t.tile.T;
        const mask = tf.keep(WINOGRAD_WEIGHT.toExec({ name: t.weight, dims: p.dims, data: Float32Array.from(m) }));
        const gradScale = scale
          ? tf.keep(WINOGRAD_WEIGHT.toExec({ name: t.weight, dims: p.dims, data: Float32Array.from(m, (v, k) => v * scale[k % T2]!) }))
          : mask;
        hooks.set(t.weight, { mask, gradScale });
      }
      return hooks;
    },
    figures: (graph, target) => {
      const allocation = allocate(target);
      return winogradFigures(graph, targets, target).map((l) => ({ ...l, target: allocation.targets.get(l.name)! }));
    },
  };
}

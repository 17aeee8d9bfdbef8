import * as tf from '@tensorflow/tfjs';
import { WINOGRAD_WEIGHT } from '../exec/ops/conv.js';
import type { Graph, GraphNode } from '../graph/ir.js';
import type { ParamHooks } from '../train/optimizer.js';
import type { Pruner } from '../train/staged.js';
import { importanceFactor, type ImportanceNorm } from '../winograd/importance.js';
import { getTile } from '../winograd/tiles.js';
import type { WinogradTile } from '../winograd/tile.js';
import type { LayerSparsity } from './figures.js';
import { uniformTargets, type LayerTargets } from './layer-targets.js';
import { gradientScale, winogradMask } from './winograd-mask.js';

/** A WinogradConv layer being pruned: its node, weight W [Cout, Cin, T, T] and tile. */
export interface WinogradTarget {
  readonly node: GraphNode;
  readonly weight: string;
  readonly tile: WinogradTile;
}

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

/** The WinogradConv nodes of a graph as targets. */
export function winogradTargets(graph: Graph): WinogradTarget[] {
  return graph.nodes
    .filter((n) => n.op === 'WinogradConv')
    .map((node) => ({ node, weight: node.inputs[1]!, tile: getTile(node.attrs.tile as number, node.attrs.kernel as number) }));
}

/** Exact-zero fraction of each target's W. */
export function winogradFigures(graph: Graph, targets: readonly WinogradTarget[], target: number): LayerSparsity[] {
  return targets.map((t) => {
    const w = graph.params.get(t.weight)!.data;
    let zeros = 0;
    for (let i = 0; i < w.length; i++) if (w[i] === 0) zeros++;
    return { name: t.node.name, target, winogradSparsity: zeros / w.length, spatialSparsity: null, winogradWeights: w.length };
  });
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

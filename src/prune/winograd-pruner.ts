import type { Pruner } from './pruner.js';
import { defaultImportanceGain, importanceFactor, type ImportanceNorm } from '../winograd/importance.js';
import type { WinogradTile } from '../winograd/tiles.js';
import { winogradFigures } from './sparsity.js';
import type { WinogradTarget } from './targets.js';
import { uniformTargets, type LayerTargets } from './layer-targets.js';
import { gradientScale, winogradMask } from './winograd-mask.js';

/**
 * How Winograd-domain weights are ranked and their gradients scaled (docs/method.md, step 2):
 * `importance` false is plain magnitude ranking with unscaled gradients (for comparison);
 * otherwise rank by |W|·Γ and scale gradients by gain · Γ^(-power), Γ normalised by `norm`.
 */
export interface ImportanceSetting {
  readonly importance: boolean;
  readonly norm: ImportanceNorm;
  readonly power: number;
  /** Multiplies the gradient scale (absent: the tile's default, defaultImportanceGain). */
  readonly gain?: number;
}

export function winogradPruner(targets: readonly WinogradTarget[], setting: ImportanceSetting, layerTargets?: LayerTargets): Pruner {
  const allocate = layerTargets ?? uniformTargets(targets.map((t) => t.node.name));
  const gammaOf = (tile: WinogradTile) =>
    setting.importance
      ? importanceFactor(tile, { norm: setting.norm })
      : Array.from({ length: tile.T }, () => new Array<number>(tile.T).fill(1));
  return {
    prune(graph, target) {
      const allocation = allocate(target);
      const masks = new Map<string, Uint8Array>();
      for (const t of targets) {
        masks.set(
          t.weight,
          winogradMask(graph.params.get(t.weight)!.data as Float32Array, gammaOf(t.tile), allocation.targets.get(t.node.name)!),
        );
      }
      return { masks, below: [], allocation };
    },
    gradientScales(masks) {
      const scales = new Map<string, Float32Array>();
      if (!setting.importance) return scales;
      for (const t of targets) {
        const m = masks.get(t.weight);
        if (!m) continue;
        // W is [Cout, Cin, T, T]: position (i, j) of every kernel is k % T².
        const scale = gradientScale(gammaOf(t.tile), setting.power, setting.gain ?? defaultImportanceGain(t.tile, setting.power));
        const T2 = t.tile.T * t.tile.T;
        const s = new Float32Array(m.length);
        for (let k = 0; k < m.length; k++) s[k] = m[k]! * scale[k % T2]!;
        scales.set(t.weight, s);
      }
      return scales;
    },
    figures: (graph, target) => {
      const allocation = allocate(target);
      return winogradFigures(graph, targets, target).map((l) => ({ ...l, target: allocation.targets.get(l.name)! }));
    },
  };
}

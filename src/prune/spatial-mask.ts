import { dependencySets } from '../winograd/dependency-sets.js';
import type { WinogradTile } from '../winograd/tiles.js';
import { winogradZeros, zeroCount } from '../winograd/winograd-weight.js';

/**
 * Step 1 of spatial-Winograd pruning (docs/method.md), pure math on one layer's spatial weights
 * g (ONNX OIHW, cout x cin x r x r).
 *
 * For each kernel (co, ci) and Winograd position (i, j), the group importance is
 * max over S(i,j) of |g[k][l]|. Pruning at threshold t zeroes every group whose importance is
 * below t; the kernel's mask is the union of the zeroed groups. Those W[i][j] become exact
 * zeros; the layer's Winograd sparsity is counted on W = G g G^T in float64.
 */
export interface LayerWeights {
  readonly g: Float32Array;
  readonly cout: number;
  readonly cin: number;
}

/** Group importances, [kernel][position] flattened: index (co*cin + ci) * T*T + p. */
export function groupImportance(tile: WinogradTile, layer: LayerWeights): Float32Array {
  const sets = dependencySets(tile);
  const r2 = tile.r * tile.r;
  const T2 = tile.T * tile.T;
  const kernels = layer.cout * layer.cin;
  const out = new Float32Array(kernels * T2);
  for (let k = 0; k < kernels; k++) {
    sets.forEach((set, p) => {
      let m = 0;
      for (const [a, b] of set) m = Math.max(m, Math.abs(layer.g[k * r2 + a * tile.r + b]!));
      out[k * T2 + p] = m;
    });
  }
  return out;
}

/** The spatial mask (1 keep, 0 pruned; same layout as g) for threshold t. */
export function spatialMask(tile: WinogradTile, layer: LayerWeights, importance: Float32Array, threshold: number): Uint8Array {
  // Each position's dependency set as offsets within a kernel.
  const sets = dependencySets(tile).map((set) => Int32Array.from(set, ([a, b]) => a * tile.r + b));
  const r2 = tile.r * tile.r;
  const T2 = tile.T * tile.T;
  const mask = new Uint8Array(layer.g.length).fill(1);
  for (let k = 0; k < layer.cout * layer.cin; k++) {
    for (let p = 0; p < T2; p++) {
      if (importance[k * T2 + p]! >= threshold) continue;
      const set = sets[p]!;
      for (let e = 0; e < set.length; e++) mask[k * r2 + set[e]!] = 0;
    }
  }
  return mask;
}

/** The distinct values of the arrays, ascending. */
function distinctSorted(arrays: readonly Float32Array[]): Float32Array {
  const all = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    all.set(a, at);
    at += a.length;
  }
  all.sort();
  let n = 0;
  for (let i = 0; i < all.length; i++) if (i === 0 || all[i] !== all[n - 1]) all[n++] = all[i]!;
  return all.slice(0, n);
}

/** g with the mask applied (a new array). */
export function applyMask(g: Float32Array, mask: Uint8Array): Float32Array {
  const out = new Float32Array(g.length);
  for (let i = 0; i < g.length; i++) out[i] = mask[i] ? g[i]! : 0;
  return out;
}

/** Counts of exact zeros in W = G g G^T (float64) and in g. */
export function sparsityCounts(
  tile: WinogradTile,
  layer: LayerWeights,
): { winogradZeros: number; winogradTotal: number; spatialZeros: number; spatialTotal: number } {
  const total = layer.cout * layer.cin * tile.T * tile.T;
  return {
    winogradZeros: winogradZeros(tile, layer.g, layer.cout, layer.cin),
    winogradTotal: total,
    spatialZeros: zeroCount(layer.g),
    spatialTotal: layer.g.length,
  };
}

export interface ThresholdChoice {
  readonly threshold: number;
  /** One mask per layer. */
  readonly masks: readonly Uint8Array[];
  /** Fraction of exactly-zero Winograd weights over the layers together with these masks. */
  readonly winogradSparsity: number;
  /** False when the discrete groups do not allow getting within the tolerance of the target. */
  readonly withinTolerance: boolean;
}

export interface TiledLayer extends LayerWeights {
  readonly tile: WinogradTile;
}

/**
 * Bisection over the sorted group importances for the one threshold whose Winograd sparsity
 * (over `layers` together, weighted by size) is closest to `target`; sparsity grows
 * monotonically with the threshold. Per-layer thresholds: call it with one layer. Reports
 * whether the result is within `tolerance` (0.005 = half a percentage point).
 */
export function chooseThreshold(layers: readonly TiledLayer[], target: number, tolerance = 0.005): ThresholdChoice {
  const importances = layers.map((l) => groupImportance(l.tile, l));
  const candidates = distinctSorted(importances);
  const evalAt = (t: number) => {
    let zeros = 0;
    let total = 0;
    const masks = layers.map((l, i) => {
      const mask = spatialMask(l.tile, l, importances[i]!, t);
      zeros += winogradZeros(l.tile, l.g, l.cout, l.cin, mask);
      total += l.cout * l.cin * l.tile.T * l.tile.T;
      return mask;
    });
    return { threshold: t, masks, winogradSparsity: zeros / total };
  };
  // Index i means threshold candidates[i] (prune importances below it); length means all.
  const at = (i: number) => evalAt(i < candidates.length ? candidates[i]! : Infinity);
  let lo = 0;
  let hi = candidates.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (at(mid).winogradSparsity >= target) hi = mid;
    else lo = mid + 1;
  }
  const above = at(lo);
  const below = lo > 0 ? at(lo - 1) : above;
  const best = Math.abs(below.winogradSparsity - target) < Math.abs(above.winogradSparsity - target) ? below : above;
  return { ...best, withinTolerance: Math.abs(best.winogradSparsity - target) <= tolerance };
}

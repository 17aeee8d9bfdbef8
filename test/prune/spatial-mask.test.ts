import { describe, expect, it } from 'vitest';
import { applyMask, chooseThreshold, groupImportance, sparsityCounts, spatialMask } from '../../src/prune/spatial-mask.js';
import { dependencySet } from '../../src/winograd/dependency-sets.js';
import { getTile } from '../../src/winograd/tiles.js';
import { winogradKernel } from '../../src/winograd/winograd-weight.js';

function randomLayer(cout: number, cin: number, seed: number) {
  let s = seed;
  const rnd = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  };
  return { g: Float32Array.from({ length: cout * cin * 9 }, rnd), cout, cin };
}

describe('spatial structured pruning (docs/method.md, step 1)', () => {
  const tile = getTile(6);

  it('group importance is the max |g| over S(i,j), computed independently', () => {
    const layer = randomLayer(2, 3, 11);
    const imp = groupImportance(tile, layer);
    for (let k = 0; k < 6; k++)
      for (let i = 0; i < 6; i++)
        for (let j = 0; j < 6; j++) {
          const want = Math.max(...dependencySet(tile, i, j).map(([a, b]) => Math.abs(layer.g[k * 9 + a * 3 + b]!)));
          expect(imp[k * 36 + i * 6 + j]).toBe(Math.fround(want));
        }
  });

  it('every group below the threshold becomes an exactly-zero Winograd weight', () => {
    const layer = randomLayer(3, 2, 5);
    const imp = groupImportance(tile, layer);
    const t = 0.6;
    const pruned = applyMask(layer.g, spatialMask(tile, layer, imp, t));
    for (let k = 0; k < 6; k++) {
      const W = winogradKernel(
        tile,
        [0, 1, 2].map((a) => [0, 1, 2].map((b) => pruned[k * 9 + a * 3 + b]!)),
      );
      for (let p = 0; p < 36; p++) if (imp[k * 36 + p]! < t) expect(W[Math.floor(p / 6)]![p % 6]).toBe(0);
    }
  });

  for (const target of [0.2, 0.4, 0.6, 0.8]) {
    it(`bisection reaches ${target} Winograd sparsity within 0.5 pp on a 16x16 layer`, () => {
      const layer = randomLayer(16, 16, 3);
      const choice = chooseThreshold([{ ...layer, tile }], target);
      expect(choice.withinTolerance).toBe(true);
      const c = sparsityCounts(tile, { ...layer, g: applyMask(layer.g, choice.masks[0]!) });
      expect(c.winogradZeros / c.winogradTotal).toBe(choice.winogradSparsity);
      expect(Math.abs(choice.winogradSparsity - target)).toBeLessThanOrEqual(0.005);
    });
  }

  it('one global threshold over several layers reaches the overall target (0.5 pp)', () => {
    const layers = [randomLayer(8, 4, 1), randomLayer(16, 8, 2)].map((l) => ({ ...l, tile }));
    const choice = chooseThreshold(layers, 0.6);
    let zeros = 0;
    let total = 0;
    layers.forEach((l, i) => {
      const c = sparsityCounts(tile, { ...l, g: applyMask(l.g, choice.masks[i]!) });
      zeros += c.winogradZeros;
      total += c.winogradTotal;
    });
    expect(Math.abs(zeros / total - 0.6)).toBeLessThanOrEqual(0.005);
    expect(zeros / total).toBe(choice.winogradSparsity);
  });

  it('picks the achievable sparsity closest to the target and says whether it is within tolerance', () => {
    const t4 = getTile(4);
    const layer = randomLayer(1, 2, 9);
    const imp = groupImportance(t4, layer);
    const levels = [...new Set([...imp, Infinity])].map((t) => {
      const c = sparsityCounts(t4, { ...layer, g: applyMask(layer.g, spatialMask(t4, layer, imp, t)) });
      return c.winogradZeros / c.winogradTotal;
    });
    for (const target of [0.3, 0.5, 0.77]) {
      const choice = chooseThreshold([{ ...layer, tile: t4 }], target);
      const bestGap = Math.min(...levels.map((l) => Math.abs(l - target)));
      expect(Math.abs(choice.winogradSparsity - target)).toBe(bestGap);
      expect(choice.withinTolerance).toBe(bestGap <= 0.005);
    }
  });
});

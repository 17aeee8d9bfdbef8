import { describe, expect, it } from 'vitest';
import { dependencySet, dependencySets } from '../../src/winograd/dependency-sets.js';
import { importanceFactor, importanceRowFactors } from '../../src/winograd/importance.js';
import { convMultiplications } from '../../src/winograd/multiplications.js';
import { getTile } from '../../src/winograd/tiles.js';
import { winogradKernel, winogradSparsity, winogradWeight, winogradZeros } from '../../src/winograd/winograd-weight.js';

describe('dependencySet', () => {
  const t = getTile(4);
  it('follows the non-zeros of G for F(2x2,3x3)', () => {
    expect(dependencySet(t, 0, 0)).toEqual([[0, 0]]);
    // G row 1 = [1/2 1/2 1/2]: W[1][0] depends on column 0 of g.
    expect(dependencySet(t, 1, 0)).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    expect(dependencySet(t, 1, 1)).toHaveLength(9);
    expect(dependencySet(t, 3, 3)).toEqual([[2, 2]]);
  });

  it('zeroing S(i,j) makes exactly W[i][j] zero (and sets cover every position)', () => {
    const t6 = getTile(6);
    const sets = dependencySets(t6);
    expect(sets).toHaveLength(36);
    sets.forEach((set, p) => {
      const g = [
        [1.5, -2, 0.75],
        [3, 0.25, -1],
        [2, -0.5, 1.25],
      ];
      for (const [k, l] of set) g[k]![l] = 0;
      const W = winogradKernel(t6, g);
      expect(W[Math.floor(p / 6)]![p % 6]).toBe(0);
    });
  });
});

describe('importanceFactor', () => {
  it('F(4x4,3x3) unscaled runs from 42 to 850 (to 1 unit), min-normalised min is 1', () => {
    const raw = importanceFactor(getTile(6), { norm: 'none' }).flat();
    expect(Math.min(...raw)).toBeGreaterThan(41);
    expect(Math.min(...raw)).toBeLessThan(43);
    expect(Math.max(...raw)).toBeGreaterThan(849);
    expect(Math.max(...raw)).toBeLessThan(851);
    const scaled = importanceFactor(getTile(6), { norm: 'min' }).flat();
    expect(Math.min(...scaled)).toBeCloseTo(1, 12);
    expect(Math.max(...scaled)).toBeCloseTo(Math.max(...raw) / Math.min(...raw), 9);
  });

  it('F(2x2,3x3) unscaled values are 2, 2√2 and 4 (to 1e-12)', () => {
    const values = [
      ...new Set(
        importanceFactor(getTile(4), { norm: 'none' })
          .flat()
          .map((v) => v.toFixed(12)),
      ),
    ];
    expect(values.map(Number).sort()).toEqual([2, 2 * Math.SQRT2, 4].map((v) => Number(v.toFixed(12))));
    expect(importanceRowFactors(getTile(4))).toHaveLength(4);
  });
});

describe('winogradWeight', () => {
  it('matches G g G^T per kernel in the [T*T, cin, cout] layout (1e-12)', () => {
    const t = getTile(6);
    const cout = 3;
    const cin = 2;
    const g = Float32Array.from({ length: cout * cin * 9 }, (_, i) => Math.sin(i + 1));
    const w = winogradWeight(t, g, cout, cin);
    for (let co = 0; co < cout; co++)
      for (let ci = 0; ci < cin; ci++) {
        const base = (co * cin + ci) * 9;
        const k = [0, 1, 2].map((a) => [0, 1, 2].map((b) => g[base + a * 3 + b]!));
        const W = winogradKernel(t, k);
        for (let i = 0; i < 6; i++)
          for (let j = 0; j < 6; j++) expect(Math.abs(w[((i * 6 + j) * cin + ci) * cout + co]! - W[i]![j]!)).toBeLessThan(1e-12);
      }
    expect(() => winogradWeight(t, g, cout, cin + 1)).toThrow(/expected 3x3x3x3/);
  });

  it('winogradZeros with a mask counts the exact zeros of winogradWeight of the masked weights', () => {
    for (const T of [4, 6]) {
      const t = getTile(T);
      const [cout, cin] = [5, 4];
      const g = Float32Array.from({ length: cout * cin * 9 }, (_, i) => (i % 7 === 0 ? 0 : Math.sin(i + 1)));
      // Whole rows, columns and single entries masked: structured and accidental zeros.
      const mask = Uint8Array.from(g, (_, i) => (i % 9 < 3 || i % 11 === 0 ? 0 : 1));
      const masked = Float32Array.from(g, (v, i) => (mask[i] ? v : 0));
      const w = winogradWeight(t, masked, cout, cin);
      const zeros = w.reduce((n, v) => n + (v === 0 ? 1 : 0), 0);
      expect(zeros).toBeGreaterThan(0);
      expect(winogradZeros(t, g, cout, cin, mask)).toBe(zeros);
      expect(winogradZeros(t, masked, cout, cin)).toBe(zeros);
    }
  });

  it('counts exact zeros', () => {
    expect(winogradSparsity([0, 1, 0, -0, 2])).toBeCloseTo(0.6, 15);
    expect(winogradSparsity([])).toBe(0);
  });
});

describe('convMultiplications', () => {
  it('4x4 output, one channel, F(2x2,3x3): direct 144, dense Winograd 64', () => {
    const c = convMultiplications({ outH: 4, outW: 4, cin: 1, cout: 1 }, getTile(4));
    expect(c.tiles).toBe(4);
    expect(c.direct).toBe(144);
    expect(c.denseWinograd).toBe(64);
    expect(c.sparseWinograd).toBe(64);
    // F(2,3): B^T and A^T have only 0/±1 entries, so the transforms need no multiplications.
    expect(c.inputTransform).toBe(0);
    expect(c.outputTransform).toBe(0);
  });

  it('sparse count scales with the non-zeros; partial tiles round up', () => {
    const c = convMultiplications({ outH: 5, outW: 5, cin: 2, cout: 3 }, getTile(6), 100);
    expect(c.tiles).toBe(4);
    expect(c.denseWinograd).toBe(4 * 36 * 6);
    expect(c.sparseWinograd).toBe(400);
    expect(c.direct).toBe(25 * 6 * 9);
  });
});

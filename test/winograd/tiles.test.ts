import { describe, expect, it } from 'vitest';
import { SwpruneError } from '../../src/errors.js';
import { cookToom } from '../../src/winograd/cook-toom.js';
import { add, mul, rational, ZERO, type Rational } from '../../src/winograd/rational.js';
import { getTile, listTiles } from '../../src/winograd/tiles.js';
import type { WinogradTile } from '../../src/winograd/tiles.js';

// docs/method.md (Lavin & Gray 2016) matrices, typed in by hand.
const F23 = {
  BT: [
    [1, 0, -1, 0],
    [0, 1, 1, 0],
    [0, -1, 1, 0],
    [0, 1, 0, -1],
  ],
  G: [
    [1, 0, 0],
    [1 / 2, 1 / 2, 1 / 2],
    [1 / 2, -1 / 2, 1 / 2],
    [0, 0, 1],
  ],
  AT: [
    [1, 1, 1, 0],
    [0, 1, -1, -1],
  ],
};
const F43 = {
  BT: [
    [4, 0, -5, 0, 1, 0],
    [0, -4, -4, 1, 1, 0],
    [0, 4, -4, -1, 1, 0],
    [0, -2, -1, 2, 1, 0],
    [0, 2, -1, -2, 1, 0],
    [0, 4, 0, -5, 0, 1],
  ],
  G: [
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
  ],
  AT: [
    [1, 1, 1, 1, 1, 0],
    [0, 1, -1, 2, -2, 0],
    [0, 1, 1, 4, 4, 0],
    [0, 1, -1, 8, -8, 1],
  ],
};

describe('getTile', () => {
  it('F(2x2,3x3) equals docs/method.md entry by entry', () => {
    const t = getTile(4);
    expect(t.name).toBe('F(2x2,3x3)');
    expect(t.BT).toEqual(F23.BT);
    expect(t.G).toEqual(F23.G);
    expect(t.AT).toEqual(F23.AT);
  });

  it('F(4x4,3x3) equals docs/method.md entry by entry (G to float64 rounding of the fractions)', () => {
    const t = getTile(6);
    expect(t.name).toBe('F(4x4,3x3)');
    expect(t.BT).toEqual(F43.BT);
    expect(t.AT).toEqual(F43.AT);
    // 1/6 etc. are the nearest float64 of the exact fraction on both sides: exact equality.
    expect(t.G).toEqual(F43.G);
  });

  it('offers T=8 for 3x3 and 5x5 kernels and rejects unknown tiles with a usage error', () => {
    expect(getTile(8, 3).name).toBe('F(6x6,3x3)');
    expect(getTile(8, 5).name).toBe('F(4x4,5x5)');
    expect(() => getTile(5)).toThrow(SwpruneError);
    expect(() => getTile(5)).toThrow(/no Winograd tile with T=5 .*choose tile from: 4 = F\(2x2,3x3\), 6 = F\(4x4,3x3\)/);
    // The message names the option by its API name; the CLI shows it as its flag.
    expect(() => getTile(5)).toThrow(expect.objectContaining({ parts: expect.arrayContaining([{ option: 'tile' }]) }));
    expect(() => getTile(6, 5)).toThrow(/T=6 for 5x5/);
  });

  it('rejects repeated interpolation points', () => {
    expect(() => cookToom(2, 3, [0, 1, 1])).toThrow(/repeats/);
  });
});

/** 1-D correlation y_i = sum_k g_k d_{i+k} in exact rationals via the tile's algorithm. */
function exactWinograd1d(tile: WinogradTile, g: Rational[], d: Rational[]): Rational[] {
  const ex = cookToom(tile.m, tile.r, tile.points, { flipInfinity: tile.name === 'F(2x2,3x3)' });
  const Gg = ex.G.map((row) => row.reduce((acc, x, k) => add(acc, mul(x, g[k]!)), ZERO));
  const Bd = ex.BT.map((row) => row.reduce((acc, x, k) => add(acc, mul(x, d[k]!)), ZERO));
  return ex.AT.map((row) => row.reduce((acc, x, j) => add(acc, mul(x, mul(Gg[j]!, Bd[j]!))), ZERO));
}

/** 2-D Winograd Y = A^T[(G g G^T) ⊙ (B^T d B)]A in float64. */
function winograd2d(t: WinogradTile, g: number[][], d: number[][]): number[][] {
  const mm = (a: readonly (readonly number[])[], b: readonly (readonly number[])[]) =>
    a.map((row) => b[0]!.map((_, j) => row.reduce((s, x, k) => s + x * b[k]![j]!, 0)));
  const tr = (a: readonly (readonly number[])[]) => a[0]!.map((_, j) => a.map((row) => row[j]!));
  const W = mm(mm(t.G, g), tr(t.G));
  const V = mm(mm(t.BT, d), tr(t.BT));
  const M = W.map((row, i) => row.map((w, j) => w * V[i]![j]!));
  return mm(mm(t.AT, M), tr(t.AT));
}

function correlate2d(g: number[][], d: number[][], m: number): number[][] {
  const r = g.length;
  return Array.from({ length: m }, (_, y) =>
    Array.from({ length: m }, (_, x) => {
      let s = 0;
      for (let k = 0; k < r; k++) for (let l = 0; l < r; l++) s += g[k]![l]! * d[y + k]![x + l]!;
      return s;
    }),
  );
}

describe.each(listTiles().map((t) => [t.name, t] as const))('%s', (_name, tile) => {
  it('computes 1-D correlation exactly in rationals (small integer inputs)', () => {
    const g = Array.from({ length: tile.r }, (_, k) => rational(3 * k - 4));
    const d = Array.from({ length: tile.T }, (_, k) => rational(((k * 7) % 5) - 2));
    const y = exactWinograd1d(tile, g, d);
    y.forEach((yi, i) => {
      const want = g.reduce((acc, gk, k) => add(acc, mul(gk, d[i + k]!)), ZERO);
      expect(yi).toEqual(want);
    });
  });

  it('2-D Winograd equals direct correlation in float64 within 1e-9 relative', () => {
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return (seed / 2147483648) * 2 - 1;
    };
    for (let trial = 0; trial < 5; trial++) {
      const g = Array.from({ length: tile.r }, () => Array.from({ length: tile.r }, rnd));
      const d = Array.from({ length: tile.T }, () => Array.from({ length: tile.T }, rnd));
      const got = winograd2d(tile, g, d).flat();
      const want = correlate2d(g, d, tile.m).flat();
      const scale = Math.max(...want.map(Math.abs));
      got.forEach((v, i) => {
        expect(Math.abs(v - want[i]!)).toBeLessThan(1e-9 * scale);
      });
    }
  });
});

import { msg, opt, usageError } from '../errors.js';
import { cookToom } from './cook-toom.js';
import { toNumbers } from './rational.js';

/**
 * A Winograd minimal-filtering algorithm F(m x m, r x r): the three transform matrices and
 * the interpolation points they were built from. Pure data (float64 numbers), no tensors.
 *
 *   Y = A^T [ (G g G^T) ⊙ (B^T d B) ] A,   T = m + r - 1
 *
 * Shapes: AT is m x T, G is T x r, BT is T x T (row-major number[][]).
 */
export interface WinogradTile {
  /** Short name, e.g. "F(4x4,3x3)". */
  readonly name: string;
  /** Output tile size. */
  readonly m: number;
  /** Kernel size. */
  readonly r: number;
  /** Input tile size, m + r - 1. */
  readonly T: number;
  /** The finite interpolation points (the point at infinity is implied). */
  readonly points: readonly number[];
  readonly AT: readonly (readonly number[])[];
  readonly G: readonly (readonly number[])[];
  readonly BT: readonly (readonly number[])[];
}

/**
 * The Winograd tiles swprune offers, chosen by input tile size T (`--tile`) and kernel size r.
 * Points are the usual ones (Lavin & Gray 2016; wincnn): small integers first, then ±1/2,
 * because larger points grow the transform entries and the float32 error (docs/winograd.md).
 */
interface TileSpec {
  readonly T: number;
  readonly r: number;
  readonly m: number;
  readonly points: readonly number[];
  /** Lavin & Gray's published F(2x2,3x3) negates the infinity column of A^T / row of B^T. */
  readonly flipInfinity?: boolean;
}

const TILE_SPECS: readonly TileSpec[] = [
  { T: 4, r: 3, m: 2, points: [0, 1, -1], flipInfinity: true },
  { T: 6, r: 3, m: 4, points: [0, 1, -1, 2, -2] },
  { T: 8, r: 3, m: 6, points: [0, 1, -1, 2, -2, 0.5, -0.5] },
  { T: 8, r: 5, m: 4, points: [0, 1, -1, 2, -2, 0.5, -0.5] },
];

const cache = new Map<string, WinogradTile>();

const tileName = (m: number, r: number) => `F(${m}x${m},${r}x${r})`;

function build(spec: TileSpec): WinogradTile {
  const exact = cookToom(spec.m, spec.r, spec.points, { flipInfinity: spec.flipInfinity });
  return Object.freeze({
    name: tileName(spec.m, spec.r),
    m: spec.m,
    r: spec.r,
    T: spec.T,
    points: spec.points,
    AT: toNumbers(exact.AT),
    G: toNumbers(exact.G),
    BT: toNumbers(exact.BT),
  });
}

/** Every offered tile, built once. */
export function listTiles(): readonly WinogradTile[] {
  return TILE_SPECS.map((s) => getTile(s.T, s.r));
}

/**
 * The tile with input size T for r x r kernels: T=4 F(2x2,3x3), T=6 F(4x4,3x3),
 * T=8 F(6x6,3x3) (r=3) or F(4x4,5x5) (r=5). Throws a usage error naming the choices.
 */
export function getTile(T: number, r = 3): WinogradTile {
  const key = `${T}/${r}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const spec = TILE_SPECS.find((s) => s.T === T && s.r === r);
  if (!spec) {
    const choices = TILE_SPECS.map((s) => `${s.T} = ${tileName(s.m, s.r)}`).join(', ');
    throw usageError(msg`no Winograd tile with T=${T} for ${r}x${r} kernels; choose ${opt('tile')} from: ${choices}`);
  }
  const tile = build(spec);
  cache.set(key, tile);
  return tile;
}

/**
 * F(4x4,3x3) at points 0, ±1, ±2 (Lavin & Gray 2016): the tile whose transforms both
 * WebAssembly modules have written out by hand (`$btF4x4` and `$atF4x4` in kernels.wat and
 * runtime.wat); every other tile goes through their generic sparse transforms.
 */
export const F4X4: WinogradTile = getTile(6, 3);

/** True when B^T and A^T (row-major, flat) are exactly F4X4's, so the hand-written transforms apply. */
export function isF4x4(T: number, m: number, BT: ArrayLike<number>, AT: ArrayLike<number>): boolean {
  const same = (a: ArrayLike<number>, b: readonly (readonly number[])[]) => {
    const flat = b.flat();
    return a.length === flat.length && flat.every((v, i) => a[i] === v);
  };
  return T === F4X4.T && m === F4X4.m && same(BT, F4X4.BT) && same(AT, F4X4.AT);
}

/** Tiles along each axis covering an outH x outW output with m x m output tiles (the last ones overhang). */
export function tileGrid(outH: number, outW: number, m: number): { readonly tilesH: number; readonly tilesW: number } {
  return { tilesH: Math.ceil(outH / m), tilesW: Math.ceil(outW / m) };
}

import type { WinogradTile } from './tiles.js';

/**
 * Winograd-domain weights W = G g G^T (T x T per kernel), computed in float64.
 */

/** One kernel: g is r x r, the result T x T. */
export function winogradKernel(tile: WinogradTile, g: readonly (readonly number[])[]): number[][] {
  const { G, T, r } = tile;
  const Gg = G.map((Gi) => Array.from({ length: r }, (_, l) => Gi.reduce((acc, Gik, k) => acc + Gik * g[k]![l]!, 0)));
  return Array.from({ length: T }, (_, i) => Array.from({ length: T }, (_, j) => Gg[i]!.reduce((acc, v, l) => acc + v * G[j]![l]!, 0)));
}

/**
 * Each kernel's W = G g G^T in float64, T x T row-major in `wk` (reused), handed to `visit`;
 * with `mask`, g's entries where it is 0 count as zeros. Sums run in the same order for every
 * caller, so a zero counted here is a zero winogradWeight writes.
 */
function eachKernel(
  tile: WinogradTile,
  g: ArrayLike<number>,
  cout: number,
  cin: number,
  mask: Uint8Array | undefined,
  visit: (co: number, ci: number, wk: Float64Array) => void,
): void {
  const { T, r } = tile;
  if (g.length !== cout * cin * r * r) {
    throw new RangeError(`winogradWeight: expected ${cout}x${cin}x${r}x${r} weights, got ${g.length} values`);
  }
  const G = Float64Array.from(tile.G.flat());
  const Gg = new Float64Array(T * r);
  const wk = new Float64Array(T * T);
  for (let co = 0; co < cout; co++) {
    for (let ci = 0; ci < cin; ci++) {
      const base = (co * cin + ci) * r * r;
      for (let i = 0; i < T; i++)
        for (let l = 0; l < r; l++) {
          let s = 0;
          for (let k = 0; k < r; k++) {
            const e = base + k * r + l;
            s += G[i * r + k]! * (mask && !mask[e] ? 0 : g[e]!);
          }
          Gg[i * r + l] = s;
        }
      for (let i = 0; i < T; i++)
        for (let j = 0; j < T; j++) {
          let s = 0;
          for (let l = 0; l < r; l++) s += Gg[i * r + l]! * G[j * r + l]!;
          wk[i * T + j] = s;
        }
      visit(co, ci, wk);
    }
  }
}

/**
 * A whole layer. `g` holds spatial weights in ONNX layout OIHW (cout x cin x r x r); the result
 * is in the Winograd op's per-position layout [T*T, cin, cout], index ((i*T + j)*cin + ci)*cout + co,
 * so that position p's slice is the matrix W_p of M_p = V_p x W_p (docs/method.md).
 */
export function winogradWeight(tile: WinogradTile, g: ArrayLike<number>, cout: number, cin: number): Float64Array {
  const T2 = tile.T * tile.T;
  const out = new Float64Array(T2 * cin * cout);
  eachKernel(tile, g, cout, cin, undefined, (co, ci, wk) => {
    for (let p = 0; p < T2; p++) out[(p * cin + ci) * cout + co] = wk[p]!;
  });
  return out;
}

/** Exact zeros of W = G (g with `mask`'s zeros) G^T over a layer, without building W. */
export function winogradZeros(tile: WinogradTile, g: ArrayLike<number>, cout: number, cin: number, mask?: Uint8Array): number {
  let zeros = 0;
  eachKernel(tile, g, cout, cin, mask, (_co, _ci, wk) => {
    for (let p = 0; p < wk.length; p++) if (wk[p] === 0) zeros++;
  });
  return zeros;
}

/** Exact zeros (+0 and -0) among the values: what sparsity counts, in either domain. */
export function zeroCount(a: ArrayLike<number>): number {
  let zeros = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === 0) zeros++;
  return zeros;
}

/** Fraction of exact zeros: the Winograd-domain sparsity of a layer's weights. */
export function winogradSparsity(w: ArrayLike<number>): number {
  return w.length === 0 ? 0 : zeroCount(w) / w.length;
}

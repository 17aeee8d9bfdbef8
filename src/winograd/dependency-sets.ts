import type { WinogradTile } from './tiles.js';

/**
 * The dependency set S(i,j): the spatial weights g[k][l] that Winograd weight
 * W[i][j] = (G g G^T)[i][j] = sum_{k,l} G[i][k] g[k][l] G[j][l] depends on, i.e. those with
 * G[i][k] != 0 and G[j][l] != 0. Zeroing all of S(i,j) makes W[i][j] exactly zero — the
 * structured groups of spatial pruning (docs/method.md, step 1). The matrices are exact, so the
 * zero test is exact.
 */
export type DependencySet = readonly (readonly [k: number, l: number])[];

export function dependencySet(tile: WinogradTile, i: number, j: number): DependencySet {
  const rows = nonzeroColumns(tile.G[i]!);
  const cols = nonzeroColumns(tile.G[j]!);
  return rows.flatMap((k) => cols.map((l) => [k, l] as const));
}

/** S(i,j) for all T*T positions, row-major: index p = i*T + j. */
export function dependencySets(tile: WinogradTile): readonly DependencySet[] {
  const sets: DependencySet[] = [];
  for (let i = 0; i < tile.T; i++) for (let j = 0; j < tile.T; j++) sets.push(dependencySet(tile, i, j));
  return sets;
}

function nonzeroColumns(row: readonly number[]): number[] {
  return row.flatMap((v, k) => (v !== 0 ? [k] : []));
}

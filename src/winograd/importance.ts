import type { WinogradTile } from './tiles.js';

/**
 * The importance factor matrix Γ (docs/method.md, step 2). The output sees W[i][j] through row i
 * and column j of the input transform and the output transform, so
 *
 *   Γ[i][j] = k_i k_j,   k_i = ||row i of B^T||_2 * ||column i of A^T||_2
 *
 * norm 'min' scales Γ so that min Γ = 1 (the authors' setting); 'none' keeps the unscaled
 * values (for F(4x4,3x3) they run from 42 to 850, for F(2x2,3x3) they are 2, 2√2 and 4).
 */
export type ImportanceNorm = 'min' | 'none';

/**
 * Step 2's default gain on the gradient scale Γ^-2 (docs/method.md, "Step 2's defaults"). With
 * p = 2 every position of a tile retrains at the same effective rate, gain · lr; the study in
 * docs/results.md measured where one stage recovers from pruning without undoing it, at lr 0.01
 * and 0.001: 8 for F(2x2,3x3), 64 for F(4x4,3x3). Larger tiles (not studied) take F(4x4,3x3)'s.
 * The gain belongs to p = 2: any other power keeps gain 1, the scale Γ^-p it always had.
 */
export function defaultImportanceGain(tile: WinogradTile, power: number): number {
  if (power !== 2) return 1;
  return tile.T <= 4 ? 8 : 64;
}

/** k_i for each of the T positions of one axis. */
export function importanceRowFactors(tile: WinogradTile): number[] {
  return Array.from({ length: tile.T }, (_, i) => {
    const b = Math.hypot(...tile.BT[i]!);
    const a = Math.hypot(...tile.AT.map((row) => row[i]!));
    return a * b;
  });
}

export function importanceFactor(tile: WinogradTile, opts: { norm: ImportanceNorm }): number[][] {
  const k = importanceRowFactors(tile);
  const gamma = k.map((ki) => k.map((kj) => ki * kj));
  if (opts.norm === 'none') return gamma;
  const min = Math.min(...gamma.flat());
  return gamma.map((row) => row.map((v) => v / min));
}

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

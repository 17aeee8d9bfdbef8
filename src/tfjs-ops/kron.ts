/**
 * Kronecker product of two dense matrices (float64, row-major number[][]).
 *
 *   kron(A, B)[i*p + k][j*q + l] = A[i][j] * B[k][l],   A: n x m, B: p x q
 *
 * Why: with row-major flattening of a T x T tile d, vec(B^T d B) = kron(B^T, B^T) vec(d), so the
 * 2D Winograd transforms of all tiles become one matrix product.
 */
export function kron(A: readonly (readonly number[])[], B: readonly (readonly number[])[]): number[][] {
  const n = A.length;
  const m = A[0]?.length ?? 0;
  const p = B.length;
  const q = B[0]?.length ?? 0;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < p; k++) {
      const row = new Array<number>(m * q);
      for (let j = 0; j < m; j++) {
        for (let l = 0; l < q; l++) row[j * q + l] = A[i]![j]! * B[k]![l]!;
      }
      out.push(row);
    }
  }
  return out;
}

/** Transpose of a dense matrix. */
export function transposeMatrix(A: readonly (readonly number[])[]): number[][] {
  const rows = A.length;
  const cols = A[0]?.length ?? 0;
  return Array.from({ length: cols }, (_, j) => Array.from({ length: rows }, (_, i) => A[i]![j]!));
}

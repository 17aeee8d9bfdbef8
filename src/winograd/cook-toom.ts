import { ONE, ZERO, div, eq, fromNumber, isZero, mul, neg, pow, sub, type Rational, type RationalMatrix } from './rational.js';

/**
 * Exact Winograd matrices for F(m, r) (1-D; the 2-D algorithm nests it) from n - 1 finite
 * interpolation points a_0..a_{n-2} plus the point at infinity, n = m + r - 1 (Cook-Toom /
 * Lagrange construction, Lavin & Gray 2016, as in the wincnn generator):
 *
 *   A^T[i][j] = a_j^i                 (m x n; the infinity column is e_{m-1})
 *   G[j][k]   = f_j a_j^k,  f_j = 1 / prod_{l != j} (a_j - a_l)   (n x r; infinity row e_{r-1})
 *   B^T       = the unique matrix with  A^T [(G g) ⊙ (B^T d)] = correlation of d with g
 *
 * B^T is found by solving that bilinear identity exactly (it is linear in B^T), which keeps the
 * construction short and checks itself: an inconsistent system throws.
 *
 * Sign normalisation: the sign of each triple (A^T column j, G row j, B^T row j) can flip two
 * of its members without changing the algorithm. G's row for the point 0 is made positive
 * (wincnn's rule); `flipInfinity` negates the infinity column of A^T and row of B^T, which
 * Lavin & Gray's published F(2x2,3x3) uses. With these, F(2,3) and F(4,3) reproduce the
 * published matrices exactly.
 */
export interface ExactMatrices {
  readonly AT: RationalMatrix;
  readonly G: RationalMatrix;
  readonly BT: RationalMatrix;
}

export function cookToom(m: number, r: number, points: readonly number[], opts: { flipInfinity?: boolean } = {}): ExactMatrices {
  const n = m + r - 1;
  if (points.length !== n - 1) {
    throw new RangeError(`F(${m},${r}) needs ${n - 1} finite points, got ${points.length}`);
  }
  const a = points.map(fromNumber);
  for (let i = 0; i < a.length; i++)
    for (let j = 0; j < i; j++) if (eq(a[i]!, a[j]!)) throw new RangeError(`interpolation points must differ: ${points[i]} repeats`);

  const infSign = opts.flipInfinity ? neg(ONE) : ONE;
  const AT: RationalMatrix = Array.from({ length: m }, (_, i) => [...a.map((aj) => pow(aj, i)), i === m - 1 ? infSign : ZERO]);

  const f = a.map((aj, j) => a.reduce((acc, al, l) => (l === j ? acc : mul(acc, sub(aj, al))), ONE));
  const G: RationalMatrix = [
    ...a.map((aj, j) => {
      let scale = div(ONE, f[j]!);
      if (isZero(aj) && scale.num < 0n) scale = neg(scale);
      return Array.from({ length: r }, (_, k) => mul(scale, pow(aj, k)));
    }),
    Array.from({ length: r }, (_, k) => (k === r - 1 ? ONE : ZERO)),
  ];

  return { AT, G, BT: solveInputTransform(AT, G, m, r, n) };
}

/**
 * Solves sum_j AT[i][j] G[j][k] BT[j][l] = [l == i + k] for BT (n*n unknowns, m*r*n equations)
 * by exact Gaussian elimination; throws if the system has no solution or several.
 */
function solveInputTransform(AT: RationalMatrix, G: RationalMatrix, m: number, r: number, n: number): RationalMatrix {
  const unknowns = n * n; // BT[j][l] -> j * n + l
  const rows: Rational[][] = [];
  for (let i = 0; i < m; i++)
    for (let k = 0; k < r; k++)
      for (let l = 0; l < n; l++) {
        const row = new Array<Rational>(unknowns + 1).fill(ZERO);
        for (let j = 0; j < n; j++) row[j * n + l] = mul(AT[i]![j]!, G[j]![k]!);
        row[unknowns] = l === i + k ? ONE : ZERO;
        rows.push(row);
      }
  let pivotRow = 0;
  const pivotCols: number[] = [];
  for (let col = 0; col < unknowns && pivotRow < rows.length; col++) {
    const p = rows.findIndex((row, idx) => idx >= pivotRow && !isZero(row[col]!));
    if (p < 0) continue;
    [rows[pivotRow], rows[p]] = [rows[p]!, rows[pivotRow]!];
    const pr = rows[pivotRow]!;
    const inv = div(ONE, pr[col]!);
    for (let c = col; c <= unknowns; c++) pr[c] = mul(pr[c]!, inv);
    for (let q = 0; q < rows.length; q++) {
      const row = rows[q]!;
      if (q === pivotRow || isZero(row[col]!)) continue;
      const factor = row[col]!;
      for (let c = col; c <= unknowns; c++) row[c] = sub(row[c]!, mul(factor, pr[c]!));
    }
    pivotCols.push(col);
    pivotRow++;
  }
  if (pivotCols.length !== unknowns) throw new Error('Cook-Toom: input transform is not unique');
  if (rows.slice(pivotRow).some((row) => !isZero(row[unknowns]!))) {
    throw new Error('Cook-Toom: inconsistent system (points do not define a valid algorithm)');
  }
  const BT: RationalMatrix = Array.from({ length: n }, () => new Array<Rational>(n).fill(ZERO));
  pivotCols.forEach((col, idx) => {
    BT[Math.floor(col / n)]![col % n] = rows[idx]![unknowns]!;
  });
  return BT;
}

/**
 * Matrix products on a KernelRunner: C = A B (or C += A B), with A and B optionally transposed,
 * every operand a row-major float32 matrix in the runner's heap.
 *
 *   gemm(runner, { m, n, k, a, b, c })               operands as heap byte offsets
 *   matmul(runner, A, B, m, n, k, opts)              plain Float32Arrays in, a new one out
 *
 * How: B is packed into panels of 8 columns (zero-padded), A is read in place through its
 * strides (a transposed A just swaps them), and kernels.wat's `gemm` sweeps 2 x 16 tiles of C in
 * blocks of KC steps of the reduction and MC rows (cache blocking; the tiles are the shared
 * library's dense product, src/wasm/lib/gemm.wat, which the runtime runs too). The rows of C are split
 * between the threads in runs of multiples of 4; each element of C is computed by one thread in
 * the same order for any thread count, so the result does not depend on the number of threads.
 */
import type { KernelRunner } from './runner.js';
import { splitRange } from './runner.js';

/** Reduction block: a panel of B (KC x 8 floats, 8 KiB) stays in the first-level cache. */
export const KC = 256;
/** Row block: a block of A (MC x KC floats, 128 KiB) stays in the second-level cache. */
export const MC = 128;
/** Below this many multiply-adds a product runs on the calling thread alone. */
export const PARALLEL_MIN_MACS = 1 << 17;

/** A row-major matrix in the heap: byte offset, row stride in floats (default: its width). */
export interface MatrixOperand {
  readonly ptr: number;
  readonly ld?: number;
  /** The operand is stored transposed: A as [k, m], B as [n, k]. */
  readonly trans?: boolean;
}

export interface GemmArgs {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly a: MatrixOperand;
  readonly b: MatrixOperand;
  /** Output [m, n]; `ld` its row stride in floats. */
  readonly c: { readonly ptr: number; readonly ld?: number };
  /** C += A B instead of C = A B. */
  readonly accumulate?: boolean;
}

/** Floats of B packed into 8-column panels. */
export const packedSize = (k: number, n: number) => Math.ceil(n / 8) * 8 * k;

/**
 * Packs B (k x n; `trans`: stored n x k) into `dst` (packedSize(k, n) floats) for gemmPacked.
 * Weights that do not change between products (a dense layer at inference) are packed once.
 */
export function packB(runner: KernelRunner, dst: number, b: MatrixOperand, k: number, n: number): void {
  const ld = b.ld ?? (b.trans ? k : n);
  const [sks, sns] = b.trans ? [4, ld * 4] : [ld * 4, 4];
  runner.kernels.pack_b(dst, b.ptr, sks, sns, k, n);
}

/** C = A B (or C += A B) for B already packed by packB at `packed`. */
export function gemmPacked(runner: KernelRunner, args: Omit<GemmArgs, 'b'>, packed: number): void {
  const { m, n, k, a, c } = args;
  if (m === 0 || n === 0) return;
  const lda = a.ld ?? (a.trans ? m : k);
  const [ars, aks] = a.trans ? [4, lda * 4] : [lda * 4, 4];
  const ldc = (c.ld ?? n) * 4;
  const threads = m * n * k < PARALLEL_MIN_MACS ? 1 : Math.min(runner.threads, Math.ceil(m / 4));
  runner.parallel('gemm', (t) => {
    if (t >= threads) return null;
    const [i0, i1] = splitRange(m, threads, t);
    if (i1 <= i0) return null;
    return [c.ptr + i0 * ldc, ldc, a.ptr + i0 * ars, ars, aks, packed, 32, k * 32, i1 - i0, n, k, args.accumulate ? 1 : 0, KC, MC];
  });
}

/** C = A B (or C += A B); B is packed into heap scratch for the call. */
export function gemm(runner: KernelRunner, args: GemmArgs): void {
  const mark = runner.heap.mark();
  try {
    const packed = runner.heap.alloc(packedSize(args.k, args.n));
    packB(runner, packed, args.b, args.k, args.n);
    gemmPacked(runner, args, packed);
  } finally {
    runner.heap.release(mark);
  }
}

/**
 * A B for plain arrays: A is m x k (k x m with transA), B is k x n (n x k with transB); returns
 * the m x n product. Copies the operands into the runner's heap and the result out.
 */
export function matmul(
  runner: KernelRunner,
  A: Float32Array,
  B: Float32Array,
  m: number,
  n: number,
  k: number,
  opts: { transA?: boolean; transB?: boolean } = {},
): Float32Array {
  if (A.length !== m * k || B.length !== k * n)
    throw new Error(`matmul: A has ${A.length} floats and B ${B.length}, expected ${m * k} and ${k * n}`);
  const heap = runner.heap;
  const mark = heap.mark();
  try {
    const a = heap.put(A);
    const b = heap.put(B);
    const c = heap.alloc(m * n);
    gemm(runner, { m, n, k, a: { ptr: a, trans: opts.transA }, b: { ptr: b, trans: opts.transB }, c: { ptr: c } });
    return heap.read(c, m * n);
  } finally {
    heap.release(mark);
  }
}

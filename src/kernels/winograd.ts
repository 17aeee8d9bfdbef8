/**
 * Winograd convolution F(m x m, r x r) with per-position weights W [T*T, cin, cout] on a
 * KernelRunner (stride 1, NHWC), fused: each thread takes a run of tiles and, chunk by chunk,
 * transforms its input tiles (V = B^T d B), multiplies per position (M[q] = V[q] W[q], the
 * library's gemm) and transforms back (Y = A^T M A), so nothing of the size of the Winograd
 * domain goes through memory twice. The backward pass recomputes V from x (cheaper than keeping
 * it), and per chunk: dM = A dy A^T, dW[q] += V[q]^T dM[q] (per-thread partial sums, added in
 * thread order), dV[q] = dM[q] W[q]^T, and each tile's input-gradient contribution B dV B^T
 * added into dx. Threads take whole images, whose tiles never overlap another image's, so
 * there are no write races and dx is summed in the same order for any thread count.
 *
 *   winogradForward(runner, g, x, w, y, bias?)    y = winograd(x, W) (+ bias)
 *   winogradBackward(runner, g, x, dy, w, dx, dw)  dx and dW of sum(y * dy)
 *
 * The transforms loop over the matrices' nonzeros (float32 values) for 4 channels at a time,
 * except F(4x4,3x3), whose transforms are written out in kernels.wat (a few adds per row, common
 * terms shared); the same numbers as src/tfjs-ops/ (tfjs), summed in another order.
 */
import { denseToSparse } from '../wasm/sparse.js';
import { isF4x4 } from '../winograd/tiles.js';
import { packB, packedSize } from './gemm.js';
import { paramBlock } from './wasm/params.js';
import type { KernelRunner } from './runner.js';
import { splitRange } from './runner.js';

/** One Winograd convolution's shapes (see src/tfjs-ops/winograd-plan.ts for how they follow from the input). */
export interface WinogradGeometry {
  readonly N: number;
  readonly H: number;
  readonly W: number;
  readonly cin: number;
  readonly cout: number;
  readonly m: number;
  readonly T: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly outH: number;
  readonly outW: number;
  readonly tilesH: number;
  readonly tilesW: number;
  /** B^T (T x T) and A^T (m x T), row-major. */
  readonly BT: ArrayLike<number>;
  readonly AT: ArrayLike<number>;
}

/** Floats per thread for chunk buffers: 8 MiB keeps a chunk's transforms and products near the caches. */
const CHUNK_FLOATS = 2 * 1024 * 1024;

const round4 = (n: number) => Math.ceil(n / 4) * 4;

function tiles(g: WinogradGeometry): number {
  return g.N * g.tilesH * g.tilesW;
}

/** Tiles per chunk so that `perTile` floats per tile fit CHUNK_FLOATS (a multiple of 4, at least 4). */
function chunkSize(perTile: number, total: number, threads: number): number {
  const fit = Math.max(4, Math.floor(CHUNK_FLOATS / perTile / 4) * 4);
  return Math.min(fit, Math.max(4, round4(Math.ceil(total / threads))));
}

/**
 * A small dense matrix (rows x cols, row-major) in the heap in the kernels' one sparse encoding
 * (src/wasm/sparse.ts); its byte offset. The transforms skip the zeros (F(4x4,3x3): 22 of B^T's
 * 36 entries are nonzero).
 */
function putSparse(runner: KernelRunner, mat: ArrayLike<number>, rows: number, cols: number): number {
  const bytes = denseToSparse(mat, rows, cols);
  const at = runner.heap.alloc(bytes.length / 4);
  runner.heap.i32.set(new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4), at >> 2);
  return at;
}

const transpose = (mat: ArrayLike<number>, rows: number, cols: number): number[] =>
  Array.from({ length: rows * cols }, (_, i) => mat[(i % rows) * cols + Math.floor(i / rows)]!);

/** The 18 int32 kernels.wat reads (shapes, the sparse B^T, A^T, B, A, the F(4x4,3x3) flag) in the heap; its byte offset. */
function putParams(runner: KernelRunner, g: WinogradGeometry): number {
  const heap = runner.heap;
  const bt = putSparse(runner, g.BT, g.T, g.T);
  const at = putSparse(runner, g.AT, g.m, g.T);
  const b = putSparse(runner, transpose(g.BT, g.T, g.T), g.T, g.T);
  const a = putSparse(runner, transpose(g.AT, g.m, g.T), g.T, g.m);
  const f4x4 = isF4x4(g.T, g.m, g.BT, g.AT) ? 1 : 0;
  const block = paramBlock('winograd', {
    N: g.N,
    H: g.H,
    W: g.W,
    cin: g.cin,
    cout: g.cout,
    m: g.m,
    T: g.T,
    padTop: g.padTop,
    padLeft: g.padLeft,
    outH: g.outH,
    outW: g.outW,
    tilesH: g.tilesH,
    tilesW: g.tilesW,
    BT: bt,
    AT: at,
    B: b,
    A: a,
    f4x4,
  });
  const prm = heap.alloc(block.length);
  heap.i32.set(block, prm >> 2);
  return prm;
}

function check(g: WinogradGeometry): void {
  if (g.T * g.T * 16 > 1024) throw new Error(`winograd kernels: tiles up to 8 x 8, got T = ${g.T}`);
  if (g.BT.length !== g.T * g.T || g.AT.length !== g.m * g.T) throw new Error('winograd kernels: B^T must be T x T and A^T m x T');
}

/**
 * y [N, outH, outW, cout] = the Winograd convolution of x [N, H, W, cin] with w [T*T, cin, cout]
 * (+ bias, cout floats). All byte offsets in runner.heap.
 */
export function winogradForward(runner: KernelRunner, g: WinogradGeometry, x: number, w: number, y: number, bias?: number): void {
  check(g);
  const heap = runner.heap;
  const mark = heap.mark();
  try {
    const T2 = g.T * g.T;
    const prm = putParams(runner, g);
    const wps = packedSize(g.cin, g.cout);
    const packed = heap.alloc(T2 * wps);
    for (let q = 0; q < T2; q++) packB(runner, packed + 4 * q * wps, { ptr: w + 4 * q * g.cin * g.cout }, g.cin, g.cout);
    let b = 0;
    if (bias !== undefined) {
      b = heap.zeros(round4(g.cout));
      heap.f32.copyWithin(b >> 2, bias >> 2, (bias >> 2) + g.cout);
    }
    const P = tiles(g);
    const chunk = chunkSize(T2 * (round4(g.cin) + round4(g.cout)), P, runner.threads);
    const V = heap.alloc(runner.threads * T2 * chunk * round4(g.cin));
    const M = heap.alloc(runner.threads * T2 * chunk * round4(g.cout));
    runner.parallel('winograd_forward', (t) => {
      const [p0, p1] = splitRange(P, runner.threads, t);
      if (p1 <= p0) return null;
      return [
        prm,
        x,
        y,
        packed,
        4 * wps,
        b,
        V + 4 * t * T2 * chunk * round4(g.cin),
        M + 4 * t * T2 * chunk * round4(g.cout),
        p0,
        p1,
        chunk,
        runner.scratch(t),
      ];
    });
  } finally {
    heap.release(mark);
  }
}

/**
 * dx [N, H, W, cin] and dw [T*T, cin, cout] (both overwritten) for the output gradient dy of
 * winogradForward(x, w). All byte offsets in runner.heap.
 */
export function winogradBackward(
  runner: KernelRunner,
  g: WinogradGeometry,
  x: number,
  dy: number,
  w: number,
  dx: number,
  dw: number,
): void {
  backward(runner, g, x, dy, w, dx, dw);
}

/** dw [T*T, cin, cout] (overwritten) alone: winogradBackward without the input gradient. */
export function winogradWeightGrad(runner: KernelRunner, g: WinogradGeometry, x: number, dy: number, dw: number): void {
  backward(runner, g, x, dy, undefined, undefined, dw);
}

function backward(
  runner: KernelRunner,
  g: WinogradGeometry,
  x: number,
  dy: number,
  w: number | undefined,
  dx: number | undefined,
  dw: number,
): void {
  check(g);
  const heap = runner.heap;
  const mark = heap.mark();
  try {
    const T2 = g.T * g.T;
    const [cin4, cout4] = [round4(g.cin), round4(g.cout)];
    const prm = putParams(runner, g);
    const wtps = packedSize(g.cout, g.cin);
    let packedT = 0;
    if (w !== undefined) {
      packedT = heap.alloc(T2 * wtps);
      for (let q = 0; q < T2; q++) packB(runner, packedT + 4 * q * wtps, { ptr: w + 4 * q * g.cin * g.cout, trans: true }, g.cout, g.cin);
    }
    const P = tiles(g);
    // Whole images per thread: their tiles' input-gradient contributions never overlap another thread's.
    const threads = Math.min(runner.threads, g.N);
    const perImage = g.tilesH * g.tilesW;
    const chunk = chunkSize(T2 * (2 * cin4 + cout4), P, threads);
    const part = T2 * g.cin * g.cout;
    const partials = heap.zeros(threads * part);
    const V = heap.alloc(threads * T2 * chunk * cin4);
    const dM = heap.alloc(threads * T2 * chunk * cout4);
    const dV = w === undefined ? 0 : heap.alloc(threads * T2 * chunk * cin4);
    runner.parallel('winograd_backward', (t) => {
      if (t >= threads) return null;
      const [n0, n1] = splitRange(g.N, threads, t, 1);
      if (n1 <= n0) return null;
      const at = (base: number, per: number) => (base ? base + 4 * t * T2 * chunk * per : 0);
      return [
        prm,
        x,
        dy,
        packedT,
        4 * wtps,
        dx ?? 0,
        partials + 4 * t * part,
        at(V, cin4),
        at(dM, cout4),
        at(dV, cin4),
        n0 * perImage,
        n1 * perImage,
        chunk,
        runner.scratch(t),
      ];
    });
    for (let t = 1; t < threads; t++) runner.kernels.add_to(partials, partials + 4 * t * part, part);
    heap.f32.copyWithin(dw >> 2, partials >> 2, (partials >> 2) + part);
  } finally {
    heap.release(mark);
  }
}

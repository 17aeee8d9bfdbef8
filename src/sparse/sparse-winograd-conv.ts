/**
 * Sparse Winograd convolution on typed arrays (no tensors): the inference path of a bundle.
 *
 *   per chunk of tiles:  V_p = (B^T d B)_p       input transform
 *                        M_p = W_p^T V_p          only the nonzeros of W_p are visited
 *                        Y = A^T M A + bias      output transform
 *
 * Every buffer is laid out [2D index][channel][tile], so a nonzero weight combines contiguous
 * runs of tiles — the zeros of W cost nothing — and a transform (B^T or A^T along one axis)
 * combines whole [channel][tile] blocks. Both are the same kernel: a sparse matrix applied
 * along one axis. Activations are NHWC, as the executor
 * stores them: the input is copied once into the kernels' heap, zero-padded to whole tiles, the
 * output is written there in whole tiles and cropped when copied out. The loops themselves are
 * the block kernels' (block-kernels.ts: WebAssembly SIMD, or TypeScript).
 */

import { blockKernels, type BlockKernels } from './block-kernels.js';

/** One Winograd position's weights W_p [Cin, Cout] as compressed sparse rows. */
export interface CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly rowPtr: Int32Array;
  readonly colIdx: Int32Array;
  readonly values: Float32Array;
}

export interface SparseWinogradLayer {
  /** Input tile, output tile, kernel size (T = m + r - 1). */
  readonly T: number;
  readonly m: number;
  readonly r: number;
  /** Input channels of the layer (all groups). */
  readonly cin: number;
  readonly cout: number;
  /** Groups (default 1): each position's matrix is then (cin/group) x cout, rows local to the output's group. */
  readonly group?: number;
  /** [top, left, bottom, right], stride 1. */
  readonly pads: readonly [number, number, number, number];
  /** A^T, m x T row-major. */
  readonly AT: Float32Array;
  /** B^T, T x T row-major. */
  readonly BT: Float32Array;
  /** T*T matrices, position p = i*T + j, each Cin x Cout. */
  readonly positions: readonly CsrMatrix[];
  readonly bias?: Float32Array;
}

/** Tiles per chunk: a chunk's buffers stay in cache for typical channel counts. */
const CHUNK = 64;
/** The transform kernel moves 32 floats (8 SIMD vectors) of tiles at a time. */
const LANES = 32;
const up = (n: number, to: number) => Math.ceil(n / to) * to;

/**
 * A sparse matrix as the kernels read it (block-kernels.ts, TransformArgs): int32 rowPtr[rows + 1]
 * and col[nnz] in `ints`, then float val[nnz], stored one after the other.
 */
interface KernelMatrix { ints: Int32Array; vals: Float32Array }

/** A row-major dense matrix, zeros dropped. */
function kernelMatrix(a: Float32Array, rows: number, cols: number): KernelMatrix {
  const ptr = [0];
  const col: number[] = [];
  const val: number[] = [];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (a[i * cols + j] !== 0) {
        col.push(j);
        val.push(a[i * cols + j]!);
      }
    }
    ptr.push(col.length);
  }
  return { ints: Int32Array.from([...ptr, ...col]), vals: Float32Array.from(val) };
}

/**
 * W_p^T (Cout x Cin) from W_p in compressed sparse rows: a product is then a transform whose
 * rows are output channels. In a grouped layer row ci of W_p is input channel ci of the
 * output's group: its column in W_p^T is that group's first input channel + ci.
 */
function transposedKernelMatrix(w: CsrMatrix, group: number): KernelMatrix {
  const coutPerGroup = w.cols / group;
  const channel = (ci: number, co: number) => (group === 1 ? ci : Math.floor(co / coutPerGroup) * w.rows + ci);
  const nnz = w.values.length;
  const ptr = new Int32Array(w.cols + 1);
  for (let e = 0; e < nnz; e++) ptr[w.colIdx[e]! + 1]!++;
  for (let co = 0; co < w.cols; co++) ptr[co + 1]! += ptr[co]!;
  const next = ptr.slice(0, w.cols);
  const col = new Int32Array(nnz);
  const vals = new Float32Array(nnz);
  for (let ci = 0; ci < w.rows; ci++) {
    for (let e = w.rowPtr[ci]!; e < w.rowPtr[ci + 1]!; e++) {
      const q = next[w.colIdx[e]!]!++;
      col[q] = channel(ci, w.colIdx[e]!);
      vals[q] = w.values[e]!;
    }
  }
  const ints = new Int32Array(w.cols + 1 + nnz);
  ints.set(ptr);
  ints.set(col, w.cols + 1);
  return { ints, vals };
}

const floatsOf = (mat: KernelMatrix) => mat.ints.length + mat.vals.length;

/** Each layer's W_p^T, built once per weight set. */
const weightCache = new WeakMap<readonly CsrMatrix[], KernelMatrix[]>();
function positionMatrices(positions: readonly CsrMatrix[], group: number): KernelMatrix[] {
  let mats = weightCache.get(positions);
  if (!mats) weightCache.set(positions, (mats = positions.map((w) => transposedKernelMatrix(w, group))));
  return mats;
}

let shared: BlockKernels | undefined;

/**
 * x NHWC [n, h, w, cin] -> y NHWC [n, outH, outW, cout]; outH = h + top + bottom - r + 1.
 * `kernels`: the loops (default: WebAssembly SIMD where available, else TypeScript).
 */
export function sparseWinogradConv(layer: SparseWinogradLayer, x: Float32Array, n: number, h: number, w: number, kernels?: BlockKernels): { data: Float32Array; outH: number; outW: number } {
  const k = kernels ?? (shared ??= blockKernels());
  const { T, m, cin, cout } = layer;
  const [pt, pl, pb, pr] = layer.pads;
  const T2 = T * T;
  const outH = h + pt + pb - layer.r + 1;
  const outW = w + pl + pr - layer.r + 1;
  const th = Math.ceil(outH / m);
  const tw = Math.ceil(outW / m);
  const total = n * th * tw;
  // The input zero-padded to whole tiles, the output in whole tiles (cropped when copied out).
  const xp = { h: (th - 1) * m + T, w: (tw - 1) * m + T };
  const yp = { h: th * m, w: tw * m };
  const weights = positionMatrices(layer.positions, layer.group ?? 1);
  const matrices = [kernelMatrix(layer.BT, T, T), kernelMatrix(layer.AT, m, T), ...weights];

  // The heap, every region starting at a multiple of 4 floats. Chunk buffers are
  // [2D index][channel][tile of the chunk]: a transform combines whole [channel][tile] blocks, a
  // product W_p^T V_p combines V_p's rows of tiles.
  let top = 0;
  const region = (floats: number) => {
    const at = top;
    top += up(floats, 4);
    return at;
  };
  const X = region(n * xp.h * xp.w * cin);
  const Yo = region(n * yp.h * yp.w * cout);
  const bias = region(cout);
  const offsIn = region(CHUNK);
  const offsOut = region(CHUNK);
  const [BT, AT, ...W] = matrices.map((mat) => region(floatsOf(mat)));
  const inBlock = cin * CHUNK;
  const outBlock = cout * CHUNK;
  const D = region(T2 * inBlock); // input tiles d[a][b]
  const U = region(T2 * inBlock); // B^T d, [i][b]
  const V = region(T2 * inBlock); // B^T d B, [i][j]
  const M = region(T2 * outBlock); // the products, [i][j]
  const Z = region(m * T * outBlock); // A^T M, [i'][j]
  const Y = region(m * m * outBlock); // A^T M A, [i'][j']
  k.reserve(top);

  copyPadded(k.heap, X, x, { n, h, w, c: cin, top: pt, left: pl, H: xp.h, W: xp.w });
  k.heap.fill(0, bias, bias + cout);
  if (layer.bias) k.heap.set(layer.bias, bias);
  [BT, AT, ...W].forEach((base, i) => {
    k.ints.set(matrices[i]!.ints, base!);
    k.heap.set(matrices[i]!.vals, base! + matrices[i]!.ints.length);
  });

  for (let start = 0; start < total; start += CHUNK) {
    const nt = Math.min(CHUNK, total - start);
    const lanes = up(nt, LANES);
    // Tile origins in the padded input and output; lanes past the last tile repeat it, so they
    // compute and store the same values again.
    for (let t = 0; t < lanes; t++) {
      const tile = start + Math.min(t, nt - 1);
      const img = Math.floor(tile / (th * tw));
      const ty = Math.floor(tile / tw) % th;
      const tx = tile % tw;
      k.ints[offsIn + t] = ((img * xp.h + ty * m) * xp.w + tx * m) * cin;
      k.ints[offsOut + t] = ((img * yp.h + ty * m) * yp.w + tx * m) * cout;
    }
    k.gather({ dst: D, src: X, offs: offsIn, nt: lanes, T, cin, rowStride: xp.w * cin, chunk: CHUNK });
    // U[i][b] = sum_a BT[i][a] D[a][b] (a line per b);  V[i][j] = sum_b BT[j][b] U[i][b] (a line per i)
    k.transform({ dst: U, src: D, mat: BT!, nOut: T, lines: T, inStep: T * inBlock, outStep: T * inBlock, inLine: inBlock, outLine: inBlock, len: inBlock });
    k.transform({ dst: V, src: U, mat: BT!, nOut: T, lines: T, inStep: inBlock, outStep: inBlock, inLine: T * inBlock, outLine: T * inBlock, len: inBlock });
    // M_p[co] = sum over nonzeros W_p[ci][co] of W_p[ci][co] V_p[ci]: only the nonzeros are visited
    for (let p = 0; p < T2; p++) {
      k.transform({ dst: M + p * outBlock, src: V + p * inBlock, mat: W[p]!, nOut: cout, lines: 1, inStep: CHUNK, outStep: CHUNK, inLine: 0, outLine: 0, len: lanes });
    }
    // Z[i'][j] = sum_i AT[i'][i] M[i][j] (a line per j);  Y[i'][j'] = sum_j AT[j'][j] Z[i'][j] (a line per i')
    k.transform({ dst: Z, src: M, mat: AT!, nOut: m, lines: T, inStep: T * outBlock, outStep: T * outBlock, inLine: outBlock, outLine: outBlock, len: outBlock });
    k.transform({ dst: Y, src: Z, mat: AT!, nOut: m, lines: m, inStep: outBlock, outStep: outBlock, inLine: T * outBlock, outLine: m * outBlock, len: outBlock });
    k.scatter({ dst: Yo, src: Y, offs: offsOut, nt: lanes, m, cout, rowStride: yp.w * cout, chunk: CHUNK, bias });
  }

  if (yp.h === outH && yp.w === outW) return { data: k.heap.slice(Yo, Yo + n * outH * outW * cout), outH, outW };
  const y = new Float32Array(n * outH * outW * cout);
  for (let img = 0; img < n; img++) {
    for (let yy = 0; yy < outH; yy++) {
      const src = Yo + (img * yp.h + yy) * yp.w * cout;
      y.set(k.heap.subarray(src, src + outW * cout), (img * outH + yy) * outW * cout);
    }
  }
  return { data: y, outH, outW };
}

/** x NHWC [n, h, w, c] into heap at `at` as [n, H, W, c], shifted by (top, left), zeros around it. */
function copyPadded(heap: Float32Array, at: number, x: Float32Array, s: { n: number; h: number; w: number; c: number; top: number; left: number; H: number; W: number }): void {
  const { n, h, w, c, top, left, H, W } = s;
  const row = W * c;
  for (let img = 0; img < n; img++) {
    const base = at + img * H * row;
    heap.fill(0, base, base + top * row);
    heap.fill(0, base + (top + h) * row, base + H * row);
    for (let yy = 0; yy < h; yy++) {
      const dst = base + (top + yy) * row;
      heap.fill(0, dst, dst + left * c);
      heap.set(x.subarray((img * h + yy) * w * c, (img * h + yy + 1) * w * c), dst + left * c);
      heap.fill(0, dst + (left + w) * c, dst + row);
    }
  }
}

/** T*T CSR matrices W_p [Cin, Cout] from a dense Winograd weight in [T*T, Cin, Cout] layout (zeros dropped). */
export function csrFromDense(perPosition: Float32Array, T2: number, cin: number, cout: number): CsrMatrix[] {
  return Array.from({ length: T2 }, (_, p) => {
    const rowPtr = new Int32Array(cin + 1);
    const cols: number[] = [];
    const vals: number[] = [];
    for (let ci = 0; ci < cin; ci++) {
      for (let co = 0; co < cout; co++) {
        const v = perPosition[(p * cin + ci) * cout + co]!;
        if (v !== 0) {
          cols.push(co);
          vals.push(v);
        }
      }
      rowPtr[ci + 1] = cols.length;
    }
    return { rows: cin, cols: cout, rowPtr, colIdx: Int32Array.from(cols), values: Float32Array.from(vals) };
  });
}

/**
 * Weights in the layouts the kernels read (runtime.wat), built once when a bundle is loaded.
 * Pure functions on typed arrays.
 */
import type { CsrData, MatrixData } from '../../bundle/decode.js';
import { denseToSparse } from '../../wasm/sparse.js';
import { zeroCount } from '../../winograd/winograd-weight.js';

export const ceil4 = (n: number) => Math.ceil(n / 4) * 4;

/** Bytes of a matrix the kernels read (a sparse one: src/wasm/sparse.ts's encoding). */
export interface KernelMatrix {
  readonly bytes: Uint8Array;
}

/** A dense transform matrix (B^T or A^T) in the kernels' sparse encoding, zeros dropped. */
export function transformMatrix(m: MatrixData): KernelMatrix {
  return { bytes: denseToSparse(m.values, m.rows, m.cols) };
}

/**
 * Position p's product matrix: W_p^T with one row per (padded) output channel, entries
 * (byte offset of V_p's row of the input channel, W_p[ci][co] * scale[co]), by input channel.
 * Grouped layers: row ci of W_p is input channel ci of co's group, g * cin + ci. The bytes of
 * sparseMatrix (src/wasm/sparse.ts) on those rows, written straight into typed arrays: a
 * ResNet-18 bundle has millions of entries, and a tuple each made planning it take seconds,
 * most of them in the garbage collector.
 */
export function positionMatrix(w: CsrData, coutp: number, rowBytes: number, scale?: Float32Array, group = 1): KernelMatrix {
  const nnz = w.rowPtr[w.rows]!;
  const next = new Int32Array(coutp + 1);
  for (let e = 0; e < nnz; e++) next[w.colIdx[e]! + 1]! += 2;
  // next[co]: the word where row co's next entry goes (after the row-start table)
  next[0] = coutp + 1;
  for (let co = 0; co < coutp; co++) next[co + 1]! += next[co]!;
  const buf = new ArrayBuffer((coutp + 1 + 2 * nnz) * 4);
  const ints = new Int32Array(buf);
  const vals = new Float32Array(buf);
  for (let co = 0; co <= coutp; co++) ints[co] = next[co]! * 4;
  const coutG = w.cols / group;
  for (let ci = 0; ci < w.rows; ci++) {
    for (let e = w.rowPtr[ci]!; e < w.rowPtr[ci + 1]!; e++) {
      const co = w.colIdx[e]!;
      const at = next[co]!;
      ints[at] = (Math.floor(co / coutG) * w.rows + ci) * rowBytes;
      vals[at + 1] = scale ? Math.fround(w.values[e]! * scale[co]!) : w.values[e]!;
      next[co] = at + 2;
    }
  }
  return { bytes: new Uint8Array(buf) };
}

/**
 * A sparse direct convolution's weights (runtime.wat, op 10): OIHW [cout, cin, kh, kw] as one
 * row per padded output channel (coutp) of entries (byte offset of window entry k's row of V,
 * weight), k = (ky * kw + kx) * cinp + ci in increasing order, zeros left out: the bytes of
 * sparseMatrix (src/wasm/sparse.ts) written straight into typed arrays, as positionMatrix.
 */
export function sparseConvMatrix(
  w: Float32Array,
  cout: number,
  cin: number,
  kh: number,
  kw: number,
  coutp: number,
  cinp: number,
  rowBytes: number,
): KernelMatrix {
  const per = cin * kh * kw;
  const nnz = w.length - zeroCount(w);
  const buf = new ArrayBuffer((coutp + 1 + 2 * nnz) * 4);
  const ints = new Int32Array(buf);
  const vals = new Float32Array(buf);
  let at = coutp + 1;
  for (let co = 0; co < coutp; co++) {
    ints[co] = at * 4;
    for (let ky = 0; co < cout && ky < kh; ky++)
      for (let kx = 0; kx < kw; kx++)
        for (let ci = 0; ci < cin; ci++) {
          const v = w[co * per + (ci * kh + ky) * kw + kx]!;
          if (v === 0) continue;
          ints[at] = ((ky * kw + kx) * cinp + ci) * rowBytes;
          vals[at + 1] = v;
          at += 2;
        }
  }
  ints[coutp] = at * 4;
  return { bytes: new Uint8Array(buf) };
}

/**
 * Position p's matrix for the dense product kernel (a dense convolution's layer, or a bundle
 * layer with few zeros): i32 cin, 12 bytes of padding, then f32 [coutp / 2][cin][2],
 * W_p[ci][co] * scale[co], zero where W_p has no entry and for padded output channels.
 */
export function densePositionMatrix(w: CsrData, coutp: number, scale?: Float32Array): KernelMatrix {
  const cin = w.rows;
  const buf = new ArrayBuffer(16 + coutp * cin * 4);
  new Int32Array(buf, 0, 1)[0] = cin;
  const f = new Float32Array(buf, 16);
  for (let ci = 0; ci < cin; ci++) {
    for (let e = w.rowPtr[ci]!; e < w.rowPtr[ci + 1]!; e++) {
      const co = w.colIdx[e]!;
      f[((co >> 1) * cin + ci) * 2 + (co & 1)] = scale ? Math.fround(w.values[e]! * scale[co]!) : w.values[e]!;
    }
  }
  return { bytes: new Uint8Array(buf) };
}

/**
 * Dense convolution weights OIHW [cout, cinG, kh, kw] -> per group, blocks of 8 output channels
 * [block][k][8] then a block of 4 [k][4] when the group's (padded) channel count is 4 mod 8;
 * k = (ky * kw + kx) * cinRun + ci, matching the window offset table (cinRun = cinG) or the
 * row runs (cinRun = the input's padded channel count). Padded channels are zero.
 */
export function packConv(
  w: Float32Array,
  cout: number,
  cinG: number,
  kh: number,
  kw: number,
  groups: number,
  coutg: number,
  cinRun = cinG,
): Float32Array {
  const K = kh * kw * cinRun;
  const realG = cout / groups;
  const out = new Float32Array(groups * K * coutg);
  for (let g = 0; g < groups; g++) {
    const base = g * K * coutg;
    for (let j = 0; j < coutg; j++) {
      const co = g * realG + j;
      const block = j >> 3;
      const width = block * 8 + 8 <= coutg ? 8 : 4;
      const lane = j - block * 8;
      for (let ky = 0; ky < kh; ky++)
        for (let kx = 0; kx < kw; kx++)
          for (let ci = 0; ci < cinG; ci++) {
            const k = (ky * kw + kx) * cinRun + ci;
            out[base + block * 8 * K + k * width + lane] = j < realG ? w[((co * cinG + ci) * kh + ky) * kw + kx]! : 0;
          }
    }
  }
  return out;
}

/** Fully connected weights [K][O] -> blocks of 8 outputs [block][k][8], then [k][4]; O padded to op. */
export function packFc(w: Float32Array, K: number, O: number, op: number): Float32Array {
  const out = new Float32Array(K * op);
  for (let o = 0; o < O; o++) {
    const block = o >> 3;
    const width = block * 8 + 8 <= op ? 8 : 4;
    const lane = o - block * 8;
    for (let k = 0; k < K; k++) out[block * 8 * K + k * width + lane] = w[k * O + o]!;
  }
  return out;
}

/** Depthwise weights [C, 1, kh, kw] -> [tap][cp]. */
export function packDepthwise(w: Float32Array, C: number, kh: number, kw: number, cp: number): Float32Array {
  const out = new Float32Array(kh * kw * cp);
  for (let c = 0; c < C; c++) for (let t = 0; t < kh * kw; t++) out[t * cp + c] = w[c * kh * kw + t]!;
  return out;
}

/** A per-channel vector padded to cp lanes with `fill`. */
export function padded(v: Float32Array | undefined, C: number, cp: number, fill = 0): Float32Array {
  const out = new Float32Array(cp).fill(fill);
  if (v) out.set(v.subarray(0, C));
  else out.fill(fill, 0, C);
  return out;
}

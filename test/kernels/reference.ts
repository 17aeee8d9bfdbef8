/**
 * Float64 references for the kernel tests: plain loops over the definitions, and the error
 * measure max |got - ref| / max |ref|.
 */
import type { ConvGeometry } from '../../src/kernels/conv2d.js';

// The seeded inputs and the relative error of every backend kernel test.
export { relErr, seeded } from '../backend/helpers.js';

/** C = A B; A m x k (k x m when transA), B k x n (n x k when transB). */
export function matmulRef(A: Float32Array, B: Float32Array, m: number, n: number, k: number, transA = false, transB = false): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let l = 0; l < k; l++) s += (transA ? A[l * m + i]! : A[i * k + l]!) * (transB ? B[j * k + l]! : B[l * n + j]!);
      C[i * n + j] = s;
    }
  return C;
}

/** Output size of one axis: floor((in + pads - dilated kernel) / stride) + 1. */
export const outSize = (size: number, k: number, stride: number, dilation: number, padBefore: number, padAfter: number) =>
  Math.floor((size + padBefore + padAfter - (dilation * (k - 1) + 1)) / stride) + 1;

/** Calls f(n, oh, ow, kh, kw, ih, iw) for every output pixel and tap that reads a real input pixel. */
function forTaps(g: ConvGeometry, f: (n: number, oh: number, ow: number, kh: number, kw: number, ih: number, iw: number) => void): void {
  for (let n = 0; n < g.N; n++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let kh = 0; kh < g.KH; kh++)
          for (let kw = 0; kw < g.KW; kw++) {
            const ih = oh * g.strideH - g.padTop + kh * g.dilationH;
            const iw = ow * g.strideW - g.padLeft + kw * g.dilationW;
            if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W) f(n, oh, ow, kh, kw, ih, iw);
          }
}

export function conv2dRef(g: ConvGeometry, x: Float32Array, w: Float32Array): Float64Array {
  const y = new Float64Array(g.N * g.OH * g.OW * g.cout);
  forTaps(g, (n, oh, ow, kh, kw, ih, iw) => {
    const xo = ((n * g.H + ih) * g.W + iw) * g.cin;
    const yo = ((n * g.OH + oh) * g.OW + ow) * g.cout;
    for (let ci = 0; ci < g.cin; ci++)
      for (let co = 0; co < g.cout; co++) y[yo + co] += x[xo + ci]! * w[((kh * g.KW + kw) * g.cin + ci) * g.cout + co]!;
  });
  return y;
}

export function filterGradRef(g: ConvGeometry, x: Float32Array, dy: Float32Array): Float64Array {
  const dw = new Float64Array(g.KH * g.KW * g.cin * g.cout);
  forTaps(g, (n, oh, ow, kh, kw, ih, iw) => {
    const xo = ((n * g.H + ih) * g.W + iw) * g.cin;
    const yo = ((n * g.OH + oh) * g.OW + ow) * g.cout;
    for (let ci = 0; ci < g.cin; ci++)
      for (let co = 0; co < g.cout; co++) dw[((kh * g.KW + kw) * g.cin + ci) * g.cout + co] += x[xo + ci]! * dy[yo + co]!;
  });
  return dw;
}

export function inputGradRef(g: ConvGeometry, dy: Float32Array, w: Float32Array): Float64Array {
  const dx = new Float64Array(g.N * g.H * g.W * g.cin);
  forTaps(g, (n, oh, ow, kh, kw, ih, iw) => {
    const xo = ((n * g.H + ih) * g.W + iw) * g.cin;
    const yo = ((n * g.OH + oh) * g.OW + ow) * g.cout;
    for (let ci = 0; ci < g.cin; ci++)
      for (let co = 0; co < g.cout; co++) dx[xo + ci] += w[((kh * g.KW + kw) * g.cin + ci) * g.cout + co]! * dy[yo + co]!;
  });
  return dx;
}

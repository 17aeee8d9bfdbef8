/**
 * Ordinary (spatial) 3x3 stride-1 convolutions and both their gradients computed through
 * Winograd F(4x4,3x3) (src/kernels/winograd.ts): about 4x fewer multiply-adds in the products,
 * measured 1.2-3.6x faster than the direct kernels of conv2d.ts on this project's machine for 16
 * to 64 channels. The numbers are those of a convolution up to float32 rounding: F(4x4,3x3)'s
 * error is ~5e-6 of the largest output against ~7e-7 for direct summation (docs/winograd.md).
 *
 *   W = G g G^T for every (ci, co): the 36 x 9 matrix kron(G, G) times g seen as 9 x (cin*cout)
 *   y  = winograd(x, W)                                                   conv3x3Winograd
 *   dx = winograd(dy, G g' G^T), g' = g rotated by 180 degrees, in/out swapped, padding 2 - pad
 *   dg = kron(G, G)^T dW, dW the Winograd-domain weight gradient             (chain rule)
 */
import { F4X4, tileGrid } from '../winograd/tiles.js';
import type { ConvGeometry } from './conv2d.js';
import { gemm } from './gemm.js';
import type { KernelRunner } from './runner.js';
import { winogradForward, winogradWeightGrad, type WinogradGeometry } from './winograd.js';

/** F(4x4,3x3): G (6 x 3), B^T (6 x 6), A^T (4 x 6), points 0, +-1, +-2 (src/winograd/tiles.ts, docs/winograd.md). */
const { G, m: M, T } = F4X4;
const BT = F4X4.BT.flat();
const AT = F4X4.AT.flat();

/** kron(G, G) (36 x 9), row-major: entry (i*6 + j, k*3 + l) = G[i][k] G[j][l]. */
const KRON = Array.from({ length: 36 * 9 }, (_, e) => {
  const [r, c] = [Math.floor(e / 9), e % 9];
  return G[Math.floor(r / 6)]![Math.floor(c / 3)]! * G[r % 6]![c % 3]!;
});

/** True where conv3x3Winograd applies: 3x3, stride 1, dilation 1. */
export function winogradApplies(g: ConvGeometry): boolean {
  return g.KH === 3 && g.KW === 3 && g.strideH === 1 && g.strideW === 1 && g.dilationH === 1 && g.dilationW === 1;
}

function geometry(
  N: number,
  H: number,
  W: number,
  cin: number,
  cout: number,
  outH: number,
  outW: number,
  padTop: number,
  padLeft: number,
): WinogradGeometry {
  return { N, H, W, cin, cout, m: M, T, padTop, padLeft, outH, outW, ...tileGrid(outH, outW, M), BT, AT };
}

/** W [36, cin, cout] = G g G^T for a 3x3 HWIO filter g (cin*cout columns of 9 taps). */
function winogradWeights(runner: KernelRunner, g: number, cin: number, cout: number, W: number): void {
  const mark = runner.heap.mark();
  try {
    const kron = runner.heap.put(KRON);
    gemm(runner, { m: 36, n: cin * cout, k: 9, a: { ptr: kron }, b: { ptr: g }, c: { ptr: W } });
  } finally {
    runner.heap.release(mark);
  }
}

/** y = conv(x, g) (+ bias) for a 3x3 stride-1 convolution (winogradApplies), through F(4x4,3x3). */
export function conv3x3Winograd(runner: KernelRunner, c: ConvGeometry, x: number, g: number, y: number, bias?: number): void {
  const heap = runner.heap;
  const mark = heap.mark();
  try {
    const W = heap.alloc(36 * c.cin * c.cout);
    winogradWeights(runner, g, c.cin, c.cout, W);
    winogradForward(runner, geometry(c.N, c.H, c.W, c.cin, c.cout, c.OH, c.OW, c.padTop, c.padLeft), x, W, y, bias);
  } finally {
    heap.release(mark);
  }
}

/** dx of a 3x3 stride-1 convolution: the Winograd convolution of dy with the rotated, transposed filter. */
export function conv3x3WinogradInputGrad(runner: KernelRunner, c: ConvGeometry, dy: number, g: number, dx: number): void {
  const heap = runner.heap;
  const mark = heap.mark();
  try {
    const { cin, cout } = c;
    const rot = heap.alloc(9 * cin * cout);
    const f32 = heap.f32;
    // rot[kh, kw, co, ci] = g[2-kh, 2-kw, ci, co]
    for (let t = 0; t < 9; t++) {
      const from = (g >> 2) + (8 - t) * cin * cout;
      const to = (rot >> 2) + t * cout * cin;
      for (let co = 0; co < cout; co++) for (let ci = 0; ci < cin; ci++) f32[to + co * cin + ci] = f32[from + ci * cout + co]!;
    }
    const W = heap.alloc(36 * cin * cout);
    winogradWeights(runner, rot, cout, cin, W);
    winogradForward(runner, geometry(c.N, c.OH, c.OW, cout, cin, c.H, c.W, 2 - c.padTop, 2 - c.padLeft), dy, W, dx);
  } finally {
    heap.release(mark);
  }
}

/** dg (HWIO, overwritten) of a 3x3 stride-1 convolution: kron(G, G)^T times the Winograd-domain weight gradient. */
export function conv3x3WinogradFilterGrad(runner: KernelRunner, c: ConvGeometry, x: number, dy: number, dg: number): void {
  const heap = runner.heap;
  const mark = heap.mark();
  try {
    const dW = heap.alloc(36 * c.cin * c.cout);
    winogradWeightGrad(runner, geometry(c.N, c.H, c.W, c.cin, c.cout, c.OH, c.OW, c.padTop, c.padLeft), x, dy, dW);
    const kron = heap.put(KRON);
    gemm(runner, { m: 9, n: c.cin * c.cout, k: 36, a: { ptr: kron, trans: true }, b: { ptr: dW }, c: { ptr: dg } });
  } finally {
    heap.release(mark);
  }
}

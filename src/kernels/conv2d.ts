/**
 * 2-D convolution on a KernelRunner, NHWC activations and HWIO filters (tfjs's layouts), every
 * operand in the runner's heap:
 *
 *   conv2d            y = relu?(conv(x, w) + bias), any stride, dilation and explicit padding
 *   conv2dFilterGrad  dw = d(sum y*dy)/dw: sum over output pixels of x[tap] (outer) dy[pixel]
 *   conv2dInputGrad   dx for stride 1 (any dilation): the convolution of dy with the filter
 *                     rotated by 180 degrees, in and out channels swapped, padding KH-1-top
 *
 * All three are implicit matrix products (no im2col buffer): kernels.wat computes, per block of
 * output pixels, the addresses of each filter tap's input pixel (or a row of zeros for padding)
 * and multiplies the channels found there with the packed filter. Output pixels are split
 * between threads; conv2dFilterGrad sums per-thread partial gradients in thread order.
 */
import { paramBlock } from './wasm/params.js';
import { packB, packedSize } from './gemm.js';
import type { KernelRunner } from './runner.js';
import { splitRange } from './runner.js';

/** One convolution's shapes: input [N, H, W, cin], output [N, OH, OW, cout], filter [KH, KW, cin, cout]. */
export interface ConvGeometry {
  readonly N: number;
  readonly H: number;
  readonly W: number;
  readonly cin: number;
  readonly OH: number;
  readonly OW: number;
  readonly cout: number;
  readonly KH: number;
  readonly KW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  /** Zeros above and left of the input (those below and right follow from OH, OW). */
  readonly padTop: number;
  readonly padLeft: number;
}

/** Pixels per block of conv2d_filter_grad: its address table takes 256 bytes per tap. */
const FILTER_GRAD_BLOCK = 64;

/** The geometry block kernels.wat reads (PARAM_BLOCKS.conv) in the heap; its byte offset. */
function putGeometry(runner: KernelRunner, g: ConvGeometry): number {
  const block = paramBlock('conv', {
    H: g.H,
    W: g.W,
    cin: g.cin,
    OH: g.OH,
    OW: g.OW,
    cout: g.cout,
    KH: g.KH,
    KW: g.KW,
    sh: g.strideH,
    sw: g.strideW,
    dh: g.dilationH,
    dw: g.dilationW,
    pt: g.padTop,
    pl: g.padLeft,
  });
  const at = runner.heap.alloc(block.length);
  runner.heap.i32.set(block, at >> 2);
  return at;
}

function checkScratch(runner: KernelRunner, bytes: number, what: string): void {
  if (bytes > runner.scratchBytes)
    throw new Error(`${what}: a ${bytes}-byte address table does not fit the ${runner.scratchBytes}-byte scratch`);
}

/**
 * y = conv(x, w) (+ bias, then max(0, .) when relu). `x`, `w`, `y` (and `bias`, cout floats)
 * are byte offsets in runner.heap. Weights are packed for the call; use conv2dPacked to reuse them.
 */
export function conv2d(
  runner: KernelRunner,
  g: ConvGeometry,
  x: number,
  w: number,
  y: number,
  opts: { bias?: number; relu?: boolean } = {},
): void {
  const heap = runner.heap;
  const mark = heap.mark();
  try {
    const packed = heap.alloc(packedSize(g.KH * g.KW * g.cin, g.cout));
    packB(runner, packed, { ptr: w }, g.KH * g.KW * g.cin, g.cout);
    conv2dPacked(runner, g, x, packed, y, opts);
  } finally {
    heap.release(mark);
  }
}

/** conv2d with the filter already packed by packB as a (KH*KW*cin) x cout matrix. */
export function conv2dPacked(
  runner: KernelRunner,
  g: ConvGeometry,
  x: number,
  packed: number,
  y: number,
  opts: { bias?: number; relu?: boolean } = {},
): void {
  const heap = runner.heap;
  const mark = heap.mark();
  try {
    checkScratch(runner, 128 + 16 * g.KH * g.KW, 'conv2d');
    const geo = putGeometry(runner, g);
    const zero = heap.zeros(g.cin + 8);
    let bias = 0;
    if (opts.bias !== undefined) {
      bias = heap.zeros(Math.ceil(g.cout / 8) * 8);
      heap.f32.copyWithin(bias >> 2, opts.bias >> 2, (opts.bias >> 2) + g.cout);
    }
    const P = g.N * g.OH * g.OW;
    runner.parallel('conv2d', (t) => {
      const [p0, p1] = splitRange(P, runner.threads, t);
      return p1 > p0 ? [y, x, packed, bias, zero, runner.scratch(t), geo, p0, p1, opts.relu ? 1 : 0] : null;
    });
  } finally {
    heap.release(mark);
  }
}

/** dw (HWIO, overwritten) = the filter gradient of conv2d for input x and output gradient dy. */
export function conv2dFilterGrad(runner: KernelRunner, g: ConvGeometry, x: number, dy: number, dw: number): void {
  const heap = runner.heap;
  const mark = heap.mark();
  try {
    const T = g.KH * g.KW;
    checkScratch(runner, 4 * FILTER_GRAD_BLOCK * T, 'conv2dFilterGrad');
    const cin4 = Math.ceil(g.cin / 4) * 4;
    const cout8 = Math.ceil(g.cout / 8) * 8;
    const part = T * cin4 * cout8;
    const P = g.N * g.OH * g.OW;
    const threads = Math.min(runner.threads, Math.ceil(P / FILTER_GRAD_BLOCK));
    const geo = putGeometry(runner, g);
    const zero = heap.zeros(cin4 + 8);
    const partials = heap.zeros(part * threads);
    runner.parallel('conv2d_filter_grad', (t) => {
      if (t >= threads) return null;
      const [p0, p1] = splitRange(P, threads, t, FILTER_GRAD_BLOCK);
      return p1 > p0 ? [partials + t * part * 4, x, dy, zero, runner.scratch(t), geo, p0, p1, cin4, cout8] : null;
    });
    for (let t = 1; t < threads; t++) runner.kernels.add_to(partials, partials + t * part * 4, part);
    const f32 = heap.f32;
    const src = partials >> 2;
    const dst = dw >> 2;
    for (let r = 0; r < T * g.cin; r++) {
      const tap = Math.floor(r / g.cin);
      const ci = r - tap * g.cin;
      const from = src + (tap * cin4 + ci) * cout8;
      f32.copyWithin(dst + r * g.cout, from, from + g.cout);
    }
  } finally {
    heap.release(mark);
  }
}

/**
 * dx (overwritten) = the input gradient of a stride-1 conv2d for output gradient dy: the
 * convolution of dy (cout channels) with w rotated by 180 degrees and transposed to cin outputs,
 * padded by dilation*(K-1) - pad on the top and left. Throws for strides above 1.
 */
export function conv2dInputGrad(runner: KernelRunner, g: ConvGeometry, dy: number, w: number, dx: number): void {
  if (g.strideH !== 1 || g.strideW !== 1) throw new Error('conv2dInputGrad: strides above 1 are not supported');
  const heap = runner.heap;
  const mark = heap.mark();
  try {
    const { KH, KW, cin, cout } = g;
    const f32 = heap.f32;
    const rot = heap.alloc(KH * KW * cin * cout);
    const src = w >> 2;
    const dst = rot >> 2;
    // rot[kh, kw, co, ci] = w[KH-1-kh, KW-1-kw, ci, co]
    for (let kh = 0; kh < KH; kh++)
      for (let kw = 0; kw < KW; kw++) {
        const from = src + ((KH - 1 - kh) * KW + (KW - 1 - kw)) * cin * cout;
        const to = dst + (kh * KW + kw) * cout * cin;
        for (let co = 0; co < cout; co++) for (let ci = 0; ci < cin; ci++) f32[to + co * cin + ci] = f32[from + ci * cout + co]!;
      }
    const back: ConvGeometry = {
      N: g.N,
      H: g.OH,
      W: g.OW,
      cin: cout,
      OH: g.H,
      OW: g.W,
      cout: cin,
      KH,
      KW,
      strideH: 1,
      strideW: 1,
      dilationH: g.dilationH,
      dilationW: g.dilationW,
      padTop: g.dilationH * (KH - 1) - g.padTop,
      padLeft: g.dilationW * (KW - 1) - g.padLeft,
    };
    conv2d(runner, back, dy, rot, dx);
  } finally {
    heap.release(mark);
  }
}

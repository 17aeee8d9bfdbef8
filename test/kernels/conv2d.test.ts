import { afterAll, describe, expect, it } from 'vitest';
import { conv2d, conv2dFilterGrad, conv2dInputGrad, type ConvGeometry } from '../../src/kernels/conv2d.js';
import { WorkerRunner } from '../../src/kernels/worker-runner.js';
import { SerialRunner, type KernelRunner } from '../../src/kernels/runner.js';
import { conv2dRef, filterGradRef, inputGradRef, outSize, relErr, seeded } from './reference.js';

// float32 sums of at most a few thousand products of values in [-1, 1): relative error < 1e-5.
const TOL = 1e-5;

const serial = new SerialRunner();
const pool = new WorkerRunner({ threads: 2 });
afterAll(() => pool.dispose());

type Case = Omit<ConvGeometry, 'OH' | 'OW'> & { padBottom: number; padRight: number };
const base = { strideH: 1, strideW: 1, dilationH: 1, dilationW: 1 };
const CASES: Case[] = [
  { ...base, N: 2, H: 7, W: 6, cin: 3, cout: 5, KH: 3, KW: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 },
  // one input channel (the first layer of an image model), 16 outputs
  { ...base, N: 3, H: 9, W: 8, cin: 1, cout: 16, KH: 3, KW: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 },
  // stride 2 along H, 5x3 filter, asymmetric padding
  { ...base, strideH: 2, N: 2, H: 10, W: 9, cin: 6, cout: 9, KH: 5, KW: 3, padTop: 2, padLeft: 0, padBottom: 1, padRight: 0 },
  // dilation 2
  {
    ...base,
    dilationH: 2,
    dilationW: 2,
    N: 1,
    H: 12,
    W: 11,
    cin: 8,
    cout: 8,
    KH: 3,
    KW: 3,
    padTop: 2,
    padLeft: 1,
    padBottom: 2,
    padRight: 1,
  },
  // padding wider than the filter reaches ('valid' on one side, more than K-1 on the other)
  { ...base, N: 1, H: 5, W: 6, cin: 4, cout: 3, KH: 3, KW: 3, padTop: 0, padLeft: 3, padBottom: 3, padRight: 0 },
  { ...base, N: 4, H: 14, W: 14, cin: 16, cout: 32, KH: 3, KW: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 },
];

function geometry(c: Case): ConvGeometry {
  return {
    ...c,
    OH: outSize(c.H, c.KH, c.strideH, c.dilationH, c.padTop, c.padBottom),
    OW: outSize(c.W, c.KW, c.strideW, c.dilationW, c.padLeft, c.padRight),
  };
}

const name = (c: Case) =>
  `[${c.N},${c.H},${c.W},${c.cin}] -> ${c.cout}, ${c.KH}x${c.KW}, stride ${c.strideH}x${c.strideW}, dilation ${c.dilationH}, pads ${c.padTop},${c.padLeft},${c.padBottom},${c.padRight}`;

function run(runner: KernelRunner, g: ConvGeometry, seed: number) {
  const x = seeded(g.N * g.H * g.W * g.cin, seed);
  const w = seeded(g.KH * g.KW * g.cin * g.cout, seed + 1);
  const dy = seeded(g.N * g.OH * g.OW * g.cout, seed + 2);
  const bias = seeded(g.cout, seed + 3);
  const h = runner.heap;
  const mark = h.mark();
  try {
    const [px, pw, pdy, pb] = [h.put(x), h.put(w), h.put(dy), h.put(bias)];
    const [py, pyr, pdw, pdx] = [h.alloc(dy.length), h.alloc(dy.length), h.alloc(w.length), h.alloc(x.length)];
    conv2d(runner, g, px, pw, py);
    conv2d(runner, g, px, pw, pyr, { bias: pb, relu: true });
    conv2dFilterGrad(runner, g, px, pdy, pdw);
    const stride1 = g.strideH === 1 && g.strideW === 1;
    if (stride1) conv2dInputGrad(runner, g, pdy, pw, pdx);
    return {
      x,
      w,
      dy,
      bias,
      y: h.read(py, dy.length),
      yBiasRelu: h.read(pyr, dy.length),
      dw: h.read(pdw, w.length),
      dx: stride1 ? h.read(pdx, x.length) : undefined,
    };
  } finally {
    h.release(mark);
  }
}

describe.each([
  ['one thread', serial],
  ['two threads', pool],
] as [string, KernelRunner][])('convolution kernels on %s equal float64 loops', (_, runner) => {
  CASES.forEach((c, i) => {
    it(`${name(c)} (relative error < ${TOL})`, () => {
      const g = geometry(c);
      const r = run(runner, g, 10 * i);
      const yRef = conv2dRef(g, r.x, r.w);
      expect(relErr(r.y, yRef)).toBeLessThan(TOL);
      const yBR = yRef.map((v, k) => Math.max(0, v + r.bias[k % g.cout]!));
      expect(relErr(r.yBiasRelu, yBR)).toBeLessThan(TOL);
      expect(relErr(r.dw, filterGradRef(g, r.x, r.dy))).toBeLessThan(TOL);
      if (r.dx) expect(relErr(r.dx, inputGradRef(g, r.dy, r.w))).toBeLessThan(TOL);
    });
  });
});

describe('thread count', () => {
  it('conv2d and the input gradient are bit-identical on one and two threads; the filter gradient agrees to float rounding', () => {
    const g = geometry(CASES[5]!);
    const one = run(serial, g, 99);
    const two = run(pool, g, 99);
    expect(Buffer.from(two.y.buffer).equals(Buffer.from(one.y.buffer))).toBe(true);
    expect(Buffer.from(two.dx!.buffer).equals(Buffer.from(one.dx!.buffer))).toBe(true);
    expect(relErr(two.dw, one.dw)).toBeLessThan(1e-6);
  });

  it('conv2dInputGrad rejects strides above 1', () => {
    const g = geometry(CASES[2]!);
    expect(() => conv2dInputGrad(serial, g, 0, 0, 0)).toThrow(/strides above 1/);
  });
});

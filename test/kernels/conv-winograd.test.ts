import { afterAll, describe, expect, it } from 'vitest';
import type { ConvGeometry } from '../../src/kernels/conv2d.js';
import { conv3x3Winograd, conv3x3WinogradFilterGrad, conv3x3WinogradInputGrad, winogradApplies } from '../../src/kernels/conv-winograd.js';
import { WorkerRunner } from '../../src/kernels/worker-runner.js';
import { SerialRunner, type KernelRunner } from '../../src/kernels/runner.js';
import { conv2dRef, filterGradRef, inputGradRef, outSize, relErr, seeded } from './reference.js';

// F(4x4,3x3) in float32: ~5e-6 of the largest output against float64 direct sums (docs/winograd.md); 1e-4 leaves margin.
const TOL = 1e-4;
const serial = new SerialRunner();
const pool = new WorkerRunner({ threads: 2 });
afterAll(() => pool.dispose());

const base = { KH: 3, KW: 3, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1 };
// [N, H, W, cin, cout, pads top,left,bottom,right]
const CASES: [number, number, number, number, number, [number, number, number, number]][] = [
  [2, 8, 8, 8, 16, [1, 1, 1, 1]],
  [3, 9, 11, 5, 7, [1, 1, 1, 1]], // sizes not multiples of 4, channels not of 4 or 8
  [1, 10, 9, 16, 4, [0, 0, 0, 0]], // 'valid'
  [2, 7, 6, 4, 6, [2, 0, 1, 1]],
];

function geometry([N, H, W, cin, cout, [pt, pl, pb, pr]]: (typeof CASES)[number]): ConvGeometry {
  return { ...base, N, H, W, cin, cout, padTop: pt, padLeft: pl, OH: outSize(H, 3, 1, 1, pt, pb), OW: outSize(W, 3, 1, 1, pl, pr) };
}

describe.each([
  ['one thread', serial],
  ['two threads', pool],
] as [string, KernelRunner][])('3x3 convolutions through F(4x4,3x3) on %s equal float64 direct sums', (_, runner) => {
  CASES.forEach((c, i) => {
    it(`[${c.slice(0, 4)}] -> ${c[4]}, pads ${c[5]} (relative error < ${TOL})`, () => {
      const g = geometry(c);
      expect(winogradApplies(g)).toBe(true);
      const x = seeded(g.N * g.H * g.W * g.cin, 3 * i + 1);
      const w = seeded(9 * g.cin * g.cout, 3 * i + 2);
      const dy = seeded(g.N * g.OH * g.OW * g.cout, 3 * i + 3);
      const bias = seeded(g.cout, 3 * i + 4);
      const h = runner.heap;
      const mark = h.mark();
      try {
        const [px, pw, pdy, pb] = [h.put(x), h.put(w), h.put(dy), h.put(bias)];
        const [py, pdx, pdw] = [h.alloc(dy.length), h.alloc(x.length), h.alloc(w.length)];
        conv3x3Winograd(runner, g, px, pw, py, pb);
        conv3x3WinogradInputGrad(runner, g, pdy, pw, pdx);
        conv3x3WinogradFilterGrad(runner, g, px, pdy, pdw);
        const yRef = conv2dRef(g, x, w).map((v, k) => v + bias[k % g.cout]!);
        expect(relErr(h.read(py, dy.length), yRef)).toBeLessThan(TOL);
        expect(relErr(h.read(pdx, x.length), inputGradRef(g, dy, w))).toBeLessThan(TOL);
        expect(relErr(h.read(pdw, w.length), filterGradRef(g, x, dy))).toBeLessThan(TOL);
      } finally {
        h.release(mark);
      }
    });
  });
});

describe('winogradApplies', () => {
  it('is false for strides, dilations and other filter sizes', () => {
    const g = geometry(CASES[0]!);
    expect(winogradApplies({ ...g, strideH: 2 })).toBe(false);
    expect(winogradApplies({ ...g, dilationW: 2 })).toBe(false);
    expect(winogradApplies({ ...g, KH: 5, KW: 5 })).toBe(false);
  });
});

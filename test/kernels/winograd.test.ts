import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerRunner } from '../../src/kernels/worker-runner.js';
import { SerialRunner, type KernelRunner } from '../../src/kernels/runner.js';
import { winogradBackward, winogradForward, type WinogradGeometry } from '../../src/kernels/winograd.js';
import { winogradConv2d } from '../../src/tfjs-ops/winograd-conv2d.js';
import { planWinograd } from '../../src/tfjs-ops/winograd-plan.js';
import { getTile } from '../../src/winograd/tiles.js';
import { relErr, seeded } from './reference.js';

// The reference is the Winograd op of src/tfjs-ops/ on tfjs's cpu backend (tested against
// direct convolution there): the same float32 transforms summed in another order. Relative
// error below 1e-4 (2e-4 for the 8x8 tiles, whose transforms have larger entries).
const serial = new SerialRunner();
const pool = new WorkerRunner({ threads: 2 });
beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => pool.dispose());

// [T, r, N, H, W, cin, cout, pads top,bottom,left,right]
const CASES: [number, number, number, number, number, number, number, [number, number, number, number]][] = [
  [4, 3, 2, 7, 6, 3, 5, [1, 1, 1, 1]],
  [6, 3, 2, 9, 11, 4, 8, [1, 1, 1, 1]],
  [6, 3, 1, 13, 10, 1, 16, [1, 1, 1, 1]], // one input channel
  [6, 3, 3, 8, 8, 6, 7, [0, 0, 0, 0]], // 'valid'
  [6, 3, 1, 9, 14, 5, 3, [2, 0, 1, 1]],
  [8, 3, 1, 12, 12, 4, 4, [1, 1, 1, 1]],
  [8, 5, 1, 11, 10, 3, 4, [2, 2, 2, 2]],
];

function run(runner: KernelRunner, c: (typeof CASES)[number], seed: number) {
  const [T, r, N, H, W, cin, cout, pads] = c;
  const tile = getTile(T, r);
  const plan = planWinograd([N, H, W, cin], tile, cout, pads);
  const g: WinogradGeometry = {
    N,
    H,
    W,
    cin,
    cout,
    m: tile.m,
    T,
    padTop: plan.top,
    padLeft: plan.left,
    outH: plan.outH,
    outW: plan.outW,
    tilesH: plan.tilesH,
    tilesW: plan.tilesW,
    BT: tile.BT.flat(),
    AT: tile.AT.flat(),
  };
  const x = seeded(N * H * W * cin, seed);
  const w = seeded(T * T * cin * cout, seed + 1).map((v) => v * 0.2);
  const bias = seeded(cout, seed + 2);
  const dy = seeded(N * plan.outH * plan.outW * cout, seed + 3);
  const h = runner.heap;
  const mark = h.mark();
  try {
    const [px, pw, pb, pdy] = [h.put(x), h.put(w), h.put(bias), h.put(dy)];
    const [py, pdx, pdw] = [h.alloc(dy.length), h.alloc(x.length), h.alloc(w.length)];
    winogradForward(runner, g, px, pw, py, pb);
    winogradBackward(runner, g, px, pdy, pw, pdx, pdw);
    return { x, w, bias, dy, plan, tile, y: h.read(py, dy.length), dx: h.read(pdx, x.length), dw: h.read(pdw, w.length) };
  } finally {
    h.release(mark);
  }
}

describe.each([
  ['one thread', serial],
  ['two threads', pool],
] as [string, KernelRunner][])('fused Winograd kernels on %s equal the tfjs Winograd op', (_, runner) => {
  CASES.forEach((c, i) => {
    const [T, r, N, H, W, cin, cout, pads] = c;
    const tol = T === 8 ? 2e-4 : 1e-4;
    it(`F(${T - r + 1}x${T - r + 1},${r}x${r}) [${N},${H},${W},${cin}] -> ${cout}, pads ${pads} (relative error < ${tol})`, () => {
      const got = run(runner, c, 10 * i + 1);
      const ref = tf.tidy(() => {
        const x = tf.tensor4d(got.x, [N, H, W, cin]);
        const w = tf.tensor3d(got.w, [T * T, cin, cout]);
        const b = tf.tensor1d(got.bias);
        const y = winogradConv2d(x, w, got.tile, { pad: pads, bias: b });
        const dy = tf.tensor4d(got.dy, y.shape);
        const [dx, dw] = tf.grads((a: tf.Tensor, k: tf.Tensor) =>
          tf.sum(tf.mul(winogradConv2d(a as tf.Tensor4D, k as tf.Tensor3D, got.tile, { pad: pads }), dy)),
        )([x, w]);
        return { y: y.dataSync(), dx: dx!.dataSync(), dw: dw!.dataSync() };
      });
      expect(relErr(got.y, ref.y)).toBeLessThan(tol);
      expect(relErr(got.dx, ref.dx)).toBeLessThan(tol);
      expect(relErr(got.dw, ref.dw)).toBeLessThan(tol);
    });
  });
});

describe('fused Winograd kernels and the thread count', () => {
  it('forward and input gradient are bit-identical on one and two threads; the weight gradient agrees to float rounding', () => {
    const one = run(serial, CASES[1]!, 77);
    const two = run(pool, CASES[1]!, 77);
    expect(Buffer.from(two.y.buffer).equals(Buffer.from(one.y.buffer))).toBe(true);
    expect(Buffer.from(two.dx.buffer).equals(Buffer.from(one.dx.buffer))).toBe(true);
    expect(relErr(two.dw, one.dw)).toBeLessThan(1e-6);
  });
});

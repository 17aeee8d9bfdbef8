/**
 * A subset of the op tests on the wasm backend (the compute backend), against references
 * computed with tf.conv2d on wasm and with autodiff of the per-tile reference on cpu.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { winogradConv2d } from '../../src/tfjs-ops/winograd-conv2d.js';
import { disposeWinogradConstants } from '../../src/tfjs-ops/winograd-constants.js';
import { F2, F4, hwio, randomArray, relError, winogradWeightF64 } from './helpers.js';
import { type Pads, winogradPerTile } from './reference.js';

/** Same tolerances as on cpu: max abs difference / max |reference|. */
const FWD_TOL = 1e-4;
const GRAD_TOL = 1e-4;

let previous = 'cpu';
beforeAll(async () => {
  previous = tf.getBackend() ?? 'cpu';
  await tf.setBackend('wasm');
});
afterAll(async () => {
  disposeWinogradConstants();
  await tf.setBackend(previous);
});

describe('winogradConv2d on wasm', () => {
  for (const tile of [F2, F4]) {
    it(`${tile.name} forward equals tf.conv2d (N=2, 13x10, 3->4, same)`, () => {
      expect(tf.getBackend()).toBe('wasm');
      const [N, H, W, cin, cout] = [2, 13, 10, 3, 4];
      const g = randomArray(cout * cin * 9, 5);
      const err = tf.tidy(() => {
        const x = tf.tensor4d(Float32Array.from(randomArray(N * H * W * cin, 4)), [N, H, W, cin]);
        const w = tf.tensor3d(Float32Array.from(winogradWeightF64(tile, g, cout, cin)), [tile.T * tile.T, cin, cout]);
        return relError(winogradConv2d(x, w, tile, { pad: 'same' }), tf.conv2d(x, hwio(g, cout, cin, 3), 1, 'same'));
      });
      expect(err).toBeLessThan(FWD_TOL);
    });

    it(`${tile.name} gradients equal the cpu per-tile reference (N=2, 7x9, 2->3, pads 2,0,1,3)`, async () => {
      const [N, H, W, cin, cout] = [2, 7, 9, 2, 3];
      const pads: Pads = [2, 0, 1, 3];
      const T2 = tile.T * tile.T;
      const outH = H + 2 - 2;
      const outW = W + 4 - 2;
      const xs = Float32Array.from(randomArray(N * H * W * cin, 1));
      const ws = Float32Array.from(randomArray(T2 * cin * cout, 2));
      const Rs = Float32Array.from(randomArray(N * outH * outW * cout, 3));
      const grads = (f: (x: tf.Tensor4D, w: tf.Tensor3D) => tf.Tensor4D): Float32Array[] =>
        tf.tidy(() => {
          const x = tf.tensor4d(xs, [N, H, W, cin]);
          const w = tf.tensor3d(ws, [T2, cin, cout]);
          const R = tf.tensor4d(Rs, [N, outH, outW, cout]);
          const gs = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor3D), R)))([x, w]);
          return gs.map((t) => t.dataSync() as Float32Array);
        });
      await tf.setBackend('cpu');
      const ref = grads((x, w) => winogradPerTile(x, w, tile, pads));
      await tf.setBackend('wasm');
      const got = grads((x, w) => winogradConv2d(x, w, tile, { pad: pads }));
      expect(relError(tf.tensor(got[0]!), tf.tensor(ref[0]!))).toBeLessThan(GRAD_TOL);
      expect(relError(tf.tensor(got[1]!), tf.tensor(ref[1]!))).toBeLessThan(GRAD_TOL);
    });
  }

  it('allocates no tensors per call on wasm', () => {
    const x = tf.randomNormal([2, 9, 8, 3]) as tf.Tensor4D;
    const w = tf.randomNormal([36, 3, 2]) as tf.Tensor3D;
    const run = () =>
      tf.dispose(
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(winogradConv2d(a as tf.Tensor4D, b as tf.Tensor3D, F4, { pad: 'valid' })))([x, w]),
      );
    run();
    const before = tf.memory().numTensors;
    run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });
});

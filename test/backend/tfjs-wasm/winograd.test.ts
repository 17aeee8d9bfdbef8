import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { hasFusedWinograd } from '../../../src/tfjs-ops/winograd-fused.js';
import { winogradConv2d } from '../../../src/tfjs-ops/winograd-conv2d.js';
import { getTile } from '../../../src/winograd/tiles.js';
import { onBackend, REL_TOL, relErr, seeded } from '../helpers.js';

// [T, r, x NHWC, cout, pad]
const CASES: [number, number, [number, number, number, number], number, 'same' | 'valid' | [number, number, number, number]][] = [
  [6, 3, [2, 13, 10, 3], 4, 'same'],
  [4, 3, [2, 9, 9, 8], 8, 'valid'],
  [6, 3, [1, 7, 12, 16], 5, [2, 0, 1, 1]],
];

function lossAndGrads(T: number, r: number, xs: [number, number, number, number], cout: number, pad: (typeof CASES)[number][4]) {
  return tf.tidy(() => {
    const tile = getTile(T, r);
    const x = tf.tensor4d(
      seeded(
        xs.reduce((a, b) => a * b),
        1,
      ),
      xs,
    );
    const w = tf.tensor3d(
      seeded(T * T * xs[3] * cout, 2).map((v) => 0.3 * v),
      [T * T, xs[3], cout],
    );
    const bias = tf.tensor1d(seeded(cout, 3));
    const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.square(winogradConv2d(a as tf.Tensor4D, b as tf.Tensor3D, tile, { pad, bias: c as tf.Tensor1D })));
    const { value, grads } = tf.valueAndGrads(f)([x, w, bias]);
    return [value, ...grads].map((t) => Float32Array.from(t.dataSync()));
  });
}

describe('winogradConv2d on wasm runs through the fused kernels and equals the composite on cpu', () => {
  it('uses the fused kernels on wasm only', async () => {
    expect(await onBackend('wasm', () => hasFusedWinograd())).toBe(true);
    expect(await onBackend('cpu', () => hasFusedWinograd())).toBe(false);
  });

  for (const [T, r, xs, cout, pad] of CASES) {
    it(`F(${T - r + 1}x${T - r + 1},${r}x${r}) x ${xs} -> ${cout}, pad ${JSON.stringify(pad)}: loss and gradients of x, w, bias`, async () => {
      const ref = await onBackend('cpu', () => lossAndGrads(T, r, xs, cout, pad));
      const got = await onBackend('wasm', () => lossAndGrads(T, r, xs, cout, pad));
      ref.forEach((v, i) => {
        expect(relErr(got[i]!, v), `output ${i}`).toBeLessThan(REL_TOL);
      });
    });
  }
});

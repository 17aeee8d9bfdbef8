import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { maxPoolGradConfig } from '../../../src/backend/tfjs-wasm/max-pool-grad.js';
import { onBackend, padName, relErr, seeded, type Pad } from '../helpers.js';

/**
 * Max-pool gradients route dy values unchanged; a pixel that is the maximum of several
 * overlapping windows sums up to kh*kw of them, in another order than cpu. So only float32
 * rounding may differ (a misrouted gradient would give an error of order 1).
 */
const POOL_TOL = 1e-6;

// [x shape, filterSize, strides, pad]
const CASES: [[number, number, number, number], number | [number, number], number | [number, number], Pad][] = [
  [[1, 4, 4, 1], 2, 2, 'valid'],
  [[3, 8, 7, 3], 2, 2, 'valid'],
  [[3, 7, 7, 2], 3, 2, 'same'],
  [[1, 6, 5, 4], 3, 1, 'same'],
  [[2, 5, 6, 1], 2, 1, 'valid'],
  [[1, 9, 8, 2], 3, 3, 'valid'],
  [[2, 6, 6, 2], [3, 2], [1, 2], 'same'],
  [
    [1, 7, 6, 2],
    3,
    2,
    [
      [0, 0],
      [1, 1],
      [0, 2],
      [0, 0],
    ],
  ],
  // channels by 4 (SIMD) and a tail of 2 or 1
  [[2, 6, 6, 8], 2, 2, 'valid'],
  [[1, 7, 7, 6], 3, 2, 'same'],
  [[2, 5, 5, 5], 2, 1, 'same'],
];

/** dx of sum(maxPool(x) * r) on the active backend, from plain data. */
function poolGrad(xs: Float32Array, shape: number[], k: number | [number, number], s: number | [number, number], pad: Pad): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(xs, shape as [number, number, number, number]);
    const outShape = tf.maxPool(x, k, s, pad).shape;
    const r = tf.tensor(
      seeded(
        outShape.reduce((a, b) => a * b),
        99,
      ),
      outShape,
    );
    return Float32Array.from(
      tf
        .grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, k, s, pad), r)))(x)
        .dataSync(),
    );
  });
}

describe('MaxPoolGrad on wasm (replaced: wasm 4.22 drops windows <= 0) equals cpu', () => {
  it('is registered for wasm', async () => {
    await onBackend('wasm', () => {
      expect(tf.getKernel('MaxPoolGrad', 'wasm')?.kernelFunc).toBe(maxPoolGradConfig.kernelFunc);
    });
  });

  it('a window of negative values sends its gradient to its maximum (hand-computed)', async () => {
    // x = [[-3, -1], [-2, -4]]: the max is -1 at (0, 1).
    const got = await onBackend('wasm', () => poolGrad(Float32Array.from([-3, -1, -2, -4]), [1, 2, 2, 1], 2, 2, 'valid'));
    const r = seeded(1, 99)[0]!;
    expect(Array.from(got)).toEqual([0, r, 0, 0]);
  });

  for (const [shape, k, s, pad] of CASES) {
    const n = shape.reduce((a, b) => a * b);
    it(`x ${shape} filter ${k} stride ${s} ${padName(pad)}: random values, mostly negative`, async () => {
      const xs = seeded(n, 21).map((v) => v - 0.5);
      const ref = await onBackend('cpu', () => poolGrad(xs, shape, k, s, pad));
      const got = await onBackend('wasm', () => poolGrad(xs, shape, k, s, pad));
      expect(relErr(got, ref)).toBeLessThan(POOL_TOL);
    });
    it(`x ${shape} filter ${k} stride ${s} ${padName(pad)}: many ties (gradient to the first maximum)`, async () => {
      const xs = seeded(n, 22).map((v) => Math.round(v * 2) / 2);
      const ref = await onBackend('cpu', () => poolGrad(xs, shape, k, s, pad));
      const got = await onBackend('wasm', () => poolGrad(xs, shape, k, s, pad));
      expect(relErr(got, ref)).toBeLessThan(POOL_TOL);
    });
  }
});

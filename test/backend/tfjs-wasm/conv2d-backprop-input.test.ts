import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { conv2dBackpropInputConfig } from '../../../src/backend/tfjs-wasm/conv2d-backprop-input.js';
import { compareKernel, onBackend, padName, REL_TOL, seeded, type Pad } from '../helpers.js';

// [x shape NHWC, filter shape, strides, pad]
const CASES: [[number, number, number, number], [number, number, number, number], number | [number, number], Pad][] = [
  [[1, 5, 5, 1], [3, 3, 1, 1], 1, 'same'],
  [[3, 8, 7, 3], [3, 3, 3, 4], 2, 'same'],
  [[3, 9, 8, 2], [3, 3, 2, 5], 2, 'valid'],
  [[1, 6, 7, 4], [2, 2, 4, 3], 1, 'valid'],
  [[1, 10, 11, 2], [2, 2, 2, 2], 2, 'same'],
  [
    [3, 7, 6, 2],
    [3, 3, 2, 2],
    1,
    [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  ],
  [[1, 10, 9, 3], [5, 5, 3, 2], 3, 'valid'],
  [
    [1, 5, 6, 1],
    [3, 3, 1, 2],
    1,
    [
      [0, 0],
      [4, 3],
      [0, 5],
      [0, 0],
    ],
  ],
  [[2, 8, 8, 2], [3, 3, 2, 3], [2, 1], 'same'],
  [[1, 7, 7, 2], [3, 3, 2, 2], 2, 1],
];

describe('Conv2DBackpropInput on wasm (replaced: faster) equals cpu', () => {
  it('is registered for wasm', async () => {
    await onBackend('wasm', () => {
      expect(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc).toBe(conv2dBackpropInputConfig.kernelFunc);
    });
  });

  for (const [x, f, s, pad] of CASES) {
    it(`x ${x} filter ${f} stride ${s} ${padName(pad)}`, async () => {
      const dy = tf.backend_util.computeConv2DInfo(x, f, s, 1, pad, 'floor').outShape;
      const r = await compareKernel(
        'Conv2DBackpropInput',
        {
          dy: {
            values: seeded(
              dy.reduce((a, b) => a * b),
              5,
            ),
            shape: dy,
          },
          filter: {
            values: seeded(
              f.reduce((a, b) => a * b),
              6,
            ),
            shape: f,
          },
        },
        { strides: s, pad, dataFormat: 'NHWC', inputShape: x, dimRoundingMode: typeof pad === 'number' ? 'floor' : undefined },
      );
      expect(r.gotShape).toEqual(x);
      expect(r.err).toBeLessThan(REL_TOL);
    });
  }

  it('NCHW data format', async () => {
    const r = await compareKernel(
      'Conv2DBackpropInput',
      { dy: { values: seeded(2 * 2 * 4 * 3, 7), shape: [2, 2, 4, 3] }, filter: { values: seeded(3 * 3 * 3 * 2, 8), shape: [3, 3, 3, 2] } },
      { strides: 2, pad: 'same', dataFormat: 'NCHW', inputShape: [2, 3, 7, 6] },
    );
    expect(r.gotShape).toEqual([2, 3, 7, 6]);
    expect(r.err).toBeLessThan(REL_TOL);
  });
});

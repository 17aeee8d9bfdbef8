import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { depthwiseConv2dBackpropFilterConfig } from '../../../src/backend/tfjs-wasm/depthwise-backprop-filter.js';
import { compareKernel, onBackend, padName, REL_TOL, seeded, type Pad } from '../helpers.js';

// [x shape NHWC, filter shape [kh, kw, C, M], strides, pad]
const CASES: [[number, number, number, number], [number, number, number, number], number | [number, number], Pad][] = [
  [[1, 5, 5, 1], [3, 3, 1, 1], 1, 'same'],
  [[3, 8, 7, 3], [3, 3, 3, 1], 2, 'same'],
  [[3, 9, 8, 2], [3, 3, 2, 2], 2, 'valid'],
  [[1, 6, 7, 4], [2, 2, 4, 3], 1, 'valid'],
  [
    [2, 7, 6, 2],
    [3, 3, 2, 2],
    1,
    [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
  ],
  [[1, 10, 9, 3], [5, 5, 3, 1], 2, 'same'],
  [[2, 8, 8, 2], [3, 3, 2, 1], [2, 1], 'same'],
];

describe('DepthwiseConv2dNativeBackpropFilter on wasm equals cpu', () => {
  it('is registered for wasm', async () => {
    await onBackend('wasm', () => {
      expect(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm')?.kernelFunc).toBe(depthwiseConv2dBackpropFilterConfig.kernelFunc);
    });
  });

  for (const [x, f, s, pad] of CASES) {
    it(`x ${x} filter ${f} stride ${s} ${padName(pad)}`, async () => {
      const dy = tf.backend_util.computeConv2DInfo(x, f, s, 1, pad, undefined, true).outShape;
      const r = await compareKernel(
        'DepthwiseConv2dNativeBackpropFilter',
        {
          x: {
            values: seeded(
              x.reduce((a, b) => a * b),
              11,
            ),
            shape: x,
          },
          dy: {
            values: seeded(
              dy.reduce((a, b) => a * b),
              12,
            ),
            shape: dy,
          },
        },
        { strides: s, dilations: 1, pad, filterShape: f },
      );
      expect(r.gotShape).toEqual(f);
      expect(r.err).toBeLessThan(REL_TOL);
    });
  }
});

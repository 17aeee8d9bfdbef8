import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { conv2dBackpropFilterConfig } from '../../../src/backend/tfjs-wasm/conv2d-backprop-filter.js';
import { compareKernel, onBackend, padName, REL_TOL, seeded, type Pad } from '../helpers.js';

// [x shape NHWC, filter shape, strides, pad]
const CASES: [number[], [number, number, number, number], number | [number, number], Pad][] = [
  [[1, 5, 5, 1], [3, 3, 1, 1], 1, 'same'],
  [[3, 8, 7, 3], [3, 3, 3, 4], 2, 'same'],
  [[3, 9, 8, 2], [3, 3, 2, 5], 2, 'valid'],
  [[1, 6, 7, 4], [2, 2, 4, 3], 1, 'valid'],
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
  [
    [1, 10, 9, 3],
    [5, 5, 3, 2],
    2,
    [
      [0, 0],
      [2, 2],
      [3, 1],
      [0, 0],
    ],
  ],
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

function dyShape(x: number[], f: [number, number, number, number], s: number | [number, number], pad: Pad): number[] {
  const info = tf.backend_util.computeConv2DInfo(x as [number, number, number, number], f, s, 1, pad, 'floor');
  return info.outShape;
}

describe('Conv2DBackpropFilter on wasm equals cpu', () => {
  it('is registered for wasm', async () => {
    await onBackend('wasm', () => {
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc).toBe(conv2dBackpropFilterConfig.kernelFunc);
    });
  });

  for (const [x, f, s, pad] of CASES) {
    it(`x ${x} filter ${f} stride ${s} ${padName(pad)}`, async () => {
      const dy = dyShape(x, f, s, pad);
      const r = await compareKernel(
        'Conv2DBackpropFilter',
        {
          x: {
            values: seeded(
              x.reduce((a, b) => a * b),
              1,
            ),
            shape: x,
          },
          dy: {
            values: seeded(
              dy.reduce((a, b) => a * b),
              2,
            ),
            shape: dy,
          },
        },
        { strides: s, pad, dataFormat: 'NHWC', filterShape: f, dimRoundingMode: typeof pad === 'number' ? 'floor' : undefined },
      );
      expect(r.gotShape).toEqual(f);
      expect(r.err).toBeLessThan(REL_TOL);
    });
  }

  it('NCHW data format', async () => {
    const x = [2, 3, 7, 6];
    const f: [number, number, number, number] = [3, 3, 3, 2];
    const dy = [2, 2, 4, 3]; // stride 2, same: ceil(7/2) x ceil(6/2)
    const r = await compareKernel(
      'Conv2DBackpropFilter',
      { x: { values: seeded(2 * 3 * 7 * 6, 3), shape: x }, dy: { values: seeded(2 * 2 * 4 * 3, 4), shape: dy } },
      { strides: 2, pad: 'same', dataFormat: 'NCHW', filterShape: f },
    );
    expect(r.gotShape).toEqual(f);
    expect(r.err).toBeLessThan(REL_TOL);
  });
});

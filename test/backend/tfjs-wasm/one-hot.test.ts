import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { oneHotConfig } from '../../../src/backend/tfjs-wasm/one-hot.js';
import { onBackend } from '../helpers.js';

const run = (dtype: 'float32' | 'int32', on: number, off: number) => () =>
  tf.tidy(() =>
    Array.from(
      tf
        .oneHot(
          tf.tensor2d(
            [
              [0, 2],
              [3, -1],
            ],
            [2, 2],
            'int32',
          ),
          3,
          on,
          off,
          dtype,
        )
        .dataSync(),
    ),
  );

describe('OneHot on wasm (replaced: wasm 4.22 writes int bits for float32) equals cpu', () => {
  it('is registered for wasm', async () => {
    await onBackend('wasm', () => expect(tf.getKernel('OneHot', 'wasm')?.kernelFunc).toBe(oneHotConfig.kernelFunc));
  });

  it('float32 labels are exactly 1 and 0 (hand-computed)', async () => {
    const got = await onBackend('wasm', run('float32', 1, 0));
    // rows: index 0, 2, 3 (out of range: all off), -1 (all off)
    expect(got).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
  });

  for (const [dtype, on, off] of [
    ['float32', 0.9, 0.05],
    ['int32', 5, -1],
    ['int32', 1, 0],
  ] as const) {
    it(`${dtype} on=${on} off=${off} equals cpu exactly`, async () => {
      const ref = await onBackend('cpu', run(dtype, on, off));
      const got = await onBackend('wasm', run(dtype, on, off));
      expect(got).toEqual(ref);
    });
  }
});

import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { isSwpruneKernel } from '../../../src/backend/tfjs-wasm/index.js';
import { onBackend, seeded } from '../helpers.js';

type DType = 'float32' | 'int32' | 'bool';

function input(shape: number[], dtype: DType): tf.Tensor {
  const vals = seeded(
    shape.reduce((a, b) => a * b, 1),
    11,
  );
  if (dtype === 'float32') return tf.tensor(vals, shape);
  if (dtype === 'int32')
    return tf.tensor(
      Int32Array.from(vals, (v) => Math.round(v * 100)),
      shape,
      'int32',
    );
  return tf.tensor(
    Int32Array.from(vals, (v) => (v > 0 ? 1 : 0)),
    shape,
    'bool',
  );
}

// Copies: results must be identical. [shape, begin, size, dtype]
const SLICES: [number[], number[], number[], DType][] = [
  [[4, 30, 30, 3], [0, 1, 1, 0], [4, 28, 28, 3], 'float32'], // the gradient of a 'same' padding
  [[3, 5, 4, 6], [1, 0, 0, 0], [2, 5, 4, 6], 'float32'], // one contiguous run
  [[3, 5, 4, 6], [0, 1, 2, 1], [3, 3, 2, 4], 'float32'], // every axis cut
  [[7, 9], [2, 3], [4, -1], 'int32'],
  [[10], [3], [5], 'float32'],
  [[2, 3, 4, 5, 6], [0, 1, 1, 1, 1], [2, 2, 2, 2, 2], 'float32'], // 4 outer loops: wasm's kernel
  [[3, 4], [1, 1], [2, 2], 'bool'], // wasm's kernel
  [[3, 4], [1, 1], [0, 2], 'float32'], // empty
];

// [shape, paddings, value]
const PADS: [number[], [number, number][], number][] = [
  [
    [2, 28, 28, 3],
    [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ],
    0,
  ],
  [
    [2, 5, 4, 3],
    [
      [1, 0],
      [2, 1],
      [0, 3],
      [0, 0],
    ],
    -3.4e38,
  ],
  [
    [3, 4],
    [
      [0, 0],
      [0, 2],
    ],
    1.5,
  ],
  [[6], [[2, 3]], 0],
  [
    [2, 3, 2, 2, 2],
    [
      [0, 0],
      [1, 1],
      [1, 1],
      [1, 1],
      [0, 1],
    ],
    0,
  ], // 4 outer loops: wasm's kernel
];

describe('Slice and PadV2 on wasm (wrapped: box copies in place) equal cpu', () => {
  it('are registered for wasm', async () => {
    await onBackend('wasm', () => {
      expect(isSwpruneKernel('Slice')).toBe(true);
      expect(isSwpruneKernel('PadV2')).toBe(true);
    });
  });

  for (const [shape, begin, size, dtype] of SLICES) {
    it(`slice ${dtype} ${JSON.stringify(shape)} begin ${begin} size ${size}`, async () => {
      const f = () =>
        tf.tidy(() => {
          const y = tf.slice(input(shape, dtype), begin, size);
          return { shape: y.shape, dtype: y.dtype, values: Array.from(y.dataSync()) };
        });
      expect(await onBackend('wasm', f)).toEqual(await onBackend('cpu', f));
    });
  }

  for (const [shape, paddings, value] of PADS) {
    it(`pad ${JSON.stringify(shape)} by ${JSON.stringify(paddings)} with ${value}`, async () => {
      const f = () =>
        tf.tidy(() => {
          const y = tf.pad(input(shape, 'float32'), paddings, value);
          return { shape: y.shape, values: Array.from(y.dataSync()) };
        });
      expect(await onBackend('wasm', f)).toEqual(await onBackend('cpu', f));
    });
  }
});

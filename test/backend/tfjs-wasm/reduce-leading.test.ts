import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { isSwpruneKernel } from '../../../src/backend/tfjs-wasm/index.js';
import { onBackend, REL_TOL, relErr, seeded } from '../helpers.js';

// [shape, axis, keepDims, dtype]: leading blocks take the col_sums path, the rest wasm's kernel.
const CASES: [number[], number | number[], boolean, 'float32' | 'int32'][] = [
  [[3, 5, 4, 6], [0, 1, 2], false, 'float32'], // batch-norm statistics
  [[3, 5, 4, 6], [2, 0, 1], true, 'float32'],
  [[3, 5, 4, 6], [-4, -3], false, 'float32'],
  [[7, 5], 0, false, 'float32'], // bias gradient of a dense layer
  [[1, 9, 1], [0, 1], true, 'float32'],
  [[600, 7], 0, false, 'float32'], // more rows than one 256-row block, columns not a multiple of 4
  [[3, 5, 4, 6], [1, 2], false, 'float32'], // not leading: wasm's kernel
  [[3, 5, 4, 6], [0, 1, 2, 3], false, 'float32'], // all axes: wasm's kernel
  [[3, 5, 4, 6], [0, 1, 2], false, 'int32'], // int32: wasm's kernel
];

function reduceOn(op: 'sum' | 'mean', shape: number[], axis: number | number[], keepDims: boolean, dtype: 'float32' | 'int32') {
  return tf.tidy(() => {
    const vals = seeded(
      shape.reduce((a, b) => a * b),
      31,
    );
    const x =
      dtype === 'float32'
        ? tf.tensor(vals, shape)
        : tf.tensor(
            Int32Array.from(vals, (v) => Math.round(v * 50)),
            shape,
            'int32',
          );
    const y = op === 'sum' ? tf.sum(x, axis, keepDims) : tf.mean(x, axis, keepDims);
    return { values: Array.from(y.dataSync()), shape: y.shape, dtype: y.dtype };
  });
}

describe('Sum and Mean on wasm (wrapped: leading axes by column sums) equal cpu', () => {
  it('are registered for wasm', async () => {
    await onBackend('wasm', () => {
      expect(isSwpruneKernel('Sum')).toBe(true);
      expect(isSwpruneKernel('Mean')).toBe(true);
    });
  });

  for (const op of ['sum', 'mean'] as const) {
    for (const [shape, axis, keepDims, dtype] of CASES) {
      it(`${op} ${dtype} ${JSON.stringify(shape)} axis ${JSON.stringify(axis)} keepDims ${keepDims}`, async () => {
        const ref = await onBackend('cpu', () => reduceOn(op, shape, axis, keepDims, dtype));
        const got = await onBackend('wasm', () => reduceOn(op, shape, axis, keepDims, dtype));
        expect(got.shape).toEqual(ref.shape);
        expect(got.dtype).toBe(ref.dtype);
        expect(relErr(got.values, ref.values)).toBeLessThan(REL_TOL);
      });
    }
  }
});

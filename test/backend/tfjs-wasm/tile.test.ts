import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { isSwpruneKernel } from '../../../src/backend/tfjs-wasm/index.js';
import { onBackend, seeded } from '../helpers.js';

/** Tiling copies values: results must be identical. [x shape, reps, dtype] */
const CASES: [number[], number[], 'float32' | 'int32' | 'bool'][] = [
  [[1, 1, 1, 4], [3, 5, 2, 1], 'float32'], // batch-norm gradient pattern: whole copies, doubling
  [[2, 1, 3], [1, 4, 1], 'float32'], // broadcast of a middle axis: strided row copies
  [[3, 1, 1, 5], [1, 4, 2, 1], 'float32'], // the GlobalAveragePool gradient pattern: strided row copies
  [[2, 3, 1, 2], [1, 1, 3, 1], 'float32'],
  [[2, 3, 1], [1, 1, 4], 'float32'], // last axis repeated: wasm's kernel
  [[2, 3], [2, 3], 'float32'], // repeated axes longer than 1: wasm's kernel
  [[1, 3], [4, 2], 'float32'], // mixed: wasm's kernel
  [[1, 1, 2], [3, 2, 1], 'int32'], // broadcast path, int32
  [[2, 1], [1, 3], 'bool'], // wasm's kernel
  [[5], [1], 'float32'],
];

function tileOn(shape: number[], reps: number[], dtype: 'float32' | 'int32' | 'bool'): number[] {
  return tf.tidy(() => {
    const n = shape.reduce((a, b) => a * b, 1);
    const vals = seeded(n, 7);
    const x =
      dtype === 'float32'
        ? tf.tensor(vals, shape)
        : dtype === 'int32'
          ? tf.tensor(
              Int32Array.from(vals, (v) => Math.round(v * 100)),
              shape,
              'int32',
            )
          : tf.tensor(
              Int32Array.from(vals, (v) => (v > 0 ? 1 : 0)),
              shape,
              'bool',
            );
    const y = tf.tile(x, reps);
    expect(y.dtype).toBe(dtype);
    return Array.from(y.dataSync());
  });
}

describe('Tile on wasm (wrapped: broadcasts are copies in place) equals cpu', () => {
  it('is registered for wasm', async () => {
    await onBackend('wasm', () => expect(isSwpruneKernel('Tile')).toBe(true));
  });

  for (const [shape, reps, dtype] of CASES) {
    it(`${dtype} ${JSON.stringify(shape)} x ${JSON.stringify(reps)}`, async () => {
      const ref = await onBackend('cpu', () => tileOn(shape, reps, dtype));
      const got = await onBackend('wasm', () => tileOn(shape, reps, dtype));
      expect(got).toEqual(ref);
    });
  }

  it('tf.broadcastTo (which uses Tile) equals cpu', async () => {
    const f = () => tf.tidy(() => Array.from(tf.broadcastTo(tf.tensor(seeded(3, 8), [3, 1]), [2, 3, 4]).dataSync()));
    expect(await onBackend('wasm', f)).toEqual(await onBackend('cpu', f));
  });
});

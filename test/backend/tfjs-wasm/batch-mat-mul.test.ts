import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { isSwpruneKernel } from '../../../src/backend/tfjs-wasm/index.js';
import { onBackend, REL_TOL, relErr, seeded } from '../helpers.js';

// [a shape, b shape, transposeA, transposeB]: ranks 2 and 3 take swprune's GEMM, the rest wasm's kernel.
const CASES: [number[], number[], boolean, boolean][] = [
  [[5, 7], [7, 3], false, false],
  [[7, 5], [7, 3], true, false], // a dense layer's weight gradient A^T dY
  [[5, 7], [3, 7], false, true], // dY W^T
  [[7, 5], [3, 7], true, true],
  [[4, 6, 9], [4, 9, 11], false, false], // batched (the Winograd op's per-position products)
  [[4, 9, 6], [1, 9, 11], true, false], // one side broadcast
  [[1, 6, 9], [4, 11, 9], false, true],
  [[2, 3, 4, 5], [2, 3, 5, 2], false, false], // rank 4: wasm's kernel
];

describe('BatchMatMul on wasm (swprune GEMM, both cores) equals cpu', () => {
  it('is registered for wasm', async () => {
    await onBackend('wasm', () => expect(isSwpruneKernel('BatchMatMul')).toBe(true));
  });

  for (const [as, bs, ta, tb] of CASES) {
    it(`${JSON.stringify(as)} x ${JSON.stringify(bs)}${ta ? ', A transposed' : ''}${tb ? ', B transposed' : ''}`, async () => {
      const f = () =>
        tf.tidy(() => {
          const a = tf.tensor(
            seeded(
              as.reduce((p, q) => p * q),
              1,
            ),
            as,
          );
          const b = tf.tensor(
            seeded(
              bs.reduce((p, q) => p * q),
              2,
            ),
            bs,
          );
          const c = tf.matMul(a, b, ta, tb);
          return { shape: c.shape, values: Float32Array.from(c.dataSync()) };
        });
      const ref = await onBackend('cpu', f);
      const got = await onBackend('wasm', f);
      expect(got.shape).toEqual(ref.shape);
      expect(relErr(got.values, ref.values)).toBeLessThan(REL_TOL);
    });
  }
});

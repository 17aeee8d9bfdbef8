import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { unsortedSegmentSumConfig } from '../../../src/backend/tfjs-wasm/unsorted-segment-sum.js';
import { compareKernel, onBackend, REL_TOL, relErr, runKernel, seeded } from '../helpers.js';

const ids = (v: number[], shape = [v.length]) => ({ values: Int32Array.from(v), shape, dtype: 'int32' as const });

describe('UnsortedSegmentSum on wasm equals cpu', () => {
  it('is registered for wasm', async () => {
    await onBackend('wasm', () => {
      expect(tf.getKernel('UnsortedSegmentSum', 'wasm')?.kernelFunc).toBe(unsortedSegmentSumConfig.kernelFunc);
    });
  });

  it('rows with repeated ids, an empty segment, x [6, 3]', async () => {
    const r = await compareKernel(
      'UnsortedSegmentSum',
      { x: { values: seeded(18, 1), shape: [6, 3] }, segmentIds: ids([2, 0, 2, 4, 0, 2]) },
      { numSegments: 5 },
    );
    expect(r.gotShape).toEqual([5, 3]);
    expect(r.err).toBeLessThan(REL_TOL);
  });

  it('1-D x, ids out of range are dropped', async () => {
    const r = await compareKernel(
      'UnsortedSegmentSum',
      { x: { values: seeded(5, 2), shape: [5] }, segmentIds: ids([1, -1, 3, 1, 0]) },
      { numSegments: 3 },
    );
    expect(r.gotShape).toEqual([3]);
    expect(r.err).toBeLessThan(REL_TOL);
    // Hand-computed: segment 0 = x[4], 1 = x[0] + x[3], 2 = nothing; x[1] (id -1) and x[2] (id 3) dropped.
    const x = seeded(5, 2);
    expect(relErr(r.got, [x[4]!, x[0]! + x[3]!, 0])).toBeLessThan(1e-6);
  });

  it('2-D ids over x [2, 3, 4] (hand-computed; the cpu kernel rejects 2-D ids)', async () => {
    const xs = seeded(24, 3);
    const segs = [0, 1, 1, 3, 0, 1];
    const got = await onBackend('wasm', () =>
      runKernel('UnsortedSegmentSum', { x: { values: xs, shape: [2, 3, 4] }, segmentIds: ids(segs, [2, 3]) }, { numSegments: 4 }),
    );
    expect(got.shape).toEqual([4, 4]);
    const want = new Float64Array(16);
    segs.forEach((s, k) => {
      for (let j = 0; j < 4; j++) want[s * 4 + j] += xs[k * 4 + j]!;
    });
    expect(relErr(got.values, want)).toBeLessThan(1e-6);
  });

  it('gives tf.gather its gradient (axis 0 and 1, batch 3)', async () => {
    const xs = seeded(3 * 5 * 4, 4);
    const grad = () =>
      tf.tidy(() => {
        const x = tf.tensor(xs, [3, 5, 4]);
        const w = tf.tensor(seeded(3 * 4 * 4, 5), [3, 4, 4]);
        const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.gather(v, [4, 0, 4, 2], 1), w)))(x);
        const g0 = tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.gather(v, [2, 2, 0], 0))))(x);
        return [...g.dataSync(), ...g0.dataSync()];
      });
    const ref = await onBackend('cpu', grad);
    const got = await onBackend('wasm', grad);
    expect(relErr(got, ref)).toBeLessThan(REL_TOL);
  });
});

import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { batchNormTraining, CHANNEL_COMBINE_KERNEL, CHANNEL_DOT_KERNEL } from '../../src/tfjs-ops/batch-norm-train.js';
import { onBackend, REL_TOL, relErr, seeded } from '../backend/helpers.js';

const EPS = 1e-3;

/** y, mean, variance and the gradients of sum(y * w) w.r.t. x, scale, offset. */
type Result = Float32Array[];

/** tfjs autodiff through tf.moments and tf.batchNorm: the reference. */
function autodiff(x: tf.Tensor, w: tf.Tensor, scale: tf.Tensor1D, offset: tf.Tensor1D): Result {
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const f = (a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => {
    const m = tf.moments(a, axes);
    return tf.batchNorm(a, m.mean, m.variance, o as tf.Tensor1D, s as tf.Tensor1D, EPS);
  };
  const m = tf.moments(x, axes);
  const grads = tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.mul(f(a, s, o), w)))([x, scale, offset]);
  return [f(x, scale, offset), m.mean, m.variance, ...grads].map((t) => Float32Array.from(t.dataSync()));
}

function fused(x: tf.Tensor, w: tf.Tensor, scale: tf.Tensor1D, offset: tf.Tensor1D): Result {
  const stats: Float32Array[] = [];
  const y = batchNormTraining(x, scale, offset, EPS, (m, v) =>
    stats.push(Float32Array.from(m.dataSync()), Float32Array.from(v.dataSync())),
  );
  const grads = tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) =>
    tf.sum(tf.mul(batchNormTraining(a, s as tf.Tensor1D, o as tf.Tensor1D, EPS), w)),
  )([x, scale, offset]);
  return [Float32Array.from(y.dataSync()), ...stats, ...grads.map((t) => Float32Array.from(t.dataSync()))];
}

function run(which: typeof fused, shape: number[], shift: number): Result {
  return tf.tidy(() => {
    const n = shape.reduce((a, b) => a * b, 1);
    const c = shape[shape.length - 1]!;
    const x = tf.add(tf.tensor(seeded(n, 31), shape), shift);
    const w = tf.tensor(seeded(n, 32), shape);
    const scale = tf.tensor1d(seeded(c, 33).map((v) => 1 + 0.5 * v));
    const offset = tf.tensor1d(seeded(c, 34));
    return which(x, w, scale, offset);
  });
}

const NAMES = ['y', 'mean', 'variance', 'dx', 'dscale', 'doffset'];

describe('batchNormTraining: training-mode batch norm with its gradient written out', () => {
  // [shape, added to every value]: NHWC activations, a 2-D [N, C] batch, a mean 100x the spread
  // (where sum(x (x - m)) alone would lose the variance to rounding).
  const CASES: [number[], number][] = [
    [[4, 5, 3, 6], 0],
    [[7, 5], 0.5],
    [[8, 4, 4, 7], 100],
  ];
  for (const backend of ['cpu', 'wasm'] as const) {
    for (const [shape, shift] of CASES) {
      it(`equals autodiff through tf.moments and tf.batchNorm on ${backend}, x ${JSON.stringify(shape)} + ${shift} (rel. error < ${REL_TOL})`, async () => {
        const [ref, got] = await onBackend(backend, () => [run(autodiff, shape, shift), run(fused, shape, shift)]);
        ref!.forEach((r, i) => {
          expect(relErr(got![i]!, r), NAMES[i]).toBeLessThan(REL_TOL);
        });
      });
    }
  }

  it('runs its reduction and its input gradient as one kernel each on wasm, composite ops on cpu', async () => {
    for (const kernel of [CHANNEL_DOT_KERNEL, CHANNEL_COMBINE_KERNEL]) {
      expect(await onBackend('wasm', () => tf.getKernel(kernel, 'wasm') !== undefined)).toBe(true);
      expect(tf.getKernel(kernel, 'cpu')).toBeUndefined();
    }
  });
});

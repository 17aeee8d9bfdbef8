/**
 * The gradient of FusedBatchNorm, registered in place of tfjs-core's (per kernel name, for every
 * backend) with the same values in fewer passes where the backend has swprune's per-channel
 * reduction (SwpruneChannelDot, registered for wasm); elsewhere, or for statistics that are
 * not one value per channel, tfjs-core's own gradient runs unchanged.
 *
 * With r = 1/sqrt(variance + epsilon) and s = scale (1 without one), per channel c and summing
 * over every other axis (tfjs-core computes the same sums through ~12 full-size passes):
 *
 *   dx = dy * (r s)                      dscale = r * sum(dy (x - mean))
 *   doffset = sum(dy)                    dmean = -r s * sum(dy)
 *   dvariance = -r^3 s / 2 * sum(dy (x - mean))
 *
 * Each input's gradient is computed when the engine asks for it (one or two passes each).
 */
import * as tf from '@tensorflow/tfjs';
import { asWasm, heapKernels, offsetOf, sizeOf } from '../wasm-heap.js';

export const CHANNEL_DOT_KERNEL = 'SwpruneChannelDot';

/** SwpruneChannelDot for wasm: inputs a, b [..., C], mean [C]; output [C] = sum over rows of a * (b - mean). */
export const channelDotConfig: tf.KernelConfig = {
  kernelName: CHANNEL_DOT_KERNEL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: b }) => {
    const { a, b: x, mean } = inputs as { a: tf.TensorInfo; b: tf.TensorInfo; mean: tf.TensorInfo };
    const backend = asWasm(b);
    const c = mean.shape[0]!;
    const out = backend.makeOutput([c], 'float32');
    heapKernels(backend).channel_dot(offsetOf(backend, out), offsetOf(backend, a), offsetOf(backend, x), offsetOf(backend, mean), sizeOf(a.shape) / c, c);
    return out;
  },
};

let registered = false;

/** Registers the FusedBatchNorm gradient above (once per process), keeping tfjs-core's for the cases it does not cover. */
export function registerBatchNormGradient(): void {
  if (registered) return;
  const original = tf.getGradient(tf.FusedBatchNorm);
  if (!original) return;
  tf.registerGradient({
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
      const c = x.shape[x.rank - 1]!;
      const fast = tf.getKernel(CHANNEL_DOT_KERNEL, tf.getBackend()) !== undefined && x.rank >= 2 && x.dtype === 'float32'
        && mean.rank === 1 && mean.shape[0] === c && variance.rank === 1 && variance.shape[0] === c && (!scale || (scale.rank === 1 && scale.shape[0] === c));
      if (!fast) return original.gradFunc(dy, saved, attrs);
      const g = dy as tf.Tensor;
      const { varianceEpsilon } = attrs as unknown as tf.FusedBatchNormAttrs;
      const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
      const r = () => tf.rsqrt(tf.add(variance, varianceEpsilon));
      const rs = () => (scale ? tf.mul(r(), scale) : r());
      const dot = () => tf.engine().runKernel(CHANNEL_DOT_KERNEL, { a: g, b: x, mean }) as tf.Tensor1D;
      return {
        x: () => tf.mul(g, rs()),
        mean: () => tf.mul(tf.neg(rs()), tf.sum(g, axes)),
        variance: () => tf.mul(tf.mul(tf.pow(r(), 3), scale ? tf.mul(scale, -0.5) : -0.5), dot()),
        scale: () => tf.mul(r(), dot()),
        offset: () => tf.sum(g, axes),
      };
    },
  });
  registered = true;
}

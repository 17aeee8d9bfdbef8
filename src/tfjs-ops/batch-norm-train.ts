/**
 * Batch normalisation with the batch's own statistics (training mode) as one differentiable op
 * with its gradient written out, instead of tfjs autodiff through tf.moments and tf.batchNorm
 * (about 19 full-size passes a layer between forward and backward, where this takes 6). Channels
 * are the last axis; every other axis is reduced. With n values per channel, m = mean(x),
 * v = mean((x - m)^2), r = 1 / sqrt(v + epsilon), s = scale:
 *
 *   y = (x - m) r s + offset
 *   doffset = sum(dy)                    dscale = r * sum(dy (x - m))
 *   dx = r s dy - r s sum(dy) / n - (x - m) r^3 s sum(dy (x - m)) / n
 *      = k1 dy + k2 (x - m) + k3,   k1 = r s,  k2 = -k1 r^2 sum(dy (x - m)) / n,  k3 = -k1 sum(dy) / n
 *
 * The per-channel reduction sum((a - ma) (b - mb)) and the combination of dx are one backend
 * kernel each where the backend registers SwpruneChannelDot and SwpruneChannelCombine (swprune's
 * wasm kernels do: src/backend/tfjs-wasm/batch-norm.ts), composite tfjs ops elsewhere. Same
 * values as the autodiff version up to float32 rounding.
 */
import * as tf from '@tensorflow/tfjs';

/** Inputs a, b [..., C], aMean, bMean [C]; output [C] = sum over every other axis of (a - aMean) * (b - bMean). */
export const CHANNEL_DOT_KERNEL = 'SwpruneChannelDot';
/** Inputs a, b [..., C], bMean, ka, kb, kc [C]; output a * ka + (b - bMean) * kb + kc, per channel. */
export const CHANNEL_COMBINE_KERNEL = 'SwpruneChannelCombine';

const has = (kernel: string) => tf.getKernel(kernel, tf.getBackend()) !== undefined;

const leadingAxes = (t: tf.Tensor) => Array.from({ length: t.rank - 1 }, (_, i) => i);

/** sum over every axis but the last of (a - aMean) * (b - bMean). */
function channelDot(a: tf.Tensor, b: tf.Tensor, aMean: tf.Tensor1D, bMean: tf.Tensor1D): tf.Tensor1D {
  if (has(CHANNEL_DOT_KERNEL)) return tf.engine().runKernel(CHANNEL_DOT_KERNEL, { a, b, aMean, bMean }) as tf.Tensor1D;
  return tf.sum(tf.mul(tf.sub(a, aMean), tf.sub(b, bMean)), leadingAxes(a));
}

/** a * ka + (b - bMean) * kb + kc with per-channel ka, kb, kc, bMean. */
function channelCombine(a: tf.Tensor, b: tf.Tensor, bMean: tf.Tensor1D, ka: tf.Tensor1D, kb: tf.Tensor1D, kc: tf.Tensor1D): tf.Tensor {
  if (has(CHANNEL_COMBINE_KERNEL)) return tf.engine().runKernel(CHANNEL_COMBINE_KERNEL, { a, b, bMean, ka, kb, kc }) as tf.Tensor;
  return tf.add(tf.add(tf.mul(a, ka), tf.mul(tf.sub(b, bMean), kb)), kc);
}

/**
 * Training-mode batch norm of x [..., C] (rank >= 2) with per-channel scale and offset [C]:
 * the normalised activation, differentiable w.r.t. x, scale and offset. `statistics` receives the
 * batch's mean and biased variance per channel (for the running statistics; not differentiable),
 * valid during the call only: the op's forward pass disposes them when it returns.
 */
export function batchNormTraining(
  x: tf.Tensor,
  scale: tf.Tensor1D,
  offset: tf.Tensor1D,
  epsilon: number,
  statistics?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): tf.Tensor {
  const axes = leadingAxes(x);
  const n = axes.reduce((p, a) => p * x.shape[a]!, 1);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, s, o, save] = args as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const mean = tf.mean(xi, axes) as tf.Tensor1D;
    const variance = tf.div(channelDot(xi, xi, mean, mean), n) as tf.Tensor1D;
    statistics?.(mean, variance);
    save([xi, s, mean, variance]);
    const value = tf.batchNorm(xi, mean, variance, o, s, epsilon);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [xs, ss, m, v] = saved as [tf.Tensor, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
      const sumDy = tf.sum(dy, axes) as tf.Tensor1D;
      const dotDy = channelDot(dy, xs, tf.zerosLike(m), m);
      const r = tf.rsqrt(tf.add(v, epsilon)) as tf.Tensor1D;
      const k1 = tf.mul<tf.Tensor1D>(r, ss);
      const k2 = tf.mul<tf.Tensor1D>(tf.mul(k1, tf.square(r)), tf.div(dotDy, -n));
      const k3 = tf.mul<tf.Tensor1D>(k1, tf.div(sumDy, -n));
      const dx = channelCombine(dy, xs, m, k1, k2, k3);
      return [dx, tf.mul(r, dotDy), sumDy];
    };
    return { value, gradFunc };
  });
  return op(x, scale, offset);
}

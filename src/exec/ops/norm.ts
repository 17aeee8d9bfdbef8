import * as tf from '@tensorflow/tfjs';
import type { OpCompiler, VariableSpec } from '../op-types.js';
import { asFloat, float } from '../values.js';
import { num } from './attrs.js';
import { PLAIN } from './conv.js';

const RUNNING: VariableSpec = { ...PLAIN, trainable: false };

/**
 * BatchNormalization over the channel axis (NHWC storage: the last axis; 2-D input [N, C]:
 * also the last). Inference uses the running statistics. Training normalises with the batch
 * mean and biased variance and updates the running statistics as PyTorch does:
 *   running = momentum * running + (1 - momentum) * batch,  with the unbiased batch variance
 * (ONNX momentum is PyTorch's 1 - momentum; exporters write 0.9 for PyTorch's 0.1).
 */
export const batchNormalization: OpCompiler = (n, ctx) => {
  const [, sName, bName, mName, vName] = n.inputs as string[];
  const scale = ctx.variable(sName!, PLAIN);
  const offset = ctx.variable(bName!, PLAIN);
  const mean = ctx.variable(mName!, RUNNING);
  const variance = ctx.variable(vName!, RUNNING);
  const eps = num(n, 'epsilon', 1e-5);
  const momentum = num(n, 'momentum', 0.9);
  return ([x], mode) => {
    const xv = asFloat(x, n.name);
    const t = xv.t as tf.Tensor;
    if (!mode.training) {
      return [float(tf.batchNorm(t, mean, variance, offset, scale, eps), xv.nhwc)];
    }
    const axes = t.rank === 4 ? [0, 1, 2] : [0];
    const count = axes.reduce((c, a) => c * t.shape[a]!, 1);
    const m = tf.moments(t, axes);
    const y = tf.batchNorm(t, m.mean, m.variance, offset, scale, eps);
    const unbiased = tf.mul(m.variance, count / Math.max(count - 1, 1));
    mean.assign(tf.add(tf.mul(mean, momentum), tf.mul(m.mean, 1 - momentum)));
    variance.assign(tf.add(tf.mul(variance, momentum), tf.mul(unbiased, 1 - momentum)));
    return [float(y, xv.nhwc)];
  };
};

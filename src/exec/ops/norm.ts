import * as tf from '@tensorflow/tfjs';
import { batchNormTraining } from '../../tfjs-ops/batch-norm-train.js';
import type { OpCompiler, VariableSpec } from '../op-types.js';
import { asFloat, float } from '../values.js';
import { num } from '../../graph/attrs.js';
import { PLAIN } from './conv.js';

const RUNNING: VariableSpec = { ...PLAIN, trainable: false };

/**
 * BatchNormalization over the channel axis (logical axis 1): an NHWC-stored 4-D activation has
 * it last, as has a 2-D [N, C]; other layouts are brought to channels-last and back. Inference
 * uses the running statistics. Training normalises with the batch mean and biased variance
 * (src/tfjs-ops/batch-norm-train.ts: one op with its gradient written out) and updates the running statistics
 * as PyTorch does:
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
    const xin = asFloat(x, n.name);
    const rank = xin.t.rank;
    // Channels last: NHWC storage as it is; a logical [N, C, ...] transposed (and back after).
    const perm = xin.nhwc || rank <= 2 ? undefined : [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1];
    // A 4-D result stays in NHWC storage; other ranks go back to their logical layout.
    const back = perm && rank !== 4 ? [0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)] : undefined;
    const xv = perm ? float(tf.transpose(xin.t, perm)) : xin;
    const out = (y: tf.Tensor) => [float(back ? tf.transpose(y, back) : y, xin.nhwc || rank === 4)];
    const t = xv.t as tf.Tensor;
    if (!mode.training) return out(tf.batchNorm(t, mean, variance, offset, scale, eps));
    const count = t.size / t.shape[t.rank - 1]!;
    const y = batchNormTraining(t, scale as tf.Tensor1D, offset as tf.Tensor1D, eps, (batchMean, batchVariance) => {
      const unbiased = tf.mul(batchVariance, count / Math.max(count - 1, 1));
      mean.assign(tf.add(tf.mul(mean, momentum), tf.mul(batchMean, 1 - momentum)));
      variance.assign(tf.add(tf.mul(variance, momentum), tf.mul(unbiased, 1 - momentum)));
    });
    return out(y);
  };
};

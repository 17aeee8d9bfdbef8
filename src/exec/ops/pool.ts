import * as tf from '@tensorflow/tfjs';
import type { OpCompiler } from '../op-types.js';
import { asFloat, float, toNhwc } from '../values.js';
import { num, nums, unsupportedAttr } from './attrs.js';
import { spatialPadding } from './conv.js';

/** MaxPool / AveragePool (2-D, NHWC storage). Padded positions never win a max and, with count_include_pad=0, are not averaged. */
function pool(kind: 'max' | 'avg'): OpCompiler {
  return (n) => {
    const kernel = nums(n, 'kernel_shape', []) as [number, number];
    if (kernel.length !== 2) throw unsupportedAttr(n, `a ${kernel.length}-D pooling`);
    const strides = nums(n, 'strides', [1, 1]) as [number, number];
    if (num(n, 'ceil_mode', 0) !== 0) throw unsupportedAttr(n, 'ceil_mode=1');
    if (nums(n, 'dilations', [1, 1]).some((d) => d !== 1)) throw unsupportedAttr(n, 'dilated pooling');
    const includePad = num(n, 'count_include_pad', 0) === 1;
    return ([x]) => {
      const xv = toNhwc(asFloat(x, n.name));
      const pad = spatialPadding(n, xv.shape[1], xv.shape[2], kernel, strides);
      const padded = pad.some(([a, b]) => a || b);
      if (kind === 'avg' && (includePad || !padded)) {
        const xp = padded ? tf.pad(xv, pad) : xv;
        return [float(tf.avgPool(xp, kernel, strides, 'valid'), true)];
      }
      if (!padded) return [float(tf.maxPool(xv, kernel, strides, 'valid'), true)];
      // Pad with -inf (max) or average only real pixels: sum over windows / count of real pixels.
      if (kind === 'max') return [float(tf.maxPool(tf.pad(xv, pad, -3.4e38), kernel, strides, 'valid'), true)];
      const ones = tf.onesLike(tf.slice(xv, [0, 0, 0, 0], [1, -1, -1, 1]));
      const sum = tf.avgPool(tf.pad(xv, pad), kernel, strides, 'valid');
      const frac = tf.avgPool(tf.pad(ones, pad), kernel, strides, 'valid');
      return [float(tf.div(sum, frac), true)];
    };
  };
}

export const maxPool = pool('max');
export const averagePool = pool('avg');

export const globalAveragePool: OpCompiler = (n) => ([x]) => [float(tf.mean(toNhwc(asFloat(x, n.name)), [1, 2], true), true)];

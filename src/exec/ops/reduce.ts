import * as tf from '@tensorflow/tfjs';
import type { OpCompiler } from '../op-types.js';
import { asFloat, asInts, float, logical, NHWC_AXIS } from '../values.js';
import { num, nums } from '../../graph/attrs.js';

type Reducer = (t: tf.Tensor, axes: number[]) => tf.Tensor;

const REDUCERS: Readonly<Record<string, Reducer>> = {
  ReduceMean: (t, a) => tf.mean(t, a, true),
  ReduceSum: (t, a) => tf.sum(t, a, true),
  ReduceMax: (t, a) => tf.max(t, a, true),
  ReduceMin: (t, a) => tf.min(t, a, true),
  ReduceProd: (t, a) => tf.prod(t, a, true),
  ReduceSumSquare: (t, a) => tf.sum(tf.square(t), a, true),
  ReduceL1: (t, a) => tf.sum(tf.abs(t), a, true),
  ReduceL2: (t, a) => tf.sqrt(tf.sum(tf.square(t), a, true)),
  ReduceLogSumExp: (t, a) => tf.logSumExp(t, a, true),
  ReduceLogSum: (t, a) => tf.log(tf.sum(t, a, true)),
};

/**
 * Reduce* over `axes` (constant input, canonical form, or attribute in raw graphs; none: all
 * axes, or nothing with noop_with_empty_axes), keepdims. An NHWC-stored 4-D input is reduced
 * in storage; without keepdims the result is brought to logical order before dropping axes.
 */
export function reduce(op: string): OpCompiler {
  const f = REDUCERS[op]!;
  return (n) =>
    ([x, axesIn]) => {
      const v = asFloat(x, n.name);
      const rank = v.t.rank;
      const listed = axesIn ? asInts(axesIn, n.name).data : nums(n, 'axes', []);
      if (listed.length === 0 && num(n, 'noop_with_empty_axes', 0) === 1) return [v];
      const axes = (listed.length ? listed : v.t.shape.map((_, i) => i)).map((a) => (a < 0 ? a + rank : a));
      const keep = num(n, 'keepdims', 1) === 1;
      const stored = v.nhwc ? axes.map((a) => NHWC_AXIS[a]!) : axes;
      const y = float(f(v.t, stored), v.nhwc);
      if (keep) return [y];
      const t = logical(y);
      return [
        float(
          tf.reshape(
            t,
            t.shape.filter((_, i) => !axes.includes(i)),
          ),
        ),
      ];
    };
}

export const REDUCE_OPS = Object.keys(REDUCERS);

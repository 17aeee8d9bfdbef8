import * as tf from '@tensorflow/tfjs';
import type { CompileContext, OpCompiler } from '../op-types.js';
import * as I from '../int-ops.js';
import { asFloat, float, logical, type FloatValue, type IntValue, type Value } from '../values.js';
import { num } from '../../graph/attrs.js';
import { PLAIN } from './conv.js';

export const identity: OpCompiler =
  () =>
  ([x]) => [x!];

/**
 * An operand `b` broadcast against an NHWC-stored 4-D tensor: ONNX broadcasting is defined on
 * the logical NCHW shape, so a lower-rank or NCHW operand is brought to NHWC storage.
 */
function alignTo(b: FloatValue): tf.Tensor {
  if (b.nhwc || b.t.rank === 0 || b.t.size === 1) return b.t;
  const rank4 = b.t.rank < 4 ? tf.reshape(b.t, [...new Array<number>(4 - b.t.rank).fill(1), ...b.t.shape]) : b.t;
  return tf.transpose(rank4, [0, 2, 3, 1]);
}

/** Applies f to float values with ONNX broadcasting, in NHWC storage when either is stored so. */
function broadcast(f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, a: FloatValue, b: FloatValue): FloatValue {
  if (a.nhwc && b.nhwc) return float(f(a.t, b.t), true);
  if (a.nhwc) return float(f(a.t, alignTo(b)), true);
  if (b.nhwc) return float(f(alignTo(a), b.t), true);
  return float(f(a.t, b.t));
}

/** Binary (or, for Max/Min/Sum, variadic) ops; integer inputs are computed in JS. */
function binary(f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, fi: (x: number, y: number) => number): OpCompiler {
  return (n) => (inputs) => {
    const xs = inputs.filter((v): v is Value => v !== undefined);
    if (xs.every((v) => v.kind === 'int')) return [(xs as IntValue[]).reduce((a, b) => I.binary(a, b, fi))];
    const fs = xs.map((v) => asFloat(v, n.name));
    return [fs.reduce((a, b) => broadcast(f, a, b))];
  };
}

export const add = binary(tf.add, (x, y) => x + y);
export const sub = binary(tf.sub, (x, y) => x - y);
export const mul = binary(tf.mul, (x, y) => x * y);
export const div = binary(tf.div, (x, y) => Math.trunc(x / y));
export const pow = binary(tf.pow, (x, y) => x ** y);
export const max = binary(tf.maximum, Math.max);
export const min = binary(tf.minimum, Math.min);
export const sum = binary(tf.add, (x, y) => x + y);

/** A scalar input known at compile time (a param), else read when the kernel runs. */
function scalarInput(ctx: CompileContext, name: string | undefined): (v: Value | undefined) => number | undefined {
  if (!name) return () => undefined;
  if (ctx.isParam(name)) {
    const value = Number(ctx.graph.params.get(name)!.data[0]);
    return () => value;
  }
  return (v) => (v ? (v.kind === 'int' ? v.data[0]! : (v.t.dataSync()[0] as number)) : undefined);
}

/** Clip: bounds as constant inputs (canonical form) or attributes (opset < 11). ReLU6 is relu6. */
export const clip: OpCompiler = (n, ctx) => {
  const lo = scalarInput(ctx, n.inputs[1]);
  const hi = scalarInput(ctx, n.inputs[2]);
  return ([x, l, h]) => {
    const min = lo(l) ?? num(n, 'min', -3.4e38);
    const max = hi(h) ?? num(n, 'max', 3.4e38);
    const xv = asFloat(x, n.name);
    if (min === 0 && max >= 3.4e38) return [float(tf.relu(xv.t), xv.nhwc)];
    if (min === 0 && max === 6) return [float(tf.relu6(xv.t), xv.nhwc)];
    return [float(tf.clipByValue(xv.t, min, max), xv.nhwc)];
  };
};

/** PRelu with a learned slope, broadcast like an ONNX operand. */
export const prelu: OpCompiler = (n, ctx) => {
  const slope = ctx.variable(n.inputs[1]!, PLAIN);
  return ([x]) => {
    const v = asFloat(x, n.name);
    const alpha = v.nhwc ? alignTo(float(slope)) : slope;
    return [float(tf.prelu(v.t, alpha), v.nhwc)];
  };
};

/** Softmax / LogSoftmax on the logical tensor; opset < 13 flattens from `axis` (default 1), >= 13 is per-axis (default -1). */
function softmaxLike(f: (t: tf.Tensor) => tf.Tensor): OpCompiler {
  return (n, ctx) =>
    ([x]) => {
      const t = logical(asFloat(x, n.name));
      if (ctx.graph.opset >= 13) {
        const axis = num(n, 'axis', -1);
        const a = axis < 0 ? axis + t.rank : axis;
        if (a === t.rank - 1) return [float(f(t))];
        const perm = t.shape.map((_, i) => i);
        [perm[a], perm[t.rank - 1]] = [perm[t.rank - 1]!, perm[a]!];
        return [float(tf.transpose(f(tf.transpose(t, perm)), perm))];
      }
      const axis = num(n, 'axis', 1);
      const a = axis < 0 ? axis + t.rank : axis;
      const rows = t.shape.slice(0, a).reduce((p, d) => p * d, 1);
      return [float(tf.reshape(f(tf.reshape(t, [rows, -1])), t.shape))];
    };
}

export const softmax = softmaxLike((t) => tf.softmax(t));
export const logSoftmax = softmaxLike((t) => tf.logSoftmax(t));

/** Dropout: the identity in evaluation; in training drops with the ratio input or attribute. */
export const dropout: OpCompiler = (n, ctx) => {
  const ratio = scalarInput(ctx, n.inputs[1]);
  return ([x, r], mode) => {
    const v = asFloat(x, n.name);
    if (!mode.training) return [v];
    const rate = ratio(r) ?? num(n, 'ratio', 0.5);
    // Each Dropout node gets its own stream from the step's seed.
    const seed = mode.seed === undefined ? undefined : [...n.name].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, mode.seed);
    return [float(rate > 0 ? tf.dropout(v.t, rate, undefined, seed) : v.t, v.nhwc)];
  };
};

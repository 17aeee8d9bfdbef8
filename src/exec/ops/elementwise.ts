import * as tf from '@tensorflow/tfjs';
import type { OpCompiler } from '../op-types.js';
import * as I from '../int-ops.js';
import { asFloat, float, logical, type FloatValue, type Value } from '../values.js';
import { num } from './attrs.js';

/** Unary ops that work element by element keep the storage layout. */
function unary(f: (t: tf.Tensor, n: Parameters<OpCompiler>[0]) => tf.Tensor): OpCompiler {
  return (n) => ([x]) => {
    const v = asFloat(x, n.name);
    return [float(f(v.t, n), v.nhwc)];
  };
}

export const relu = unary((t) => tf.relu(t));
export const sigmoid = unary((t) => tf.sigmoid(t));
export const tanh = unary((t) => tf.tanh(t));
export const leakyRelu = unary((t, n) => tf.leakyRelu(t, num(n, 'alpha', 0.01)));
export const identity: OpCompiler = () => ([x]) => [x!];

/** Clip: bounds as attributes (opset < 11) or constant inputs (opset >= 11). */
export const clip: OpCompiler = (n) => ([x, lo, hi]) => {
  const bound = (v: Value | undefined, attr: string, dflt: number) => {
    if (v) return v.kind === 'int' ? v.data[0]! : (v.t.dataSync()[0] as number);
    return num(n, attr, dflt);
  };
  const min = bound(lo, 'min', -3.4e38);
  const max = bound(hi, 'max', 3.4e38);
  const xv = asFloat(x, n.name);
  if (min === 0 && max >= 3.4e38) return [float(tf.relu(xv.t), xv.nhwc)];
  if (min === 0 && max === 6) return [float(tf.relu6(xv.t), xv.nhwc)];
  return [float(tf.clipByValue(xv.t, min, max), xv.nhwc)];
};

/**
 * An operand `b` broadcast against an NHWC-stored 4-D tensor: ONNX broadcasting is defined on
 * the logical NCHW shape, so a lower-rank or NCHW operand is brought to NHWC storage.
 */
function alignTo(b: FloatValue): tf.Tensor {
  if (b.nhwc || b.t.rank === 0 || b.t.size === 1) return b.t;
  const rank4 = b.t.rank < 4 ? tf.reshape(b.t, [...new Array<number>(4 - b.t.rank).fill(1), ...b.t.shape]) : b.t;
  return tf.transpose(rank4, [0, 2, 3, 1]);
}

function binary(f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, fi: (x: number, y: number) => number): OpCompiler {
  return (n) => ([x, y]) => {
    if (x?.kind === 'int' && y?.kind === 'int') return [I.binary(x, y, fi)];
    const a = asFloat(x, n.name);
    const b = asFloat(y, n.name);
    if (a.nhwc && b.nhwc) return [float(f(a.t, b.t), true)];
    if (a.nhwc) return [float(f(a.t, alignTo(b)), true)];
    if (b.nhwc) return [float(f(alignTo(a), b.t), true)];
    return [float(f(a.t, b.t))];
  };
}

export const add = binary(tf.add, (x, y) => x + y);
export const sub = binary(tf.sub, (x, y) => x - y);
export const mul = binary(tf.mul, (x, y) => x * y);
export const div = binary(tf.div, (x, y) => Math.trunc(x / y));

/** Softmax on the logical tensor; opset < 13 flattens from `axis` (default 1), >= 13 is per-axis (default -1). */
export const softmax: OpCompiler = (n, ctx) => ([x]) => {
  const t = logical(asFloat(x, n.name));
  if (ctx.graph.opset >= 13) {
    const axis = num(n, 'axis', -1);
    const a = axis < 0 ? axis + t.rank : axis;
    if (a === t.rank - 1) return [float(tf.softmax(t))];
    const perm = t.shape.map((_, i) => i);
    [perm[a], perm[t.rank - 1]] = [perm[t.rank - 1]!, perm[a]!];
    return [float(tf.transpose(tf.softmax(tf.transpose(t, perm)), perm))];
  }
  const axis = num(n, 'axis', 1);
  const a = axis < 0 ? axis + t.rank : axis;
  const rows = t.shape.slice(0, a).reduce((p, d) => p * d, 1);
  return [float(tf.reshape(tf.softmax(tf.reshape(t, [rows, -1])), t.shape))];
};

export const dropout: OpCompiler = (n) => ([x, ratio], mode) => {
  const v = asFloat(x, n.name);
  if (!mode.training) return [v];
  const rate = ratio ? (ratio.kind === 'int' ? ratio.data[0]! : (ratio.t.dataSync()[0] as number)) : num(n, 'ratio', 0.5);
  // Each Dropout node gets its own stream from the step's seed.
  const seed = mode.seed === undefined ? undefined : [...n.name].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, mode.seed);
  return [float(rate > 0 ? tf.dropout(v.t, rate, undefined, seed) : v.t, v.nhwc)];
};

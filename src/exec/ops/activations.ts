import * as tf from '@tensorflow/tfjs';
import type { GraphNode } from '../../graph/ir.js';
import type { OpCompiler } from '../op-types.js';
import { asFloat, float } from '../values.js';
import { num, str } from '../../graph/attrs.js';
import { unsupportedAttr } from './attrs.js';

/**
 * Element-wise activations: each keeps the storage layout of its input. One table entry per
 * ONNX op, built from tfjs ops that have gradients on every backend.
 */
type Activation = (t: tf.Tensor, n: GraphNode) => tf.Tensor;

/** max(0, min(1, alpha * x + beta)). */
const hardSigmoid = (t: tf.Tensor, alpha: number, beta: number) => tf.clipByValue(tf.add(tf.mul(t, alpha), beta), 0, 1);

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function gelu(t: tf.Tensor, n: GraphNode): tf.Tensor {
  const approximate = str(n, 'approximate', 'none');
  if (approximate === 'tanh') {
    const inner = tf.mul(tf.add(t, tf.mul(tf.pow(t, 3), 0.044715)), SQRT_2_OVER_PI);
    return tf.mul(tf.mul(t, 0.5), tf.add(tf.tanh(inner), 1));
  }
  if (approximate !== 'none') throw unsupportedAttr(n, `Gelu approximate="${approximate}"`);
  return tf.mul(tf.mul(t, 0.5), tf.add(tf.erf(tf.mul(t, Math.SQRT1_2)), 1));
}

/**
 * alpha * (exp(min(x, 0)) - 1) + max(x, 0): ELU's form without tf.where, whose condition
 * (a comparison) has no gradient in tfjs.
 */
const eluLike = (t: tf.Tensor, alpha: number) => tf.add(tf.relu(t), tf.mul(tf.sub(tf.exp(tf.minimum(t, 0)), 1), alpha));

export const ACTIVATIONS: Readonly<Record<string, Activation>> = {
  Relu: (t) => tf.relu(t),
  LeakyRelu: (t, n) => tf.leakyRelu(t, num(n, 'alpha', 0.01)),
  Elu: (t, n) => {
    const alpha = num(n, 'alpha', 1);
    return alpha === 1 ? tf.elu(t) : eluLike(t, alpha);
  },
  Selu: (t, n) => tf.mul(eluLike(t, num(n, 'alpha', 1.6732631921768188)), num(n, 'gamma', 1.0507010221481323)),
  Celu: (t, n) => {
    const alpha = num(n, 'alpha', 1);
    return tf.add(tf.relu(t), tf.minimum(0, tf.mul(tf.sub(tf.exp(tf.div(t, alpha)), 1), alpha)));
  },
  ThresholdedRelu: (t, n) => tf.mul(t, tf.step(tf.sub(t, num(n, 'alpha', 1)))),
  Sigmoid: (t) => tf.sigmoid(t),
  HardSigmoid: (t, n) => hardSigmoid(t, num(n, 'alpha', 0.2), num(n, 'beta', 0.5)),
  HardSwish: (t) => tf.mul(t, hardSigmoid(t, 1 / 6, 0.5)),
  Tanh: (t) => tf.tanh(t),
  Softplus: (t) => tf.softplus(t),
  Softsign: (t) => tf.div(t, tf.add(tf.abs(t), 1)),
  Mish: (t) => tf.mul(t, tf.tanh(tf.softplus(t))),
  Gelu: gelu,
  Erf: (t) => tf.erf(t),
  Exp: (t) => tf.exp(t),
  Log: (t) => tf.log(t),
  Sqrt: (t) => tf.sqrt(t),
  Reciprocal: (t) => tf.reciprocal(t),
  Neg: (t) => tf.neg(t),
  Abs: (t) => tf.abs(t),
};

/** The OpCompiler of an activation of the table. */
export function activation(op: string): OpCompiler {
  const f = ACTIVATIONS[op]!;
  return (n) =>
    ([x]) => {
      const v = asFloat(x, n.name);
      return [float(f(v.t, n), v.nhwc)];
    };
}

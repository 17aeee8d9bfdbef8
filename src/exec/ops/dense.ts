import * as tf from '@tensorflow/tfjs';
import type { OpCompiler, VariableSpec } from '../op-types.js';
import { asFloat, float, logical } from '../values.js';
import { num } from '../../graph/attrs.js';
import { PLAIN } from './conv.js';

/** A Gemm B stored [N, K] (transB=1, PyTorch Linear) <-> executor [K, N]. */
const TRANSPOSED: VariableSpec = {
  trainable: true,
  toExec: (p) => tf.tidy(() => tf.transpose(tf.tensor2d(p.data as Float32Array, p.dims as [number, number]))),
  toOnnx: (values, p) => {
    const [N, K] = p.dims as [number, number];
    const out = new Float32Array(values.length);
    for (let i = 0; i < N; i++) for (let k = 0; k < K; k++) out[i * K + k] = values[k * N + i]!;
    return out;
  },
};

/**
 * Gemm: Y = alpha * A' B' + beta * C. B and C are learned parameters when they are params
 * (a Linear layer), else computed inputs; A comes from the graph.
 */
export const gemm: OpCompiler = (n, ctx) => {
  const transA = num(n, 'transA', 0) === 1;
  const transB = num(n, 'transB', 0) === 1;
  const bParam = ctx.isParam(n.inputs[1]!);
  const b = bParam ? ctx.variable(n.inputs[1]!, transB ? TRANSPOSED : PLAIN) : undefined;
  const cName = n.inputs[2] ?? '';
  const c = cName && ctx.isParam(cName) ? ctx.variable(cName, PLAIN) : undefined;
  const alpha = num(n, 'alpha', 1);
  const beta = num(n, 'beta', 1);
  return ([a, bIn, cIn]) => {
    const left = logical(asFloat(a, n.name)) as tf.Tensor2D;
    const right = b ?? logical(asFloat(bIn, n.name));
    let y = tf.matMul(left, right as tf.Tensor2D, transA, !b && transB);
    if (alpha !== 1) y = tf.mul(y, alpha);
    const bias = c ?? (cName ? logical(asFloat(cIn, n.name)) : undefined);
    if (bias) y = tf.add(y, beta === 1 ? bias : tf.mul(bias, beta));
    return [float(y)];
  };
};

/** MatMul with a parameter right operand (a Linear layer without bias). */
export const matMul: OpCompiler = (n, ctx) => {
  if (!ctx.isParam(n.inputs[1]!)) {
    return ([a, b]) => [float(tf.matMul(logical(asFloat(a, n.name)), logical(asFloat(b, n.name))))];
  }
  const b = ctx.variable(n.inputs[1]!, PLAIN);
  return ([a]) => [float(tf.matMul(logical(asFloat(a, n.name)), b))];
};

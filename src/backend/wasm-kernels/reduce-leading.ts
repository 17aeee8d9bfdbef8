/**
 * Sum and Mean for the wasm backend, wrapping the registered ones: reducing float32 over the
 * leading axes (batch-norm statistics and their gradients, bias gradients: axes [0, 1, 2] of
 * NHWC) is ~4x faster as a matrix product with a column of ones (wasm's Sum transposes first):
 *
 *   sum over axes 0..k-1 of x = reshape(x, [R, K])^T x ones[R, 1]     R = prod(shape[0..k-1])
 *   mean = sum / R
 *
 * Measured (fresh 64x28x28x32 each call, axes [0,1,2]): 8.3 ms -> 2.0 ms (ones[1, R] x x is
 * 6.3 ms: XNNPACK packs the right operand). Any other reduction goes to wasm's kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor } from './util.js';

/** The number of leading axes reduced, or 0 when `axis` is not a leading block of a float32 tensor. */
function leadingAxes(x: tf.TensorInfo, axis: number | number[]): number {
  if (x.dtype !== 'float32' || x.shape.length < 2) return 0;
  const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
  if (axes.length === 0 || axes.length === x.shape.length) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

function reduceLeading(x: tf.TensorInfo, k: number, keepDims: boolean, mean: boolean): tf.Tensor {
  return tf.tidy(() => {
    const r = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
    const rest = x.shape.slice(k);
    const cols = rest.reduce((a, b) => a * b, 1);
    let s: tf.Tensor = tf.matMul(tf.reshape(asTensor(x), [r, cols]), tf.ones([r, 1]), true, false);
    if (mean) s = tf.div(s, r);
    return tf.reshape(s, keepDims ? [...x.shape.slice(0, k).map(() => 1), ...rest] : rest);
  });
}

function wrap(wasmKernel: tf.KernelConfig, mean: boolean): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const x = args.inputs.x!;
    const k = leadingAxes(x, axis);
    return k === 0 ? wasmKernel.kernelFunc(args) : reduceLeading(x, k, keepDims, mean);
  };
  return { ...wasmKernel, kernelFunc };
}

/** Our Sum config around `wasmSum` (the kernel registered before ours; its setup is kept). */
export const makeSumConfig = (wasmSum: tf.KernelConfig): tf.KernelConfig => wrap(wasmSum, false);

/** Our Mean config around `wasmMean`. */
export const makeMeanConfig = (wasmMean: tf.KernelConfig): tf.KernelConfig => wrap(wasmMean, true);

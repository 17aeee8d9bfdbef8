/**
 * Sum and Mean for the wasm backend, wrapping the registered ones: reducing float32 over the
 * leading axes (batch-norm statistics and their gradients, bias gradients: axes [0, 1, 2] of
 * NHWC) is a column sum of the tensor seen as [R, K], R = prod(shape[0..k-1]); kernels.wat's
 * col_sums does it in one pass in place on the heap (blocks of 256 rows summed separately keep
 * float32 rounding small; the mean divides the sum by R). wasm's Sum transposes first; the
 * earlier replacement, a matrix product with a column of ones, built the ones in JavaScript on
 * every call. Any other reduction goes to wasm's kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasm, heapKernels, offsetOf } from '../wasm-heap.js';

/** The number of leading axes reduced, or 0 when `axis` is not a leading block of a float32 tensor. */
function leadingAxes(x: tf.TensorInfo, axis: number | number[]): number {
  if (x.dtype !== 'float32' || x.shape.length < 2) return 0;
  const axes = [...new Set(tf.util.parseAxisParam(axis, x.shape))].sort((a, b) => a - b);
  if (axes.length === 0 || axes.length === x.shape.length) return 0;
  return axes.every((a, i) => a === i) ? axes.length : 0;
}

function wrap(wasmKernel: tf.KernelConfig, mean: boolean): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    const x = args.inputs.x!;
    const k = leadingAxes(x, axis);
    if (k === 0) return wasmKernel.kernelFunc(args);
    const backend = asWasm(args.backend);
    const rows = x.shape.slice(0, k).reduce((a, b) => a * b, 1);
    const rest = x.shape.slice(k);
    const cols = rest.reduce((a, b) => a * b, 1);
    const out = backend.makeOutput(keepDims ? [...x.shape.slice(0, k).map(() => 1), ...rest] : rest, 'float32');
    heapKernels(backend).col_sums(offsetOf(backend, out), offsetOf(backend, x), rows, cols, mean ? rows : 1, 0);
    return out;
  };
  return { ...wasmKernel, kernelFunc };
}

/** Our Sum config around `wasmSum` (the kernel registered before ours; its setup is kept). */
export const makeSumConfig = (wasmSum: tf.KernelConfig): tf.KernelConfig => wrap(wasmSum, false);

/** Our Mean config around `wasmMean`. */
export const makeMeanConfig = (wasmMean: tf.KernelConfig): tf.KernelConfig => wrap(wasmMean, true);

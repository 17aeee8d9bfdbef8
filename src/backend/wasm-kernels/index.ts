/**
 * The kernels swprune adds to (or replaces in) @tensorflow/tfjs-backend-wasm 4.22 so that CNNs
 * train on it. Found by running tf.grads through every op a conv/pool/batch-norm/dense/ReLU-family
 * classifier and the Winograd layer use, on wasm and on cpu:
 *   missing  Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter,
 *            DepthwiseConv2dNativeBackpropInput, UnsortedSegmentSum (gather's gradient)
 *   wrong    MaxPoolGrad (drops the gradient of windows whose values are all <= 0)
 *   slow     Conv2DBackpropInput (~10x a forward convolution; replaced by one)
 * Each is built from ops wasm runs natively, inside tf.tidy (no intermediate outlives the call).
 */
// The wasm package registers its own kernels when first imported; import it before ours so that
// the replacements below are not overwritten afterwards.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseConv2dBackpropFilterConfig } from './depthwise-backprop-filter.js';
import { depthwiseConv2dBackpropInputConfig } from './depthwise-backprop-input.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';

/** Why a kernel is registered: wasm lacks it, wasm's is wrong, or wasm's is much slower. */
export type KernelReason = 'missing' | 'wrong' | 'slow';

export const WASM_KERNELS: readonly { config: tf.KernelConfig; reason: KernelReason }[] = [
  { config: conv2dBackpropFilterConfig, reason: 'missing' },
  { config: depthwiseConv2dBackpropFilterConfig, reason: 'missing' },
  { config: depthwiseConv2dBackpropInputConfig, reason: 'missing' },
  { config: unsortedSegmentSumConfig, reason: 'missing' },
  { config: maxPoolGradConfig, reason: 'wrong' },
  { config: conv2dBackpropInputConfig, reason: 'slow' },
];

/**
 * Registers every kernel of WASM_KERNELS for backend 'wasm', replacing any other registration
 * of the same kernel. Idempotent: a kernel already registered with our function is left alone.
 * Safe to call before or after the wasm backend is initialised (kernels are looked up per call).
 */
export function registerWasmKernels(): void {
  for (const { config } of WASM_KERNELS) {
    const current = tf.getKernel(config.kernelName, 'wasm');
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current) tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel(config);
  }
}

/**
 * The kernels swprune adds to (or replaces in) @tensorflow/tfjs-backend-wasm 4.22 so that CNNs
 * train on it, correctly and fast. Found by running tf.grads through every op a conv/pool/
 * batch-norm/dense/ReLU-family classifier and the Winograd layer use, on wasm and on cpu, and by
 * profiling training steps (npm run bench:profile):
 *   missing  Conv2DBackpropFilter, DepthwiseConv2dNativeBackpropFilter,
 *            DepthwiseConv2dNativeBackpropInput, UnsortedSegmentSum (gather's gradient)
 *   wrong    MaxPoolGrad (loses the gradient of windows whose values are all <= 0),
 *            OneHot (garbage for dtype float32)
 *   slow     Conv2D, FusedConv2D, Conv2DBackpropInput, Conv2DBackpropFilter, BatchMatMul:
 *            swprune's kernel library (src/kernels/) on both cores; Identity and same-dtype Cast (wasm copies the
 *            data; tfjs clones every tensor a gradient saves); Slice, PadV2, Tile, Sum and Mean
 *            over leading axes, per-channel Add/Sub/Multiply/RealDiv, FusedBatchNorm: one pass
 *            of swprune's WebAssembly in place on the heap
 *   fused    SwpruneWinogradConv and SwpruneWinogradConvGrad (src/tfjs-ops/winograd-fused.ts):
 *            the Winograd layer's forward and backward pass as one kernel each, threaded
 *            SwpruneChannelDot, SwpruneChannelCombine (src/tfjs-ops/batch-norm-train.ts): training batch norm's
 *            per-channel reduction and input gradient
 * and the gradient of Mean (mean-gradient.ts; tfjs-core's builds ones(x.shape) in JavaScript).
 * Composite kernels are built from ops wasm runs natively, inside tf.tidy.
 */
// The wasm package registers its own kernels when first imported; import it before ours so that
// the replacements below are not overwritten afterwards.
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { depthwiseConv2dBackpropFilterConfig } from './depthwise-backprop-filter.js';
import { depthwiseConv2dBackpropInputConfig } from './depthwise-backprop-input.js';
import { identityConfig } from './identity.js';
import { winogradBackwardConfig, winogradForwardConfig } from './winograd.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { oneHotConfig } from './one-hot.js';
import { makeConv2dConfig, makeFusedConv2dConfig } from './conv.js';
import { makeBatchMatMulConfig } from './batch-mat-mul.js';
import { makeCastConfig, makeChannelOpConfig, makeFusedBatchNormConfig } from './channel-ops.js';
import { makePadConfig, makeSliceConfig } from './copy-box.js';
import { makeMeanConfig, makeSumConfig } from './reduce-leading.js';
import { makeTileConfig } from './tile.js';
import { registerMeanGradient } from './mean-gradient.js';
import { channelCombineConfig, channelDotConfig } from './batch-norm.js';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum.js';

/** Why a kernel is registered: wasm lacks it, wasm's is wrong, wasm's is much slower, or it fuses many ops into one. */
export type KernelReason = 'missing' | 'wrong' | 'slow' | 'fused';

export interface WasmKernel {
  kernelName: string;
  reason: KernelReason;
  /** Our config, given the kernel registered before (for wrappers that fall back to it). */
  make(previous: tf.KernelConfig | undefined): tf.KernelConfig;
}

const fixed = (config: tf.KernelConfig, reason: KernelReason): WasmKernel => ({
  kernelName: config.kernelName,
  reason,
  make: () => config,
});

/** A 'slow' kernel that wraps wasm's own one, keeping it for the cases it does not speed up. */
const wrapper = (kernelName: string, make: (previous: tf.KernelConfig) => tf.KernelConfig): WasmKernel => ({
  kernelName,
  reason: 'slow',
  make: (previous) => {
    if (!previous) throw new Error(`wasm kernel '${kernelName}' is not registered; is @tensorflow/tfjs-backend-wasm installed?`);
    return make(previous);
  },
});

export const WASM_KERNELS: readonly WasmKernel[] = [
  fixed(conv2dBackpropFilterConfig, 'missing'),
  fixed(depthwiseConv2dBackpropFilterConfig, 'missing'),
  fixed(depthwiseConv2dBackpropInputConfig, 'missing'),
  fixed(unsortedSegmentSumConfig, 'missing'),
  fixed(maxPoolGradConfig, 'wrong'),
  fixed(oneHotConfig, 'wrong'),
  fixed(conv2dBackpropInputConfig, 'slow'),
  fixed(identityConfig, 'slow'),
  fixed(winogradForwardConfig, 'fused'),
  fixed(winogradBackwardConfig, 'fused'),
  fixed(channelDotConfig, 'fused'),
  fixed(channelCombineConfig, 'fused'),
  wrapper(tf.Conv2D, makeConv2dConfig),
  wrapper(tf.FusedConv2D, makeFusedConv2dConfig),
  wrapper(tf.BatchMatMul, makeBatchMatMulConfig),
  wrapper(tf.Tile, makeTileConfig),
  wrapper(tf.Slice, makeSliceConfig),
  wrapper(tf.PadV2, makePadConfig),
  wrapper(tf.Add, makeChannelOpConfig('Add')),
  wrapper(tf.Sub, makeChannelOpConfig('Sub')),
  wrapper(tf.Multiply, makeChannelOpConfig('Multiply')),
  wrapper(tf.RealDiv, makeChannelOpConfig('RealDiv')),
  wrapper(tf.FusedBatchNorm, makeFusedBatchNormConfig),
  wrapper(tf.Cast, makeCastConfig),
  wrapper(tf.Sum, makeSumConfig),
  wrapper(tf.Mean, makeMeanConfig),
];

const ours = new Set<tf.KernelFunc>();

/** True when the wasm kernel registered under `kernelName` is one of swprune's. */
export function isSwpruneKernel(kernelName: string): boolean {
  const k = tf.getKernel(kernelName, 'wasm');
  return k !== undefined && ours.has(k.kernelFunc);
}

/**
 * Registers every kernel of WASM_KERNELS for backend 'wasm', replacing (or wrapping) the
 * registered one. Idempotent: a kernel that is already ours is left alone. Safe before or after
 * the wasm backend starts (kernels are looked up per call; wrapped kernels keep their setup).
 */
export function registerWasmKernels(): void {
  registerMeanGradient();
  for (const entry of WASM_KERNELS) {
    if (isSwpruneKernel(entry.kernelName)) continue;
    const previous = tf.getKernel(entry.kernelName, 'wasm');
    const config = entry.make(previous);
    if (previous) tf.unregisterKernel(entry.kernelName, 'wasm');
    tf.registerKernel(config);
    ours.add(config.kernelFunc);
  }
}

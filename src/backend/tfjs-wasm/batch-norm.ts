/**
 * The two kernels of training-mode batch norm (src/tfjs-ops/batch-norm-train.ts) for wasm,
 * one pass each of kernels.wat on tfjs's heap: SwpruneChannelDot (channel_dot: the per-channel
 * reduction of its variance and both its gradients) and SwpruneChannelCombine (channel_combine:
 * its input gradient).
 */
import type * as tf from '@tensorflow/tfjs';
import { CHANNEL_COMBINE_KERNEL, CHANNEL_DOT_KERNEL } from '../../tfjs-ops/batch-norm-train.js';
import { asWasm, heapKernels, offsetOf, sizeOf } from '../wasm-heap.js';

/** Inputs a, b [..., C], aMean, bMean [C]; output [C] = sum over rows of (a - aMean) * (b - bMean). */
export const channelDotConfig: tf.KernelConfig = {
  kernelName: CHANNEL_DOT_KERNEL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: b }) => {
    const { a, b: x, aMean, bMean } = inputs as Record<'a' | 'b' | 'aMean' | 'bMean', tf.TensorInfo>;
    const backend = asWasm(b);
    const c = bMean.shape[0]!;
    const out = backend.makeOutput([c], 'float32');
    const at = (t: tf.TensorInfo) => offsetOf(backend, t);
    heapKernels(backend).channel_dot(at(out), at(a), at(x), at(aMean), at(bMean), sizeOf(a.shape) / c, c);
    return out;
  },
};

/** Inputs a, b [..., C], bMean, ka, kb, kc [C]; output a * ka + (b - bMean) * kb + kc. */
export const channelCombineConfig: tf.KernelConfig = {
  kernelName: CHANNEL_COMBINE_KERNEL,
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend: b }) => {
    const { a, b: x, bMean, ka, kb, kc } = inputs as Record<'a' | 'b' | 'bMean' | 'ka' | 'kb' | 'kc', tf.TensorInfo>;
    const backend = asWasm(b);
    const c = bMean.shape[0]!;
    const out = backend.makeOutput([...a.shape], 'float32');
    const at = (t: tf.TensorInfo) => offsetOf(backend, t);
    heapKernels(backend).channel_combine(at(out), at(a), at(x), at(bMean), at(ka), at(kb), at(kc), sizeOf(a.shape) / c, c);
    return out;
  },
};

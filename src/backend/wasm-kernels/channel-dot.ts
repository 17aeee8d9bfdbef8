/**
 * SwpruneChannelDot for wasm (src/batch-norm-op/batch-norm-train.ts: the training-mode batch
 * norm's per-channel reduction, for its variance and for both its gradients): one pass of
 * kernels.wat's channel_dot on tfjs's heap.
 */
import * as tf from '@tensorflow/tfjs';
import { CHANNEL_DOT_KERNEL } from '../../batch-norm-op/batch-norm-train.js';
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

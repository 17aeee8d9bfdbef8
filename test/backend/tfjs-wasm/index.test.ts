import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { isSwpruneKernel, registerWasmKernels, WASM_KERNELS } from '../../../src/backend/tfjs-wasm/index.js';
import { onBackend, seeded } from '../helpers.js';

afterAll(() => tf.env().set('IS_TEST', false));

/** One gradient step through every registered kernel (conv, depthwise, max-pool, gather, batch norm, one-hot). */
function gradsThroughAllKernels(): void {
  tf.tidy(() => {
    const x = tf.tensor4d(seeded(2 * 7 * 6 * 3, 1), [2, 7, 6, 3]);
    const w = tf.tensor4d(seeded(3 * 3 * 3 * 4, 2), [3, 3, 3, 4]);
    const dw = tf.tensor4d(seeded(3 * 3 * 4 * 2, 3), [3, 3, 4, 2]);
    tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
      const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same');
      const z = tf.depthwiseConv2d(y, c as tf.Tensor4D, 1, 'same');
      const { mean, variance } = tf.moments(z, [0, 1, 2]);
      const bn = tf.batchNorm(z, mean, variance, tf.zeros([8]), tf.ones([8]), 1e-3) as tf.Tensor4D;
      const p = tf.maxPool(bn, 2, 1, 'valid');
      const labels = tf.oneHot(tf.tensor1d([1, 0, 2], 'int32'), 8, 1, 0, 'float32');
      return tf.add(tf.sum(tf.gather(p, [0, 3, 3], 3)), tf.sum(labels));
    })([x, w, dw]);
  });
}

describe('registerWasmKernels', () => {
  it('registers every kernel for wasm, and calling it again changes nothing', async () => {
    registerWasmKernels();
    const first = WASM_KERNELS.map(({ kernelName }) => tf.getKernel(kernelName, 'wasm')?.kernelFunc);
    expect(WASM_KERNELS.every(({ kernelName }) => isSwpruneKernel(kernelName))).toBe(true);
    registerWasmKernels();
    const second = WASM_KERNELS.map(({ kernelName }) => tf.getKernel(kernelName, 'wasm')?.kernelFunc);
    expect(second).toEqual(first);
    expect(isSwpruneKernel('Relu')).toBe(false);
  });

  it('names the kernels and why each is there', () => {
    expect(WASM_KERNELS.map(({ kernelName, reason }) => `${kernelName}:${reason}`).sort()).toEqual([
      'Add:slow',
      'BatchMatMul:slow',
      'Cast:slow',
      'Conv2D:slow',
      'Conv2DBackpropFilter:missing',
      'Conv2DBackpropInput:slow',
      'DepthwiseConv2dNativeBackpropFilter:missing',
      'DepthwiseConv2dNativeBackpropInput:missing',
      'FusedBatchNorm:slow',
      'FusedConv2D:slow',
      'Identity:slow',
      'MaxPoolGrad:wrong',
      'Mean:slow',
      'Multiply:slow',
      'OneHot:wrong',
      'PadV2:slow',
      'RealDiv:slow',
      'Slice:slow',
      'Sub:slow',
      'Sum:slow',
      'SwpruneChannelCombine:fused',
      'SwpruneChannelDot:fused',
      'SwpruneWinogradConv:fused',
      'SwpruneWinogradConvGrad:fused',
      'Tile:slow',
      'UnsortedSegmentSum:missing',
    ]);
  });

  it('leaks nothing: tensors and wasm buffers stay flat over repeated gradients', async () => {
    await onBackend('wasm', () => {
      // IS_TEST makes the engine check every kernel call for leaked data ids (it throws if any).
      tf.env().set('IS_TEST', true);
      gradsThroughAllKernels();
      const tensors = tf.memory().numTensors;
      const buffers = tf.engine().backend.numDataIds();
      for (let i = 0; i < 3; i++) gradsThroughAllKernels();
      expect(tf.memory().numTensors).toBe(tensors);
      expect(tf.engine().backend.numDataIds()).toBe(buffers);
      tf.env().set('IS_TEST', false);
    });
  });
});

/**
 * OneHot for the wasm backend, replacing the registered one, which is wrong in
 * tfjs-backend-wasm 4.22 for any dtype but int32: it writes integer bit patterns into the float
 * output, so tf.oneHot(labels, 10, 1, 0, 'float32') gives 1.4e-45 instead of 1.
 *
 *   out[..., d] = indices[...] == d ? onValue : offValue,   d in [0, depth)
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor } from './util.js';

export function oneHot({ inputs, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { depth, onValue, offValue, dtype } = attrs as unknown as tf.OneHotAttrs;
  return tf.tidy(() => {
    const indices = asTensor(inputs.indices!);
    const shape = [...indices.shape, depth];
    const hit = tf.equal(tf.expandDims(tf.cast(indices, 'int32'), -1), tf.range(0, depth, 1, 'int32'));
    return tf.where(hit, tf.fill(shape, onValue, dtype), tf.fill(shape, offValue, dtype));
  });
}

export const oneHotConfig: tf.KernelConfig = {
  kernelName: tf.OneHot,
  backendName: 'wasm',
  kernelFunc: oneHot as tf.KernelFunc,
};

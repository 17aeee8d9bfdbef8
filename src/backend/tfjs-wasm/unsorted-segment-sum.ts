/**
 * UnsortedSegmentSum for the wasm backend, which does not register it (tfjs-backend-wasm 4.22);
 * it is the gradient of gather (tf.gather, embedding lookups):
 *
 *   out[s, ...] = sum over k with segmentIds[k] = s of x[k, ...],   s in [0, numSegments)
 *
 * A scatter-add (wasm's ScatterNd accumulates repeated indices). Ids outside [0, numSegments) are
 * dropped, as in TensorFlow: their rows are zeroed and sent to segment 0.
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor } from './util.js';

function unsortedSegmentSum({ inputs, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
  return tf.tidy(() => {
    const x = asTensor(inputs.x!);
    const ids = asTensor(inputs.segmentIds!);
    const k = ids.size;
    const rest = x.shape.slice(ids.rank);
    const flatIds = tf.reshape(ids, [k]);
    const valid = tf.logicalAnd(tf.greaterEqual(flatIds, 0), tf.less(flatIds, numSegments));
    const safeIds = tf.reshape(tf.where(valid, flatIds, tf.zerosLike(flatIds)), [k, 1]);
    const rows = tf.reshape(x, [k, ...rest]);
    const keep = tf.reshape(tf.cast(valid, x.dtype), [k, ...rest.map(() => 1)]);
    return tf.scatterND(safeIds, tf.mul(rows, keep), [numSegments, ...rest]);
  });
}

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as tf.KernelFunc,
};

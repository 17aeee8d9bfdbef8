/**
 * DepthwiseConv2dNativeBackpropInput for the wasm backend, which does not register it
 * (tfjs-backend-wasm 4.22). With channel multiplier M, output channel c*M + m reads input channel c:
 *
 *   dx[n, h, w, c] = sum over m of fullcorr(dilate(dy)[..., c*M + m], rot180(W[:, :, c, m]))
 *
 * i.e. one depthwise convolution (multiplier 1) over C*M channels of the zero-dilated, padded dy
 * with the rotated filter reshaped to [kh, kw, C*M, 1], then a sum over m.
 * Dilations must be 1 (tfjs-core's depthwise gradient rejects others before calling this).
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor, dilateSpatial, padOrCrop } from './util.js';

function depthwiseConv2dBackpropInput({ inputs, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs;
  return tf.tidy(() => {
    const dy = asTensor<tf.Tensor4D>(inputs.dy!);
    const w = asTensor<tf.Tensor4D>(inputs.filter!);
    const info = tf.backend_util.computeConv2DInfo(inputShape, w.shape, strides, dilations, pad, dimRoundingMode, true);
    if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
      throw new Error(`DepthwiseConv2dNativeBackpropInput (wasm): dilations must be 1, got ${info.dilationHeight}x${info.dilationWidth}`);
    }
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const [n, h, wd, c] = inputShape;
    const m = w.shape[3];
    const d = dilateSpatial(dy, sh, sw);
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const dPad = padOrCrop(d, top, h + kh - 1 - top - d.shape[1], left, wd + kw - 1 - left - d.shape[2]);
    const wRot = tf.reshape<tf.Rank.R4>(tf.reverse(w, [0, 1]), [kh, kw, c * m, 1]);
    const r = tf.depthwiseConv2d(dPad, wRot, 1, 'valid'); // [n, h, wd, c*m]
    return m === 1 ? r : tf.sum(tf.reshape(r, [n, h, wd, c, m]), 4);
  });
}

export const depthwiseConv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.DepthwiseConv2dNativeBackpropInput,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dBackpropInput as tf.KernelFunc,
};

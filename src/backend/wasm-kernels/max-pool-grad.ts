/**
 * MaxPoolGrad for the wasm backend, replacing the registered one, which is wrong in
 * tfjs-backend-wasm 4.22: it starts each window's running maximum at FLT_MIN (the smallest
 * positive float) instead of -infinity, so a window whose values are all <= 0 sends its gradient
 * nowhere (or to pixel 0). Behind a ReLU those gradients are zero anyway; a max-pool whose
 * negative outputs reach the loss (e.g. conv - maxpool - batchnorm - relu) trains wrongly.
 *
 * Same rule as the cpu backend: each window's gradient goes to its first maximal pixel in
 * row-major order, padding excluded. With P the windows as channels (patches.ts), y the pooled
 * output and t = i*kw + j the tap:
 *
 *   miss[.., t]  = -sign(P[.., t] - y)            (0 at a maximum, else 1: P <= y)
 *   score[.., t] = t + K * miss[.., t]              K = kh*kw
 *   hit[.., t]   = relu(1 - (score - min over t of score))   (1 at the first maximum, else 0)
 *   dx           = crop(placePatches(hit * dy))
 *
 * All arithmetic on small integers, so exact; it avoids wasm's slow broadcasting comparisons.
 *
 * Padding is filled with -FLT_MAX (finite, so the one-hot convolution stays exact), which never
 * equals a window's maximum. Inputs with infinities or NaN are not supported (NaN gradients).
 * Measured on 64x28x28x32, 2x2 stride 2, SIMD, 1 thread: see the report in index.ts.
 */
import * as tf from '@tensorflow/tfjs';
import { extractPatches, placePatches } from './patches.js';
import { asTensor, padOrCrop } from './util.js';

const LOWEST_FLOAT32 = -3.4028234663852886e38;

export function maxPoolGrad({ inputs, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  return tf.tidy(() => {
    const dy = asTensor<tf.Tensor4D>(inputs.dy!);
    const x = asTensor<tf.Tensor4D>(inputs.input!);
    const y = asTensor<tf.Tensor4D>(inputs.output!);
    const info = tf.backend_util.computePool2DInfo(x.shape, filterSize, strides, 1, pad, dimRoundingMode);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
    const { top, left } = info.padInfo;
    const [n, h, w, c] = x.shape;
    const needH = (oh - 1) * sh + kh;
    const needW = (ow - 1) * sw + kw;
    const k = kh * kw;
    const xPad = padOrCrop(x, top, needH - h - top, left, needW - w - left, LOWEST_FLOAT32);
    const patches = extractPatches(xPad, kh, kw, sh, sw); // [n, oh, ow, c, k]
    const miss = tf.neg(tf.sign(tf.sub(patches, tf.expandDims(y, 4))));
    const score = tf.add(tf.mul(miss, k), tf.range(0, k));
    const hit = tf.relu(tf.sub(1, tf.sub(score, tf.min(score, 4, true))));
    const routed = tf.mul(hit, tf.expandDims(dy, 4)) as tf.Tensor5D;
    const dxPad = placePatches(routed, [n, needH, needW, c], kh, kw, sh, sw);
    return padOrCrop(dxPad, -top, h - (needH - top), -left, w - (needW - left));
  });
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as tf.KernelFunc,
};

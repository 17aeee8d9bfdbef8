/**
 * Pooling windows as channels, with one-hot depthwise convolutions (fast XNNPACK kernels on
 * wasm, where strided slices are slow):
 *
 *   extractPatches: P[n, a, b, c, i*kw + j] = xPad[n, a*sh + i, b*sw + j, c]
 *       = depthwiseConv2d(xPad, E, s, 'valid') with E[i, j, c, m] = (m == i*kw + j)
 *   placePatches:   its adjoint, dxPad[n, a*sh + i, b*sw + j, c] += P[n, a, b, c, i*kw + j]
 *
 * Multiplying by one-hot weights is exact for finite values (x*1 + y*0 + ... = x).
 */
import * as tf from '@tensorflow/tfjs';
import { depthwiseConv2dBackpropInput } from './depthwise-backprop-input.js';

/** E [kh, kw, c, kh*kw]: E[i, j, ch, m] = 1 if m = i*kw + j. */
function oneHotFilter(kh: number, kw: number, c: number): tf.Tensor4D {
  const k = kh * kw;
  const e = new Float32Array(k * c * k);
  for (let t = 0; t < k; t++) for (let ch = 0; ch < c; ch++) e[(t * c + ch) * k + t] = 1;
  return tf.tensor4d(e, [kh, kw, c, k]);
}

/** Window contents of xPad [N, Hp, Wp, C] as [N, outH, outW, C, kh*kw] (valid windows, strides sh, sw). */
export function extractPatches(xPad: tf.Tensor4D, kh: number, kw: number, sh: number, sw: number): tf.Tensor5D {
  const [n, , , c] = xPad.shape;
  const p = tf.depthwiseConv2d(xPad, oneHotFilter(kh, kw, c), [sh, sw], 'valid');
  return tf.reshape(p, [n, p.shape[1], p.shape[2], c, kh * kw]);
}

/** Adjoint of extractPatches: sums patches [N, outH, outW, C, kh*kw] back into a [N, Hp, Wp, C] image. */
export function placePatches(patches: tf.Tensor5D, padShape: [number, number, number, number], kh: number, kw: number, sh: number, sw: number): tf.Tensor4D {
  const [n, oh, ow, c, k] = patches.shape;
  const dy = tf.reshape(patches, [n, oh, ow, c * k]);
  const out = depthwiseConv2dBackpropInput({
    inputs: { dy, filter: oneHotFilter(kh, kw, c) },
    attrs: { strides: [sh, sw], dilations: 1, pad: 'valid', inputShape: padShape },
    backend: tf.backend(),
  });
  return out as tf.Tensor4D;
}

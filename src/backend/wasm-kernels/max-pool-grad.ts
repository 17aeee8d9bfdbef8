/**
 * MaxPoolGrad for the wasm backend, replacing the registered one, which is wrong in
 * tfjs-backend-wasm 4.22: it starts each window's running maximum at FLT_MIN (the smallest
 * positive float) instead of -infinity, so a window whose values are all <= 0 sends its gradient
 * nowhere (or to pixel 0). Any max-pool not directly after a ReLU hits this.
 *
 * Same rule as the cpu backend: each window's gradient goes to its first maximal pixel in
 * row-major order, padding excluded. With y the pooled output and taps (i, j) in row-major order:
 *
 *   hit_ij  = (view_ij(xPad) == y) and not (any earlier tap hit)
 *   dx      = crop( sum over (i, j) of shift_ij(dilate(dy * hit_ij, s)) )
 *
 * where xPad is x padded with -infinity, view_ij is the strided view tap (i, j) sees, dilate
 * inserts s-1 zeros between pixels and shift_ij pads it back into place. Windows that are entirely
 * -infinity (only possible with -infinity inputs) differ from cpu, which drops their gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { asTensor, dilateSpatial, padOrCrop, tapView } from './util.js';

export function maxPoolGrad({ inputs, attrs }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
  return tf.tidy(() => {
    const dy = asTensor<tf.Tensor4D>(inputs.dy!);
    const x = asTensor<tf.Tensor4D>(inputs.input!);
    const y = asTensor<tf.Tensor4D>(inputs.output!);
    const info = tf.backend_util.computePool2DInfo(x.shape, filterSize, strides, 1, pad, dimRoundingMode);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow } = info;
    const { top, left } = info.padInfo;
    const [, h, w] = x.shape;
    const needH = (oh - 1) * sh + kh;
    const needW = (ow - 1) * sw + kw;
    const xPad = padOrCrop(x, top, needH - h - top, left, needW - w - left, -Infinity);
    let taken: tf.Tensor | null = null;
    let sum: tf.Tensor4D | null = null;
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const eq = tf.equal(tapView(xPad, i, j, oh, ow, sh, sw), y);
        const hit = taken === null ? eq : tf.logicalAnd(eq, tf.logicalNot(taken));
        taken = taken === null ? eq : tf.logicalOr(taken, eq);
        const d = dilateSpatial(tf.where(hit, dy, tf.zerosLike(dy)) as tf.Tensor4D, sh, sw);
        const placed = padOrCrop(d, i, needH - i - d.shape[1], j, needW - j - d.shape[2]);
        sum = sum === null ? placed : tf.add<tf.Tensor4D>(sum, placed);
      }
    }
    return padOrCrop(sum!, -top, h - (needH - top), -left, w - (needW - left));
  });
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as tf.KernelFunc,
};

/**
 * Small tensor helpers shared by the composite wasm kernels. Every helper is built from ops the
 * wasm backend implements natively (pad, slice, reshape, stridedSlice) and is meant to be called
 * inside a kernel's tf.tidy, which frees the intermediates.
 */
import * as tf from '@tensorflow/tfjs';

/**
 * A kernel input as a Tensor. The engine passes Tensors to kernels; a bare TensorInfo (a kernel
 * called from another kernel) is wrapped in a new Tensor sharing its data, freed by the caller's tidy.
 */
export function asTensor<T extends tf.Tensor = tf.Tensor>(info: tf.TensorInfo): T {
  if (info instanceof tf.Tensor) return info as T;
  return tf.engine().makeTensorFromTensorInfo(info) as T;
}

/** Normalises a pair-or-number attribute (strides, filterSize) to [height, width]. */
export function pair(v: number | readonly [number, number]): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/**
 * Pads (positive amounts) or crops (negative amounts) the two spatial axes of an NHWC tensor:
 * out[n, h, w, c] = t[n, h - top, w - left, c] where in range, else `value`.
 */
export function padOrCrop(t: tf.Tensor4D, top: number, bottom: number, left: number, right: number, value = 0): tf.Tensor4D {
  const [n, h, w, c] = t.shape;
  let out = t;
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const t0 = Math.max(0, -top);
    const l0 = Math.max(0, -left);
    out = tf.slice(out, [0, t0, l0, 0], [n, h - t0 - Math.max(0, -bottom), w - l0 - Math.max(0, -right), c]);
  }
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    const p = (v: number): [number, number] => [0, Math.max(0, v)];
    out = tf.pad(out, [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], p(0)], value);
  }
  return out;
}

/**
 * Inserts s-1 zeros after every pixel (the adjoint of striding):
 * [N, H, W, C] -> [N, H*sh, W*sw, C], out[n, i*sh, j*sw, c] = t[n, i, j, c], zero elsewhere.
 * The last sh-1 rows and sw-1 columns are zeros; callers fold them into their padding (cropping
 * with a slice is slow on wasm). Rank-4 pads and reshapes only.
 */
export function dilateSpatial(t: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  const [n, h, w, c] = t.shape;
  let out: tf.Tensor4D = t;
  if (sh > 1) {
    const r = tf.pad(tf.reshape(t, [n, h, 1, w * c]), [
      [0, 0],
      [0, 0],
      [0, sh - 1],
      [0, 0],
    ]);
    out = tf.reshape<tf.Rank.R4>(r, [n, h * sh, w, c]);
  }
  if (sw > 1) {
    const col = tf.pad(tf.reshape(out, [n * h * sh, w, 1, c]), [
      [0, 0],
      [0, 0],
      [0, sw - 1],
      [0, 0],
    ]);
    out = tf.reshape<tf.Rank.R4>(col, [n, h * sh, w * sw, c]);
  }
  return out;
}

/** NCHW <-> NHWC for 4-D tensors. */
export const toNHWC = (t: tf.Tensor4D): tf.Tensor4D => tf.transpose(t, [0, 2, 3, 1]);
export const toNCHW = (t: tf.Tensor4D): tf.Tensor4D => tf.transpose(t, [0, 3, 1, 2]);

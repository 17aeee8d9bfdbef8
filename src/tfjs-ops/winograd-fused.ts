/**
 * The Winograd convolution as two backend kernels instead of ~100 tfjs ops: a backend that
 * registers the kernels below (swprune's wasm kernels do, src/backend/tfjs-wasm/winograd.ts,
 * with the fused, threaded kernels of src/kernels/winograd.ts) runs winogradConv2d through them;
 * every other backend runs the composite of winograd-conv2d.ts. Same values up to float32
 * rounding (the same transforms, summed in another order).
 *
 *   SwpruneWinogradConv      inputs x [N, H, W, Cin] (NHWC), w [T*T, Cin, Cout]; output y
 *   SwpruneWinogradConvGrad  inputs x, w, dy; outputs [dx, dw]
 *   attrs: T, r (the tile), pad [top, bottom, left, right]
 */
import * as tf from '@tensorflow/tfjs';
import type { WinogradTile } from '../winograd/tiles.js';

export const WINOGRAD_FORWARD_KERNEL = 'SwpruneWinogradConv';
export const WINOGRAD_BACKWARD_KERNEL = 'SwpruneWinogradConvGrad';

export interface FusedWinogradAttrs {
  T: number;
  r: number;
  pad: [number, number, number, number];
}

/** True when the active backend has both fused kernels. */
export function hasFusedWinograd(): boolean {
  const backend = tf.getBackend();
  return tf.getKernel(WINOGRAD_FORWARD_KERNEL, backend) !== undefined && tf.getKernel(WINOGRAD_BACKWARD_KERNEL, backend) !== undefined;
}

/** winogradConv2d (without bias) through the fused kernels, differentiable w.r.t. x and w. */
export function fusedWinogradConv2d(
  x: tf.Tensor4D,
  w: tf.Tensor3D,
  tile: WinogradTile,
  pad: readonly [number, number, number, number],
): tf.Tensor4D {
  const attrs: FusedWinogradAttrs = { T: tile.T, r: tile.r, pad: [pad[0], pad[1], pad[2], pad[3]] };
  const conv = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, wi, save] = args as [tf.Tensor4D, tf.Tensor3D, tf.GradSaveFunc];
    save([xi, wi]);
    const value = tf.engine().runKernel(WINOGRAD_FORWARD_KERNEL, { x: xi, w: wi }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor[] =>
      tf
        .engine()
        .runKernel(WINOGRAD_BACKWARD_KERNEL, { x: saved[0]!, w: saved[1]!, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    return { value, gradFunc };
  });
  return conv(x, w) as tf.Tensor4D;
}

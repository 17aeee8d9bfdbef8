/**
 * Differentiable Winograd convolution F(m x m, r x r) on tfjs tensors, stride 1, dilation 1.
 *
 *   x [N, H, W, Cin] (NHWC)  *  w [T*T, Cin, Cout] (Winograd domain)  ->  y [N, outH, outW, Cout]
 *
 * w[i*T + j][ci][co] = (G g_{co,ci} G^T)[i][j] for a spatial kernel g, so the result equals
 * tf.conv2d(x, g_HWIO, 1, pad) up to float32 rounding. Per tile, Y = A^T [W ⊙ (B^T d B)] A.
 *
 * How it is computed (P = N * tilesH * tilesW tiles):
 *   1. pad the input to whole m x m blocks and cut the tiles, D [T*T, P*Cin] (winograd-tiling);
 *   2. input transform, one product per position q:  V_q = KB[q,:] D  -> [P, Cin], KB = kron(B^T, B^T);
 *   3. per position:                                  M_q = V_q W_q     -> [P, Cout];
 *   4. output transform:  Y = KA [M_0; ..; M_{T*T-1}]  -> [m*m, P*Cout], KA = kron(A^T, A^T);
 *   5. put the m x m output tiles back, crop to outH x outW, add the bias.
 * Steps 2 and 3 use T*T 2D products on whole tensors rather than a slice or a batched matMul:
 * on the wasm backend slicing copies its whole input and batched matMul is ~10x slower than 2D.
 *
 * The backward pass (tf.customGrad) uses the transposed products
 *   dM_q = KA[:,q]^T dY,  dV_q = dM_q W_q^T,  dW_q = V_q^T dM_q,  dD = KB^T [dV_0; ..],
 * then overlap-adds the tile gradients onto the input. See docs/winograd.md for measurements.
 */
import * as tf from '@tensorflow/tfjs';
import type { WinogradTile } from '../winograd/tiles.js';
import { groupedProduct, groupedProductGradInput, groupedProductGradWeight } from './grouped-product.js';
import { winogradConstants, type WinogradConstants } from './winograd-constants.js';
import { planWinograd, type WinogradPad, type WinogradPlan } from './winograd-plan.js';
import { extractTiles, overlapAddTiles, tileOutput, untile } from './winograd-tiling.js';
import { fusedWinogradConv2d, hasFusedWinograd } from './winograd-fused.js';

export interface WinogradConv2dOptions {
  /** 'same' and 'valid' as in tf.conv2d (stride 1), or explicit [top, bottom, left, right]. */
  readonly pad: WinogradPad;
  /** Optional per-output-channel bias [Cout]. */
  readonly bias?: tf.Tensor1D;
  /**
   * Groups (ONNX Conv `group`, default 1): group k convolves input channels
   * [k*Cin/g, (k+1)*Cin/g) into output channels [k*Cout/g, ...); the weight is then
   * [T*T, Cin/g, Cout]. Depthwise convolution is group = Cin.
   */
  readonly group?: number;
}

function checkWeight(w: tf.Tensor, tile: WinogradTile, cin: number, group: number): void {
  const T2 = tile.T * tile.T;
  if (w.rank !== 3 || w.shape[0] !== T2 || w.shape[1]! * group !== cin || w.shape[2]! % group !== 0) {
    throw new Error(
      `winogradConv2d: weight must be [T*T=${T2}, Cin/group=${cin / group}, Cout] for ${tile.name} with ${group} group(s), got [${w.shape.join(', ')}]`,
    );
  }
}

/** Steps 1-2: the transformed tiles V_q [P, Cin], one tensor per position q. */
function transformedTiles(x: tf.Tensor4D, plan: WinogradPlan, k: WinogradConstants): tf.Tensor2D[] {
  const xPad = tf.pad(x, [
    [0, 0],
    [plan.top, plan.padBottom],
    [plan.left, plan.padRight],
    [0, 0],
  ]);
  const d = extractTiles(xPad, plan);
  xPad.dispose();
  const v = k.kbRows.map((row) => tf.reshape(tf.matMul(row, d), [plan.P, plan.cin]) as tf.Tensor2D);
  d.dispose();
  return v;
}

/** Steps 3-5 without the bias: products, output transform, untile, crop. */
function outputFromTiles(
  v: readonly tf.Tensor2D[],
  wq: readonly tf.Tensor2D[],
  plan: WinogradPlan,
  k: WinogradConstants,
  group: number,
): tf.Tensor4D {
  const { N, m, T, P, cout, outH, outW, tilesH, tilesW } = plan;
  const mcat = tf.reshape(tf.concat(v.map((vq, q) => groupedProduct(vq, wq[q]!, group))), [T * T, P * cout]);
  const full = untile(tf.matMul(k.ka, mcat), plan, cout);
  if (outH === tilesH * m && outW === tilesW * m) return full;
  return tf.slice(full, [0, 0, 0, 0], [N, outH, outW, cout]);
}

/**
 * The forward computation alone, built from differentiable tfjs ops. tfjs autodiff can
 * differentiate it (the benchmark compares that with winogradConv2d's hand-written backward).
 */
export function winogradConv2dForward(x: tf.Tensor4D, w: tf.Tensor3D, tile: WinogradTile, opts: WinogradConv2dOptions): tf.Tensor4D {
  const group = opts.group ?? 1;
  const plan = planWinograd(x.shape, tile, w.shape[2], opts.pad);
  checkWeight(w, tile, plan.cin, group);
  const k = winogradConstants(tile);
  return tf.tidy(() => {
    const y = outputFromTiles(transformedTiles(x, plan, k), tf.unstack(w) as tf.Tensor2D[], plan, k, group);
    return opts.bias ? tf.add(y, opts.bias) : y;
  });
}

/**
 * Winograd convolution F(m x m, r x r) of an NHWC input with a Winograd-domain weight,
 * stride 1: the same result as tf.conv2d(x, g, 1, pad) when w = G g G^T per (Cout, Cin),
 * laid out as w[i*T + j][ci][co]. Any H and W (the input is zero-padded to whole tiles and
 * the output cropped). Differentiable w.r.t. x, w and bias, with a hand-written backward pass
 * built from 2D matMul, transpose, pad and concat only.
 */
export function winogradConv2d(x: tf.Tensor4D, w: tf.Tensor3D, tile: WinogradTile, opts: WinogradConv2dOptions): tf.Tensor4D {
  const group = opts.group ?? 1;
  const plan = planWinograd(x.shape, tile, w.shape[2], opts.pad);
  checkWeight(w, tile, plan.cin, group);
  if (group === 1 && hasFusedWinograd()) {
    // Two backend kernels (ungrouped layers) instead of this composite (swprune's wasm backend, winograd-fused.ts).
    const y = fusedWinogradConv2d(x, w, tile, [plan.top, plan.bottom, plan.left, plan.right]);
    if (!opts.bias) return y;
    const out = tf.add(y, opts.bias) as tf.Tensor4D;
    y.dispose();
    return out;
  }
  const k = winogradConstants(tile);
  const conv = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, wi, save] = args as [tf.Tensor4D, tf.Tensor3D, tf.GradSaveFunc];
    const v = transformedTiles(xi, plan, k);
    save(v);
    const value = outputFromTiles(v, tf.unstack(wi) as tf.Tensor2D[], plan, k, group);
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]): tf.Tensor[] =>
      tf.tidy(() => backward(dy, saved as tf.Tensor2D[], wi, plan, k, group));
    return { value, gradFunc };
  });
  const y = conv(x, w) as tf.Tensor4D;
  if (!opts.bias) return y;
  const out = tf.add(y, opts.bias) as tf.Tensor4D;
  y.dispose();
  return out;
}

/** Gradients [dx, dw] from dy [N, outH, outW, Cout] and the saved transformed tiles V_q. */
function backward(
  dy: tf.Tensor4D,
  v: readonly tf.Tensor2D[],
  w: tf.Tensor3D,
  plan: WinogradPlan,
  k: WinogradConstants,
  group: number,
): tf.Tensor[] {
  const { N, H, W, m, T, P, cin, cout, outH, outW, tilesH, tilesW } = plan;
  const padH = tilesH * m - outH;
  const padW = tilesW * m - outW;
  const g =
    padH || padW
      ? tf.pad(dy, [
          [0, 0],
          [0, padH],
          [0, padW],
          [0, 0],
        ])
      : dy;
  const dY = tileOutput(g, plan, cout); // [m*m, P*Cout]
  // One group: W_q^T [Cout, Cin] once for all positions; grouped: the grouped adjoints.
  const wT = group === 1 ? (tf.unstack(tf.transpose(w, [0, 2, 1])) as tf.Tensor2D[]) : (tf.unstack(w) as tf.Tensor2D[]);
  const dV: tf.Tensor2D[] = [];
  const dW: tf.Tensor2D[] = [];
  for (let q = 0; q < T * T; q++) {
    const dM = tf.reshape(tf.matMul(k.kaTRows[q]!, dY), [P, cout]) as tf.Tensor2D;
    if (group === 1) {
      dV.push(tf.matMul(dM, wT[q]!));
      dW.push(tf.matMul(tf.transpose(v[q]!), dM));
    } else {
      dV.push(groupedProductGradInput(dM, wT[q]!, group));
      dW.push(groupedProductGradWeight(v[q]!, dM, group));
    }
  }
  const dVcat = tf.reshape(tf.concat(dV), [T * T, P * cin]);
  const quad = k.kbTQuad.map((row) => row.map((kq) => tf.matMul(kq, dVcat))) as unknown as [
    [tf.Tensor2D, tf.Tensor2D],
    [tf.Tensor2D, tf.Tensor2D],
  ];
  const dxPad = overlapAddTiles(quad, plan);
  const dx = tf.slice(dxPad, [0, plan.top, plan.left, 0], [N, H, W, cin]);
  return [dx, tf.stack(dW)];
}

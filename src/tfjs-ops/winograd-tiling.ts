/**
 * Cutting an NHWC tensor into overlapping Winograd tiles and putting output tiles back, with
 * the adjoints used by the backward pass. Only reshape, transpose (rank <= 4), slice, concat
 * and pad: kernels every backend has, and fast ones on wasm (no gathers, no rank-6 transposes).
 *
 * Layouts (s = r - 1 = T - m, P = N * tilesH * tilesW, tile index p = (n*tilesH + a)*tilesW + b):
 *   padded input   [N, blocksH*m, blocksW*m, C]      viewed as [N, blocksH, m, blocksW, m, C]
 *   tiles D        [T*T, P*C]   row k*T + l = pixel (k, l) of every tile, then (p, c)
 *   output tiles Y [m*m, P*C]   row u*m + v = output pixel (u, v) of every tile
 *
 * Tile (a, b) pixel (k, l) is padded pixel (a*m + k, b*m + l): block (a, b) for k, l < m and
 * the first s rows / columns of the next block otherwise.
 */
import * as tf from '@tensorflow/tfjs';
import type { WinogradPlan } from './winograd-plan.js';

/**
 * Tiles of the padded input xPad [N, blocksH*m, blocksW*m, C] as D [T*T, P*C].
 * Rows first: concat(block a, first s rows of block a+1); then the same for columns.
 */
export function extractTiles(xPad: tf.Tensor4D, plan: WinogradPlan): tf.Tensor2D {
  const { N, m, T, tilesH: tH, tilesW: tW, blocksH: bH, blocksW: bW, cin: C } = plan;
  const s = T - m;
  return tf.tidy(() => {
    const rowLen = m * bW * m * C; // one block row: m padded rows
    const x3 = tf.reshape(xPad, [N, bH, rowLen]);
    const own = tf.slice(x3, [0, 0, 0], [N, tH, rowLen]);
    const next = tf.slice(x3, [0, 1, 0], [N, tH, s * bW * m * C]);
    const rows = tf.concat([own, next], 2); // [N, tH, T, bW, m, C]
    const rowsT = tf.transpose(tf.reshape(rows, [N * tH, T, bW * m * C]), [1, 0, 2]); // [T, N*tH, bW*m*C]
    const c3 = tf.reshape(rowsT, [T * N * tH, bW, m * C]);
    const ownC = tf.slice(c3, [0, 0, 0], [T * N * tH, tW, m * C]);
    const nextC = tf.slice(c3, [0, 1, 0], [T * N * tH, tW, s * C]);
    const cols = tf.concat([ownC, nextC], 2); // [T(k), N, tH, tW, T(l), C]
    const d = tf.transpose(tf.reshape(cols, [T, N * tH * tW, T, C]), [0, 2, 1, 3]); // [T(k), T(l), P, C]
    return tf.reshape(d, [T * T, plan.P * C]);
  });
}

/**
 * Adjoint of extractTiles: the gradient of the padded input from the tile gradient, given as
 * its four quadrants quad[s][t] [rows(s) * rows(t), P*C] (part 0 = pixels [0, m), part 1 =
 * pixels [m, T) of a tile side). Each quadrant is shifted onto its block and summed (overlap-add).
 */
export function overlapAddTiles(
  quad: readonly [readonly [tf.Tensor2D, tf.Tensor2D], readonly [tf.Tensor2D, tf.Tensor2D]],
  plan: WinogradPlan,
): tf.Tensor4D {
  const { N, m, T, tilesH: tH, tilesW: tW, blocksW: bW, cin: C } = plan;
  const s = T - m;
  const P1 = N * tH * tW;
  return tf.tidy(() => {
    // Columns: for row part h (R rows), own columns + next columns -> [R*N*tH, bW, m*C].
    const rowPart = (h: 0 | 1): tf.Tensor3D => {
      const R = h === 0 ? m : s;
      const own = tf.reshape(tf.transpose(tf.reshape(quad[h][0], [R, m, P1, C]), [0, 2, 1, 3]), [R * N * tH, tW, m * C]);
      const next = tf.reshape(tf.transpose(tf.reshape(quad[h][1], [R, s, P1, C]), [0, 2, 1, 3]), [R * N * tH, tW, s * C]);
      const cols = tf.add(
        tf.pad(own, [
          [0, 0],
          [0, 1],
          [0, 0],
        ]),
        tf.pad(next, [
          [0, 0],
          [1, 0],
          [0, (m - s) * C],
        ]),
      ); // [R, N*tH, bW*m*C]
      return tf.reshape(tf.transpose(tf.reshape(cols, [R, N * tH, bW * m * C]), [1, 0, 2]), [N, tH, R * bW * m * C]);
    };
    const rowLen = bW * m * C;
    const g = tf.add(
      tf.pad(rowPart(0), [
        [0, 0],
        [0, 1],
        [0, 0],
      ]),
      tf.pad(rowPart(1), [
        [0, 0],
        [1, 0],
        [0, (m - s) * rowLen],
      ]),
    ); // [N, bH, m*rowLen]
    return tf.reshape(g, [N, plan.blocksH * m, bW * m, C]);
  });
}

/** Output tiles Y [m*m, P*C] back to an image [N, tilesH*m, tilesW*m, C]. */
export function untile(y: tf.Tensor2D, plan: WinogradPlan, C: number): tf.Tensor4D {
  const { N, m, tilesH: tH, tilesW: tW, P } = plan;
  return tf.tidy(() => {
    const t1 = tf.transpose(tf.reshape(y, [m * m, P, C]), [1, 0, 2]); // [n, a, b, u, v, c]
    const t2 = tf.transpose(tf.reshape(t1, [N * tH, tW, m, m * C]), [0, 2, 1, 3]); // [n, a, u, b, v, c]
    return tf.reshape(t2, [N, tH * m, tW * m, C]);
  });
}

/** Adjoint (and inverse) of untile: image [N, tilesH*m, tilesW*m, C] to tiles [m*m, P*C]. */
export function tileOutput(g: tf.Tensor4D, plan: WinogradPlan, C: number): tf.Tensor2D {
  const { N, m, tilesH: tH, tilesW: tW, P } = plan;
  return tf.tidy(() => {
    const t1 = tf.transpose(tf.reshape(g, [N * tH, m, tW, m * C]), [0, 2, 1, 3]); // [n, a, b, u, v, c]
    const t2 = tf.transpose(tf.reshape(t1, [P, m * m, C]), [1, 0, 2]);
    return tf.reshape(t2, [m * m, P * C]);
  });
}

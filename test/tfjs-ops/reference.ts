/**
 * Independent, obviously-correct Winograd convolutions for tests: a per-tile loop of tiny tf
 * ops (differentiable by tfjs autodiff) and a float64 JavaScript loop (for finite differences).
 * Neither shares code with src/tfjs-ops beyond the tile matrices.
 */
import * as tf from '@tensorflow/tfjs';
import type { WinogradTile } from '../../src/winograd/tiles.js';

export type Pads = [number, number, number, number];

/** Y = A^T [W ⊙ (B^T d B)] A for every tile, one tile at a time. x NHWC, w [T*T, cin, cout]. */
export function winogradPerTile(x: tf.Tensor4D, w: tf.Tensor3D, tile: WinogradTile, pads: Pads): tf.Tensor4D {
  const { m, r, T } = tile;
  const [N, H, W, cin] = x.shape;
  const cout = w.shape[2];
  const [top, bottom, left, right] = pads;
  const outH = H + top + bottom - r + 1;
  const outW = W + left + right - r + 1;
  const tH = Math.ceil(outH / m);
  const tW = Math.ceil(outW / m);
  return tf.tidy(() => {
    const BT = tf.tensor2d(tile.BT.map((row) => [...row]));
    const AT = tf.tensor2d(tile.AT.map((row) => [...row]));
    // B^T X B over the first two axes of X [k, l, c]: two left products with a transpose between.
    const sandwich = (Lt: tf.Tensor2D, X: tf.Tensor3D): tf.Tensor3D => {
      const [k, l, c] = X.shape;
      const a = tf.reshape(tf.matMul(Lt, tf.reshape(X, [k, l * c])), [Lt.shape[0], l, c]) as tf.Tensor3D;
      const at = tf.reshape(tf.transpose(a, [1, 0, 2]), [l, Lt.shape[0] * c]);
      const b = tf.reshape(tf.matMul(Lt, at), [Lt.shape[0], Lt.shape[0], c]);
      return tf.transpose(b, [1, 0, 2]) as tf.Tensor3D;
    };
    const xPad = tf.pad(x, [
      [0, 0],
      [top, tH * m + T - m - H - top],
      [left, tW * m + T - m - W - left],
      [0, 0],
    ]);
    const rows: tf.Tensor4D[] = [];
    for (let a = 0; a < tH; a++) {
      const rowTiles: tf.Tensor4D[] = [];
      for (let b = 0; b < tW; b++) {
        const d = tf.slice(xPad, [0, a * m, b * m, 0], [N, T, T, cin]); // [N, T, T, cin]
        const perImage: tf.Tensor3D[] = [];
        for (let n = 0; n < N; n++) {
          const dn = tf.reshape(tf.slice(d, [n, 0, 0, 0], [1, T, T, cin]), [T, T, cin]) as tf.Tensor3D;
          const V = sandwich(BT, dn); // [T, T, cin]
          const M = tf.reshape(tf.matMul(tf.reshape(V, [T * T, 1, cin]), w), [T, T, cout]) as tf.Tensor3D;
          perImage.push(sandwich(AT, M)); // [m, m, cout]
        }
        rowTiles.push(tf.stack(perImage) as tf.Tensor4D);
      }
      rows.push(tf.concat(rowTiles, 2));
    }
    const full = tf.concat(rows, 1);
    return tf.slice(full, [0, 0, 0, 0], [N, outH, outW, cout]);
  });
}

/** The same Winograd convolution in float64 JavaScript. Returns y (NHWC) and its shape. */
export function winogradF64(
  x: Float64Array,
  xShape: readonly [number, number, number, number],
  w: Float64Array,
  cout: number,
  tile: WinogradTile,
  pads: Pads,
): { y: Float64Array; shape: [number, number, number, number] } {
  const { m, r, T, AT, BT } = tile;
  const [N, H, W, cin] = xShape;
  const [top, bottom, left, right] = pads;
  const outH = H + top + bottom - r + 1;
  const outW = W + left + right - r + 1;
  const y = new Float64Array(N * outH * outW * cout);
  const d = new Float64Array(T * T * cin);
  const V = new Float64Array(T * T * cin);
  const M = new Float64Array(T * T * cout);
  for (let n = 0; n < N; n++) {
    for (let a = 0; a * m < outH; a++) {
      for (let b = 0; b * m < outW; b++) {
        for (let k = 0; k < T; k++) {
          for (let l = 0; l < T; l++) {
            const h = a * m + k - top;
            const c = b * m + l - left;
            for (let ci = 0; ci < cin; ci++) {
              d[(k * T + l) * cin + ci] = h >= 0 && h < H && c >= 0 && c < W ? x[((n * H + h) * W + c) * cin + ci]! : 0;
            }
          }
        }
        V.fill(0);
        for (let i = 0; i < T; i++)
          for (let j = 0; j < T; j++)
            for (let k = 0; k < T; k++)
              for (let l = 0; l < T; l++) {
                const f = BT[i]![k]! * BT[j]![l]!;
                if (f === 0) continue;
                for (let ci = 0; ci < cin; ci++) V[(i * T + j) * cin + ci] += f * d[(k * T + l) * cin + ci]!;
              }
        M.fill(0);
        for (let q = 0; q < T * T; q++)
          for (let ci = 0; ci < cin; ci++)
            for (let co = 0; co < cout; co++) {
              M[q * cout + co] += V[q * cin + ci]! * w[(q * cin + ci) * cout + co]!;
            }
        for (let u = 0; u < m; u++)
          for (let v = 0; v < m; v++) {
            const h = a * m + u;
            const c = b * m + v;
            if (h >= outH || c >= outW) continue;
            for (let co = 0; co < cout; co++) {
              let s = 0;
              for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) s += AT[u]![i]! * AT[v]![j]! * M[(i * T + j) * cout + co]!;
              y[((n * outH + h) * outW + c) * cout + co] = s;
            }
          }
      }
    }
  }
  return { y, shape: [N, outH, outW, cout] };
}

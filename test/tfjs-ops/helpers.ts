/**
 * Test helpers for the Winograd op: the F(2x2,3x3) and F(4x4,3x3) matrices of docs/method.md
 * (Lavin & Gray 2016), a float64 weight transform W = G g G^T, and seeded random data.
 */
import * as tf from '@tensorflow/tfjs';
import type { WinogradTile } from '../../src/winograd/tiles.js';
import { mulberry32 } from '../../src/data/rng.js';

export const F2: WinogradTile = {
  name: 'F(2x2,3x3)',
  m: 2,
  r: 3,
  T: 4,
  points: [0, 1, -1],
  BT: [
    [1, 0, -1, 0],
    [0, 1, 1, 0],
    [0, -1, 1, 0],
    [0, 1, 0, -1],
  ],
  G: [
    [1, 0, 0],
    [0.5, 0.5, 0.5],
    [0.5, -0.5, 0.5],
    [0, 0, 1],
  ],
  AT: [
    [1, 1, 1, 0],
    [0, 1, -1, -1],
  ],
};

export const F4: WinogradTile = {
  name: 'F(4x4,3x3)',
  m: 4,
  r: 3,
  T: 6,
  points: [0, 1, -1, 2, -2],
  BT: [
    [4, 0, -5, 0, 1, 0],
    [0, -4, -4, 1, 1, 0],
    [0, 4, -4, -1, 1, 0],
    [0, -2, -1, 2, 1, 0],
    [0, 2, -1, -2, 1, 0],
    [0, 4, 0, -5, 0, 1],
  ],
  G: [
    [1 / 4, 0, 0],
    [-1 / 6, -1 / 6, -1 / 6],
    [-1 / 6, 1 / 6, -1 / 6],
    [1 / 24, 1 / 12, 1 / 6],
    [1 / 24, -1 / 12, 1 / 6],
    [0, 0, 1],
  ],
  AT: [
    [1, 1, 1, 1, 1, 0],
    [0, 1, -1, 2, -2, 0],
    [0, 1, 1, 4, 4, 0],
    [0, 1, -1, 8, -8, 1],
  ],
};

/** Deterministic pseudo-random numbers (src/data/rng.ts's mulberry32), uniform in [-1, 1). */
export function randomArray(n: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  return Float64Array.from({ length: n }, () => random() * 2 - 1);
}

/**
 * Winograd-domain weight [T*T, cin, cout] (index ((i*T+j)*cin+ci)*cout+co) from an OIHW
 * spatial weight g [cout, cin, r, r], computed in float64: W = G g G^T per kernel.
 */
export function winogradWeightF64(tile: WinogradTile, g: Float64Array, cout: number, cin: number): Float64Array {
  const { T, r, G } = tile;
  const out = new Float64Array(T * T * cin * cout);
  for (let co = 0; co < cout; co++) {
    for (let ci = 0; ci < cin; ci++) {
      const base = (co * cin + ci) * r * r;
      for (let i = 0; i < T; i++) {
        for (let j = 0; j < T; j++) {
          let s = 0;
          for (let k = 0; k < r; k++) for (let l = 0; l < r; l++) s += G[i]![k]! * g[base + k * r + l]! * G[j]![l]!;
          out[((i * T + j) * cin + ci) * cout + co] = s;
        }
      }
    }
  }
  return out;
}

/** OIHW [cout, cin, r, r] float64 weights as a float32 HWIO tensor for tf.conv2d. */
export function hwio(g: Float64Array, cout: number, cin: number, r: number): tf.Tensor4D {
  const out = new Float32Array(r * r * cin * cout);
  for (let co = 0; co < cout; co++) {
    for (let ci = 0; ci < cin; ci++) {
      for (let k = 0; k < r; k++)
        for (let l = 0; l < r; l++) out[((k * r + l) * cin + ci) * cout + co] = g[((co * cin + ci) * r + k) * r + l]!;
    }
  }
  return tf.tensor4d(out, [r, r, cin, cout]);
}

/** Max |a - b| / max |b| over two same-shape tensors. */
export function relError(a: tf.Tensor, b: tf.Tensor): number {
  const av = a.dataSync();
  const bv = b.dataSync();
  if (av.length !== bv.length) throw new Error(`shape mismatch ${a.shape} vs ${b.shape}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < av.length; i++) {
    diff = Math.max(diff, Math.abs(av[i]! - bv[i]!));
    scale = Math.max(scale, Math.abs(bv[i]!));
  }
  return diff / scale;
}

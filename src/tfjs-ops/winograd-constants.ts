/**
 * The constant transform tensors of a Winograd tile, built once per tile and kept (tf.keep)
 * until disposeWinogradConstants() is called.
 *
 *   KB = kron(B^T, B^T)  (T*T x T*T):  vec(B^T d B) = KB vec(d)
 *   KA = kron(A^T, A^T)  (m*m x T*T):  vec(A^T M A) = KA vec(M)
 *
 * They are stored in the pieces the op multiplies by, so that no large tensor ever has to be
 * sliced (slicing copies the whole input on the wasm backend):
 *   - kbRows[q]   = row q of KB, 1 x T*T        (forward: V_q = KB[q,:] D, one product per position)
 *   - ka          = KA, m*m x T*T               (forward: Y = KA M)
 *   - kaTRows[q]  = row q of KA^T, 1 x m*m      (backward: dM_q = KA[:,q]^T dY)
 *   - kbTQuad[s][t] = rows (k, l) of KB^T with k in part s and l in part t, where part 0 is
 *     [0, m) (the tile's own block) and part 1 is [m, T) (borrowed from the next block);
 *     (backward: the tile gradient split the way the tiles were cut).
 */
import * as tf from '@tensorflow/tfjs';
import type { WinogradTile } from '../winograd/tiles.js';
import { kron, transposeMatrix } from './kron.js';

export interface WinogradConstants {
  readonly kbRows: readonly tf.Tensor2D[];
  readonly ka: tf.Tensor2D;
  readonly kaTRows: readonly tf.Tensor2D[];
  readonly kbTQuad: readonly [readonly [tf.Tensor2D, tf.Tensor2D], readonly [tf.Tensor2D, tf.Tensor2D]];
}

const cache = new Map<string, WinogradConstants>();

/** The tile's matrices identify it; two tiles with equal A^T and B^T share constants. */
function tileKey(tile: WinogradTile): string {
  return JSON.stringify([tile.m, tile.r, tile.T, tile.AT, tile.BT]);
}

function matrixTensor(rows: readonly (readonly number[])[]): tf.Tensor2D {
  return tf.keep(
    tf.tensor2d(
      rows.map((r) => [...r]),
      [rows.length, rows[0]!.length],
      'float32',
    ),
  );
}

function build(tile: WinogradTile): WinogradConstants {
  const { m, T } = tile;
  const KB = kron(tile.BT, tile.BT);
  const KA = kron(tile.AT, tile.AT);
  const KBT = transposeMatrix(KB);
  const KAT = transposeMatrix(KA);
  const parts = [Array.from({ length: m }, (_, i) => i), Array.from({ length: T - m }, (_, i) => m + i)];
  const quad = (s: number, t: number): tf.Tensor2D => {
    const rows: number[][] = [];
    for (const k of parts[s]!) for (const l of parts[t]!) rows.push(KBT[k * T + l]!);
    return matrixTensor(rows);
  };
  return {
    kbRows: KB.map((row) => matrixTensor([row])),
    ka: matrixTensor(KA),
    kaTRows: KAT.map((row) => matrixTensor([row])),
    kbTQuad: [
      [quad(0, 0), quad(0, 1)],
      [quad(1, 0), quad(1, 1)],
    ],
  };
}

/** The kept constants of `tile`, created on first use. */
export function winogradConstants(tile: WinogradTile): WinogradConstants {
  const key = tileKey(tile);
  let c = cache.get(key);
  if (!c) {
    c = build(tile);
    cache.set(key, c);
  }
  return c;
}

/** Disposes the cached constants of `tile`, or of every tile when called without one. */
export function disposeWinogradConstants(tile?: WinogradTile): void {
  const keys = tile ? [tileKey(tile)] : [...cache.keys()];
  for (const key of keys) {
    const c = cache.get(key);
    if (!c) continue;
    tf.dispose([...c.kbRows, c.ka, ...c.kaTRows, ...c.kbTQuad.flat()]);
    cache.delete(key);
  }
}

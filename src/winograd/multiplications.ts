import { tileGrid, type WinogradTile } from './tiles.js';

/**
 * Multiplications per image of one stride-1 convolution layer with an outH x outW output.
 *
 *   direct         = outH * outW * cin * cout * r * r
 *   denseWinograd  = tiles * T*T * cin * cout,      tiles = ceil(outH/m) * ceil(outW/m)
 *   sparseWinograd = tiles * nonzeros,               nonzeros of the cout*cin*T*T weights
 *
 * The Winograd counts are the element-wise (per-position matrix product) stage, the part
 * sparsity removes; the transforms are counted separately, as multiplications by the
 * transform matrices' non-zero entries other than ±1 (additions are not counted):
 *   inputTransform  = tiles * cin  * (T*T) * (nontrivial entries per output of B^T d B)
 *   outputTransform = tiles * cout * (m*m) * (nontrivial entries per output of A^T M A)
 */
export interface ConvMultiplications {
  readonly direct: number;
  readonly denseWinograd: number;
  readonly sparseWinograd: number;
  readonly inputTransform: number;
  readonly outputTransform: number;
  readonly tiles: number;
}

export interface ConvShape {
  readonly outH: number;
  readonly outW: number;
  readonly cin: number;
  readonly cout: number;
}

/** Multiplications by entries other than 0 and ±1 when computing X^T D X for a T x T D. */
function nontrivial(matrix: readonly (readonly number[])[]): number {
  return matrix.flat().filter((v) => v !== 0 && Math.abs(v) !== 1).length;
}

export function convMultiplications(
  shape: ConvShape,
  tile: WinogradTile,
  nonzeros: number = shape.cin * shape.cout * tile.T * tile.T,
): ConvMultiplications {
  const { outH, outW, cin, cout } = shape;
  const { m, r, T } = tile;
  const { tilesH, tilesW } = tileGrid(outH, outW, m);
  const tiles = tilesH * tilesW;
  // A two-sided transform X^T D X is T (or m) one-sided transforms of each axis.
  const inPerTile = nontrivial(tile.BT) * T * 2;
  const outPerTile = nontrivial(tile.AT) * (T + m);
  return {
    direct: outH * outW * cin * cout * r * r,
    denseWinograd: tiles * T * T * cin * cout,
    sparseWinograd: tiles * nonzeros,
    inputTransform: tiles * cin * inPerTile,
    outputTransform: tiles * cout * outPerTile,
    tiles,
  };
}

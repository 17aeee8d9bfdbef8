/**
 * Geometry of a stride-1 Winograd convolution F(m x m, r x r) over an NHWC input: padding,
 * output size, number of tiles, and the m x m block grid the tiles are cut from. Pure numbers.
 *
 * Tile (a, b) reads padded rows [a*m, a*m + T) and columns [b*m, b*m + T), T = m + r - 1.
 * Because T <= 2m for every tile we offer, a tile is one m x m block of the padded input
 * plus the first r-1 rows/columns of the next block, so the padded input is cut into
 * (tilesH + 1) x (tilesW + 1) blocks of m x m.
 */
import { tileGrid } from '../winograd/tiles.js';

/** Convolution padding: tf.conv2d's 'same'/'valid', or explicit [top, bottom, left, right]. */
export type WinogradPad = 'same' | 'valid' | readonly [number, number, number, number];

export interface WinogradPlan {
  readonly N: number;
  readonly H: number;
  readonly W: number;
  readonly cin: number;
  readonly cout: number;
  readonly m: number;
  readonly r: number;
  readonly T: number;
  /** Convolution padding (zeros) above, below, left and right of the input. */
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
  /** Convolution output size: H + top + bottom - r + 1 (and the same for W). */
  readonly outH: number;
  readonly outW: number;
  /** Tiles per column / row: ceil(outH / m), ceil(outW / m). */
  readonly tilesH: number;
  readonly tilesW: number;
  /** m x m blocks of the padded input: tilesH + 1, tilesW + 1. */
  readonly blocksH: number;
  readonly blocksW: number;
  /** Zeros added below / right of the input so the padded input is blocksH*m x blocksW*m. */
  readonly padBottom: number;
  readonly padRight: number;
  /** Number of tiles, N * tilesH * tilesW. */
  readonly P: number;
}

/** tf.conv2d's padding for stride 1: 'same' splits the r-1 extra rows with the odd one at the end. */
function resolvePad(pad: WinogradPad, r: number): [number, number, number, number] {
  if (pad === 'valid') return [0, 0, 0, 0];
  if (pad === 'same') {
    const before = Math.floor((r - 1) / 2);
    const after = r - 1 - before;
    return [before, after, before, after];
  }
  if (pad.length !== 4 || pad.some((p) => !Number.isInteger(p) || p < 0)) {
    throw new Error(`winogradConv2d: explicit pad must be 4 non-negative integers [top, bottom, left, right], got [${pad.join(', ')}]`);
  }
  return [pad[0], pad[1], pad[2], pad[3]];
}

/**
 * Plans F(m x m, r x r) over an NHWC input of shape xShape producing cout channels.
 * Throws if the tile is not usable (T > 2m) or the output would be empty.
 */
export function planWinograd(
  xShape: readonly number[],
  tile: { readonly m: number; readonly r: number; readonly T: number },
  cout: number,
  pad: WinogradPad,
): WinogradPlan {
  const { m, r, T } = tile;
  if (T !== m + r - 1) throw new Error(`winogradConv2d: tile has T=${T}, expected m + r - 1 = ${m + r - 1}`);
  if (r < 2 || m < 1) throw new Error(`winogradConv2d: need r >= 2 and m >= 1, got m=${m}, r=${r}`);
  if (r - 1 > m) {
    throw new Error(`winogradConv2d: tiles with T > 2m are not supported (m=${m}, r=${r}); use a larger m`);
  }
  if (xShape.length !== 4) throw new Error(`winogradConv2d: x must be NHWC (rank 4), got shape [${xShape.join(', ')}]`);
  const [N, H, W, cin] = xShape as [number, number, number, number];
  const [top, bottom, left, right] = resolvePad(pad, r);
  const outH = H + top + bottom - r + 1;
  const outW = W + left + right - r + 1;
  if (outH < 1 || outW < 1) {
    throw new Error(`winogradConv2d: input ${H}x${W} with pad [${top}, ${bottom}, ${left}, ${right}] is smaller than the ${r}x${r} kernel`);
  }
  const { tilesH, tilesW } = tileGrid(outH, outW, m);
  const blocksH = tilesH + 1;
  const blocksW = tilesW + 1;
  return {
    N,
    H,
    W,
    cin,
    cout,
    m,
    r,
    T,
    top,
    bottom,
    left,
    right,
    outH,
    outW,
    tilesH,
    tilesW,
    blocksH,
    blocksW,
    padBottom: blocksH * m - top - H,
    padRight: blocksW * m - left - W,
    P: N * tilesH * tilesW,
  };
}

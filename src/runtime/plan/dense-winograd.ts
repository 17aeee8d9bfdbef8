/**
 * A dense 3x3 stride-1 convolution as a Winograd F(4x4,3x3) layer: the runtime's fastest way to
 * run one (the same kernel as a pruned layer, every Winograd-domain weight present; about 3.5x
 * the direct kernel's images/s on the bundled model and on a VGG-nagadomi-shaped net). The
 * weights are G g G^T computed in float64 when the network is loaded, so the outputs differ
 * from a direct convolution's by float32 rounding only. Pure functions on typed arrays.
 */
import type { CsrData, LayerData, MatrixData, TileData } from '../../bundle/decode.js';
import { getTile } from '../../winograd/tiles.js';
import { winogradWeight } from '../../winograd/winograd-weight.js';

const matrix = (m: readonly (readonly number[])[]): MatrixData => ({
  rows: m.length,
  cols: m[0]!.length,
  values: Float64Array.from(m.flat()),
});

/** F(4x4,3x3) as a bundle holds it. */
export function denseWinogradTile(): TileData {
  const t = getTile(6, 3);
  return { name: t.name, t: t.T, m: t.m, r: t.r, at: matrix(t.AT), g: matrix(t.G), bt: matrix(t.BT) };
}

/**
 * Worth it when every output side is at least one tile: below that most of each tile's work
 * falls outside the output (a 2x2 output would do a 4x4 tile's).
 */
export const denseWinogradPays = (
  kh: number,
  kw: number,
  strides: readonly number[],
  dilations: readonly number[],
  groups: number,
  outH: number,
  outW: number,
): boolean =>
  kh === 3 && kw === 3 && strides.every((s) => s === 1) && dilations.every((d) => d === 1) && groups === 1 && outH >= 4 && outW >= 4;

/** The layer for OIHW weights w [cout, cin, 3, 3]: 36 dense cin x cout matrices W_p (the bias stays the step's epilogue's). */
export function denseWinogradLayer(name: string, w: Float32Array, cout: number, cin: number, pads: readonly number[]): LayerData {
  const W = winogradWeight(getTile(6, 3), w, cout, cin);
  const rowPtr = Int32Array.from({ length: cin + 1 }, (_, ci) => ci * cout);
  const colIdx = Int32Array.from({ length: cin * cout }, (_, e) => e % cout);
  const positions: CsrData[] = Array.from({ length: 36 }, (_, p) => ({
    rows: cin,
    cols: cout,
    rowPtr,
    colIdx,
    values: Float32Array.from(W.subarray(p * cin * cout, (p + 1) * cin * cout)),
  }));
  return {
    name,
    weight: '',
    cin,
    cout,
    kernel: 3,
    pads,
    biasName: '',
    bias: new Float32Array(0),
    tile: 0,
    positions,
    group: 1,
  };
}

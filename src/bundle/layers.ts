/**
 * A Winograd-form model's layers as a decoded bundle holds them (LayerData, TileData: typed
 * arrays, per-position CSR matrices without zeros), built straight from the graph: what
 * encodeBundle serializes, and what evaluation during training plans into the runtime without
 * a round trip through the file format (which took 12 s per evaluation for a VGG-nagadomi-sized
 * model). Pure functions on the graph's arrays.
 */
import { isWinogradConv, type Graph, type GraphNode } from '../graph/ir.js';
import { getTile, type WinogradTile } from '../winograd/tiles.js';
import type { CsrData, LayerData, TileData, WinogradLayers } from './decode.js';

/** W [Cout, Cin/group, T*T] (ONNX layout) -> T*T CSR matrices W_p [Cin/group, Cout] without zeros. */
export function positionMatrices(w: Float32Array, cout: number, cin: number, T2: number): CsrData[] {
  return Array.from({ length: T2 }, (_, p) => {
    let nnz = 0;
    for (let e = p; e < w.length; e += T2) if (w[e] !== 0) nnz++;
    const rowPtr = new Int32Array(cin + 1);
    const colIdx = new Int32Array(nnz);
    const values = new Float32Array(nnz);
    let k = 0;
    for (let ci = 0; ci < cin; ci++) {
      for (let co = 0; co < cout; co++) {
        const v = w[(co * cin + ci) * T2 + p]!;
        if (v !== 0) {
          colIdx[k] = co;
          values[k++] = v;
        }
      }
      rowPtr[ci + 1] = k;
    }
    return { rows: cin, cols: cout, rowPtr, colIdx, values };
  });
}

function tileData(t: WinogradTile): TileData {
  const matrix = (a: readonly (readonly number[])[]) => ({ rows: a.length, cols: a[0]!.length, values: Float64Array.from(a.flat()) });
  return { name: t.name, t: t.T, m: t.m, r: t.r, at: matrix(t.AT), g: matrix(t.G), bt: matrix(t.BT) };
}

function layerData(n: GraphNode, graph: Graph, tile: number): LayerData {
  const weight = graph.params.get(n.inputs[1]!)!;
  const [cout, cin, T] = weight.dims as [number, number, number];
  const biasName = n.inputs[2] ?? '';
  const group = typeof n.attrs.group === 'number' && n.attrs.group > 1 ? n.attrs.group : 1;
  return {
    name: n.name,
    weight: weight.name,
    cin,
    cout,
    kernel: n.attrs.kernel as number,
    pads: [...(n.attrs.pads as number[])],
    biasName,
    bias: biasName ? Float32Array.from(graph.params.get(biasName)!.data as Float32Array) : new Float32Array(0),
    positions: positionMatrices(weight.data as Float32Array, cout, cin, T * T),
    tile,
    group,
  };
}

/** Every WinogradConv node's layer, and the tiles they use (indexed by LayerData.tile). */
export function winogradLayers(graph: Graph): WinogradLayers {
  const tiles: WinogradTile[] = [];
  const tileIndex = (t: WinogradTile) => {
    const i = tiles.indexOf(t);
    return i >= 0 ? i : tiles.push(t) - 1;
  };
  const layers = graph.nodes
    .filter(isWinogradConv)
    .map((n) => layerData(n, graph, tileIndex(getTile(n.attrs.tile as number, n.attrs.kernel as number))));
  return { tiles: tiles.map(tileData), layers };
}

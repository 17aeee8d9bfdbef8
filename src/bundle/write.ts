import { createHash } from 'node:crypto';
import { isWinogradConv, type Graph, type GraphNode } from '../graph/ir.js';
import { encodeFreshOnnx } from '../io/onnx/index.js';
import { VERSION } from '../version.js';
import type { WinogradTile } from '../winograd/tiles.js';
import { getTile } from '../winograd/tiles.js';
import { bundleType, type BundleMessage, type CsrMessage, type LayerMessage, type TileMessage } from './schema.js';

/**
 * Encodes a model in Winograd form (WinogradConv nodes, e.g. from `swprune winograd` or
 * toWinogradGraph) as a bundle (docs/bundle.md): the Winograd weights as per-position CSR
 * matrices without their zeros, the rest of the network as ONNX.
 */
export function encodeBundle(graph: Graph, sourceBytes: Uint8Array): Uint8Array {
  const tiles: WinogradTile[] = [];
  const tileIndex = (t: WinogradTile) => {
    const i = tiles.indexOf(t);
    return i >= 0 ? i : tiles.push(t) - 1;
  };
  const winograd = graph.nodes.filter(isWinogradConv);
  const layers = winograd.map((n) => layerMessage(n, graph, tileIndex(getTile(n.attrs.tile as number, n.attrs.kernel as number))));
  // The network keeps every node; the Winograd weights and biases live only in `layers`.
  const moved = new Set(layers.flatMap((l) => [l.weight, l.biasName].filter(Boolean)));
  const params = new Map([...graph.params].filter(([name]) => !moved.has(name)));
  const message: BundleMessage = {
    // Version 2 only when needed: readers of version 1 read every ungrouped bundle.
    formatVersion: layers.some((l) => l.group > 1) ? 2 : 1,
    producer: `swprune ${VERSION}`,
    sourceSha256: createHash('sha256').update(sourceBytes).digest(),
    tiles: tiles.map(tileMessage),
    layers,
    network: encodeFreshOnnx({ ...graph, params }),
  };
  const type = bundleType();
  return type.encode(type.fromObject(message)).finish();
}

function tileMessage(t: WinogradTile): TileMessage {
  const matrix = (a: readonly (readonly number[])[]) => ({ rows: a.length, cols: a[0]!.length, values: a.flat() });
  return { name: t.name, t: t.T, m: t.m, r: t.r, at: matrix(t.AT), g: matrix(t.G), bt: matrix(t.BT) };
}

function layerMessage(n: GraphNode, graph: Graph, tile: number): LayerMessage {
  const weight = graph.params.get(n.inputs[1]!)!;
  const [cout, cin, T] = weight.dims as [number, number, number];
  const biasName = n.inputs[2] ?? '';
  const bias = biasName ? Array.from(graph.params.get(biasName)!.data as Float32Array) : [];
  const group = typeof n.attrs.group === 'number' ? n.attrs.group : 1;
  return {
    name: n.name, weight: weight.name, cin, cout, kernel: n.attrs.kernel as number, pads: [...(n.attrs.pads as number[])],
    biasName, bias, positions: positionsCsr(weight.data as Float32Array, cout, cin, T * T), tile, group: group > 1 ? group : 0,
  };
}

/** W [Cout, Cin/group, T*T] (ONNX layout) -> T*T CSR matrices W_p [Cin/group, Cout] without zeros. */
export function positionsCsr(w: Float32Array, cout: number, cin: number, T2: number): CsrMessage[] {
  return Array.from({ length: T2 }, (_, p) => {
    const rowPtr = [0];
    const colIdx: number[] = [];
    const values: number[] = [];
    for (let ci = 0; ci < cin; ci++) {
      for (let co = 0; co < cout; co++) {
        const v = w[(co * cin + ci) * T2 + p]!;
        if (v !== 0) {
          colIdx.push(co);
          values.push(v);
        }
      }
      rowPtr.push(colIdx.length);
    }
    return { rows: cin, cols: cout, rowPtr, colIdx, values };
  });
}

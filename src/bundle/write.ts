import { createHash } from 'node:crypto';
import type { Graph } from '../graph/ir.js';
import { encodeFreshOnnx } from '../io/onnx/index.js';
import { VERSION } from '../version.js';
import type { CsrData, LayerData, MatrixData, TileData } from './decode.js';
import { winogradLayers } from './layers.js';
import { bundleType, type BundleMessage, type CsrMessage, type LayerMessage, type TileMessage } from './schema.js';

/**
 * Encodes a model in Winograd form (WinogradConv nodes, e.g. from `swprune winograd` or
 * toWinogradGraph) as a bundle (docs/bundle.md): the Winograd weights as per-position CSR
 * matrices without their zeros, the rest of the network as ONNX.
 */
export function encodeBundle(graph: Graph, sourceBytes: Uint8Array): Uint8Array {
  const { data } = winogradLayers(graph);
  const layers = data.layers.map(layerMessage);
  // The network keeps every node; the Winograd weights and biases live only in `layers`.
  const moved = new Set(layers.flatMap((l) => [l.weight, l.biasName].filter(Boolean)));
  const params = new Map([...graph.params].filter(([name]) => !moved.has(name)));
  const message: BundleMessage = {
    // Version 2 only when needed: readers of version 1 read every ungrouped bundle.
    formatVersion: layers.some((l) => l.group > 1) ? 2 : 1,
    producer: `swprune ${VERSION}`,
    sourceSha256: createHash('sha256').update(sourceBytes).digest(),
    tiles: data.tiles.map(tileMessage),
    layers,
    network: encodeFreshOnnx({ ...graph, params }),
  };
  const type = bundleType();
  return type.encode(type.fromObject(message)).finish();
}

const matrixMessage = (m: MatrixData) => ({ rows: m.rows, cols: m.cols, values: Array.from(m.values) });

function tileMessage(t: TileData): TileMessage {
  return { name: t.name, t: t.t, m: t.m, r: t.r, at: matrixMessage(t.at), g: matrixMessage(t.g), bt: matrixMessage(t.bt) };
}

const csrMessage = (c: CsrData): CsrMessage => ({ rows: c.rows, cols: c.cols, rowPtr: Array.from(c.rowPtr), colIdx: Array.from(c.colIdx), values: Array.from(c.values) });

function layerMessage(l: LayerData): LayerMessage {
  return {
    name: l.name, weight: l.weight, cin: l.cin, cout: l.cout, kernel: l.kernel, pads: [...l.pads],
    biasName: l.biasName, bias: Array.from(l.bias), positions: l.positions.map(csrMessage), tile: l.tile, group: l.group > 1 ? l.group : 0,
  };
}

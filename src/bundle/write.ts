import { createHash } from 'node:crypto';
import type { Graph } from '../graph/ir.js';
import { encodeFreshOnnx } from '../io/onnx/index.js';
import { concatBytes } from '../io/onnx/wire.js';
import { VERSION } from '../version.js';
import { bundleFormatVersion, type LayerData, type MatrixData, type TileData } from './decode.js';
import { winogradLayers } from './layers.js';
import { WireWriter } from './protobuf-write.js';
import { bundleType, type BundleMessage, type TileMessage } from './schema.js';

/**
 * Encodes a model in Winograd form (WinogradConv nodes, e.g. from `swprune winograd` or
 * toWinogradGraph) as a bundle (docs/bundle.md): the Winograd weights as per-position CSR
 * matrices without their zeros, the rest of the network as ONNX.
 */
export function encodeBundle(graph: Graph, sourceBytes: Uint8Array): Uint8Array {
  const data = winogradLayers(graph);
  // The network keeps every node; the Winograd weights and biases live only in the layers.
  const moved = new Set(data.layers.flatMap((l) => [l.weight, l.biasName].filter(Boolean)));
  const params = new Map([...graph.params].filter(([name]) => !moved.has(name)));
  const head: Partial<BundleMessage> = {
    formatVersion: bundleFormatVersion(data.layers),
    producer: `swprune ${VERSION}`,
    sourceSha256: createHash('sha256').update(sourceBytes).digest(),
    tiles: data.tiles.map(tileMessage),
  };
  // Fields in order, as one encoding of the whole message would have them: 1-4 and 6 through
  // protobufjs (the schema of docs/swprune-bundle.proto), the layers (5) written directly.
  const type = bundleType();
  const layers = new WireWriter();
  for (const l of data.layers) layers.message(5, (w) => writeLayer(w, l));
  return concatBytes([
    type.encode(head).finish(),
    layers.finish(),
    type.encode({ network: encodeFreshOnnx({ ...graph, params }) }).finish(),
  ]);
}

function tileMessage(t: TileData): TileMessage {
  const matrix = (m: MatrixData) => ({ rows: m.rows, cols: m.cols, values: Array.from(m.values) });
  return { name: t.name, t: t.t, m: t.m, r: t.r, at: matrix(t.at), g: matrix(t.g), bt: matrix(t.bt) };
}

/** A WinogradLayer message (docs/swprune-bundle.proto), fields in order. */
function writeLayer(w: WireWriter, l: LayerData): void {
  w.string(1, l.name)
    .string(2, l.weight)
    .uint(3, l.cin)
    .uint(4, l.cout)
    .uint(5, l.kernel)
    .uints(6, l.pads)
    .string(7, l.biasName)
    .floats(8, l.bias);
  for (const c of l.positions)
    w.message(9, (m) => m.uint(1, c.rows).uint(2, c.cols).uints(3, c.rowPtr).uints(4, c.colIdx).floats(5, c.values));
  w.uint(10, l.tile).uint(11, l.group > 1 ? l.group : 0);
}

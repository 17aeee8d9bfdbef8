import { readFileSync } from 'node:fs';
import { SwpruneError } from '../errors.js';
import type { Graph, Param } from '../graph/ir.js';
import { readOnnxBytes } from '../io/onnx/index.js';
import type { WinogradTile } from '../winograd/tiles.js';
import { BundleFormatError, decodeBundle, type LayerData, type MatrixData } from './decode.js';
import { cleanUpGraph } from '../graph/cleanup/index.js';

/** A bundle read back: its layers (sparse, as stored) and the whole model as a graph. */
export interface LoadedBundle {
  readonly path: string;
  readonly formatVersion: number;
  readonly producer: string;
  readonly sourceSha256: string;
  readonly tiles: readonly WinogradTile[];
  readonly layers: readonly LayerData[];
  /** The network with every Winograd weight and bias restored (dense W, ONNX layout). */
  readonly graph: Graph;
}

/**
 * Reads a bundle: decoded by the dependency-free decoder the runtime uses (decode.ts, checked
 * against docs/swprune-bundle.proto by the tests), the network by swprune's ONNX reader.
 */
export function readBundle(path: string): LoadedBundle {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SwpruneError('E_MODEL', `cannot read the bundle ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let message: ReturnType<typeof decodeBundle>;
  try {
    message = decodeBundle(bytes);
  } catch (e) {
    if (e instanceof BundleFormatError)
      throw new SwpruneError(
        'E_MODEL',
        `${path}: ${e.message}${e.message.includes('swprune report') ? '' : '; make one with swprune report -o <file.swb>'}`,
      );
    throw e;
  }
  const network = readOnnxBytes(message.network, `${path} (network)`).graph;
  const params = new Map(network.params);
  for (const layer of message.layers) for (const p of layerParams(layer, message.tiles[layer.tile]!.t)) params.set(p.name, p);
  return {
    path,
    formatVersion: message.formatVersion,
    producer: message.producer,
    sourceSha256: Array.from(message.sourceSha256, (b) => b.toString(16).padStart(2, '0')).join(''),
    tiles: message.tiles.map((t) => ({ name: t.name, m: t.m, r: t.r, T: t.t, points: [], AT: rows(t.at), G: rows(t.g), BT: rows(t.bt) })),
    // The network is written in its opset's forms: the executor takes the canonical one.
    layers: message.layers,
    graph: cleanUpGraph({ ...network, params }).graph,
  };
}

function rows(m: MatrixData): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.values.subarray(i * m.cols, (i + 1) * m.cols)));
}

/** The dense W [Cout, Cin/group, T, T] (zeros where the CSR has no entry) and the bias of a layer (shapes checked by decodeBundle). */
function layerParams(layer: LayerData, T: number): Param[] {
  const { cin, cout } = layer;
  const T2 = T * T;
  const data = new Float32Array(cout * cin * T2);
  layer.positions.forEach((csr, p) => {
    for (let ci = 0; ci < cin; ci++) {
      for (let k = csr.rowPtr[ci]!; k < csr.rowPtr[ci + 1]!; k++) data[(csr.colIdx[k]! * cin + ci) * T2 + p] = csr.values[k]!;
    }
  });
  const out: Param[] = [{ name: layer.weight, dims: [cout, cin, T, T], data }];
  if (layer.biasName) out.push({ name: layer.biasName, dims: [cout], data: layer.bias.slice() });
  return out;
}

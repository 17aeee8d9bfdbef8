import { readFileSync } from 'node:fs';
import { SwpruneError } from '../errors.js';
import type { Graph, Param } from '../graph/ir.js';
import { readOnnxBytes } from '../io/onnx/index.js';
import type { WinogradTile } from '../winograd/tiles.js';
import { cleanUpGraph } from '../graph/cleanup/index.js';
import { bundleType, FORMAT_VERSION, READABLE_VERSIONS, type BundleMessage, type LayerMessage, type MatrixMessage } from './schema.js';

/** A bundle read back: its layers (sparse, as stored) and the whole model as a graph. */
export interface LoadedBundle {
  readonly path: string;
  readonly formatVersion: number;
  readonly producer: string;
  readonly sourceSha256: string;
  readonly tiles: readonly WinogradTile[];
  readonly layers: readonly LayerMessage[];
  /** The network with every Winograd weight and bias restored (dense W, ONNX layout). */
  readonly graph: Graph;
}

export function readBundle(path: string): LoadedBundle {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new SwpruneError('E_MODEL', `cannot read the bundle ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let message: BundleMessage;
  try {
    const type = bundleType();
    message = type.toObject(type.decode(bytes), { defaults: true, arrays: true, bytes: Uint8Array as unknown as StringConstructor }) as BundleMessage;
  } catch (e) {
    throw new SwpruneError('E_MODEL', `${path} is not a swprune bundle (${(e as Error).message}); make one with swprune report -o <file.swb>`);
  }
  if (!READABLE_VERSIONS.includes(message.formatVersion)) {
    throw new SwpruneError('E_MODEL', `${path} has bundle format version ${message.formatVersion}; this swprune reads versions ${READABLE_VERSIONS.join(' and ')} (newest ${FORMAT_VERSION})`);
  }
  const network = readOnnxBytes(message.network, `${path} (network)`).graph;
  const params = new Map(network.params);
  for (const layer of message.layers) {
    for (const p of layerParams(layer, message.tiles[layer.tile]?.t, path)) params.set(p.name, p);
  }
  return {
    path, formatVersion: message.formatVersion, producer: message.producer,
    sourceSha256: Buffer.from(message.sourceSha256).toString('hex'),
    tiles: message.tiles.map((t) => ({ name: t.name, m: t.m, r: t.r, T: t.t, points: [], AT: rows(t.at), G: rows(t.g), BT: rows(t.bt) })),
    // The network is written in its opset's forms: the executor takes the canonical one.
    layers: message.layers, graph: cleanUpGraph({ ...network, params }).graph,
  };
}

function rows(m: MatrixMessage): number[][] {
  return Array.from({ length: m.rows }, (_, i) => m.values.slice(i * m.cols, (i + 1) * m.cols));
}

/** The dense W [Cout, Cin/group, T, T] (zeros where the CSR has no entry) and the bias of a layer. */
function layerParams(layer: LayerMessage, T: number | undefined, path: string): Param[] {
  const { cin, cout } = layer;
  if (T === undefined || layer.positions.length !== T * T) {
    throw new SwpruneError('E_MODEL', `${path}: layer ${layer.name} has ${layer.positions.length} positions but its tile needs ${T === undefined ? '?' : T * T}`);
  }
  const T2 = T * T;
  const data = new Float32Array(cout * cin * T2);
  layer.positions.forEach((csr, p) => {
    const valid = csr.rowPtr.length === cin + 1 && csr.colIdx.length === csr.values.length && csr.rowPtr[cin] === csr.values.length && csr.colIdx.every((c) => c < cout);
    if (!valid) throw new SwpruneError('E_MODEL', `${path}: layer ${layer.name}, position ${p}: the sparse matrix is inconsistent (truncated or corrupt bundle)`);
    for (let ci = 0; ci < cin; ci++) {
      for (let k = csr.rowPtr[ci]!; k < csr.rowPtr[ci + 1]!; k++) data[(csr.colIdx[k]! * cin + ci) * T2 + p] = csr.values[k]!;
    }
  });
  const out: Param[] = [{ name: layer.weight, dims: [cout, cin, T, T], data }];
  if (layer.biasName) out.push({ name: layer.biasName, dims: [cout], data: Float32Array.from(layer.bias) });
  return out;
}

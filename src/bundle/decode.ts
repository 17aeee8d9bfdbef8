/**
 * The .swb bundle decoded without protobufjs or the .proto file (docs/bundle.md; field numbers
 * of docs/swprune-bundle.proto, checked against it by test/runtime/decode.test.ts). Weights
 * stay typed arrays: this is what the runtime and swprune's reader (src/bundle/read.ts) start from.
 */
import { all, byNumber, bytesOf, doubles, fields, floats, str, uint, varints, varintsInt32, WireError } from './protobuf.js';

/**
 * The format versions this decoder reads: 1, and 2, which adds grouped Winograd layers
 * (`WinogradLayer.group`, field 11; `cin` is then the input channels per group).
 */
const BUNDLE_FORMAT_VERSIONS = [1, 2] as const;

/**
 * The version a bundle with these layers is written as: 2 only when a layer is grouped, so that
 * readers of version 1 read every ungrouped bundle.
 */
export const bundleFormatVersion = (layers: readonly { readonly group: number }[]): number => (layers.some((l) => l.group > 1) ? 2 : 1);

/** A dense matrix, row-major float64 values (exact transform entries). */
export interface MatrixData {
  readonly rows: number;
  readonly cols: number;
  readonly values: Float64Array;
}

export interface TileData {
  readonly name: string;
  readonly t: number;
  readonly m: number;
  readonly r: number;
  readonly at: MatrixData;
  readonly g: MatrixData;
  readonly bt: MatrixData;
}

/** W_p as compressed sparse rows: rows = Cin, cols = Cout. */
export interface CsrData {
  readonly rows: number;
  readonly cols: number;
  readonly rowPtr: Int32Array;
  readonly colIdx: Int32Array;
  readonly values: Float32Array;
}

export interface LayerData {
  readonly name: string;
  readonly weight: string;
  /** Input channels per group (all of them when group is 1). */
  readonly cin: number;
  readonly cout: number;
  readonly kernel: number;
  /** [top, left, bottom, right] */
  readonly pads: readonly number[];
  readonly biasName: string;
  readonly bias: Float32Array;
  readonly tile: number;
  /** W_p: cin x cout, row = input channel within the output channel's group. */
  readonly positions: readonly CsrData[];
  /** Groups as ONNX Conv's `group`: group k maps input channels [k*cin, (k+1)*cin) to output channels [k*cout/group, (k+1)*cout/group). */
  readonly group: number;
}

export interface BundleData {
  readonly formatVersion: number;
  readonly producer: string;
  readonly sourceSha256: Uint8Array;
  readonly tiles: readonly TileData[];
  readonly layers: readonly LayerData[];
  /** The serialized ONNX ModelProto of the whole network. */
  readonly network: Uint8Array;
}

/** What the runtime's planner reads of a bundle: its Winograd layers and their tiles. */
export type WinogradLayers = Pick<BundleData, 'tiles' | 'layers'>;

/** Why a bundle cannot be used, in one line (the caller adds the file name). */
export class BundleFormatError extends Error {}

function matrix(b: Uint8Array): MatrixData {
  const m = byNumber(fields(b));
  return { rows: uint(m, 1), cols: uint(m, 2), values: doubles(all(m, 3)) };
}

function tile(b: Uint8Array): TileData {
  const m = byNumber(fields(b));
  return {
    name: str(m, 1),
    t: uint(m, 2),
    m: uint(m, 3),
    r: uint(m, 4),
    at: matrix(bytesOf(m, 5)),
    g: matrix(bytesOf(m, 6)),
    bt: matrix(bytesOf(m, 7)),
  };
}

function csr(b: Uint8Array): CsrData {
  const m = byNumber(fields(b));
  return {
    rows: uint(m, 1),
    cols: uint(m, 2),
    rowPtr: varintsInt32(all(m, 3)),
    colIdx: varintsInt32(all(m, 4)),
    values: floats(all(m, 5)),
  };
}

function layer(b: Uint8Array): LayerData {
  const m = byNumber(fields(b));
  return {
    name: str(m, 1),
    weight: str(m, 2),
    cin: uint(m, 3),
    cout: uint(m, 4),
    kernel: uint(m, 5),
    pads: varints(all(m, 6)),
    biasName: str(m, 7),
    bias: floats(all(m, 8)),
    tile: uint(m, 10),
    positions: all(m, 9).map((f) => csr(f.bytes)),
    group: uint(m, 11) || 1,
  };
}

/**
 * Decodes and checks a bundle: format version, each layer's tile and positions, and every CSR
 * matrix's shape and indices, so that nothing downstream reads out of range.
 */
export function decodeBundle(bytes: Uint8Array): BundleData {
  let data: BundleData;
  try {
    const m = byNumber(fields(bytes));
    const foreign = [...m.keys()].filter((no) => no > 6);
    if (foreign.length) {
      const onnx = m.has(7) && m.has(8);
      throw new BundleFormatError(
        `not a swprune bundle (${onnx ? 'it looks like an ONNX model; swprune report makes a bundle from it' : `it has field ${foreign[0]}, which a bundle does not`})`,
      );
    }
    data = {
      formatVersion: uint(m, 1),
      producer: str(m, 2),
      sourceSha256: bytesOf(m, 3).slice(),
      tiles: all(m, 4).map((f) => tile(f.bytes)),
      layers: all(m, 5).map((f) => layer(f.bytes)),
      network: bytesOf(m, 6),
    };
  } catch (e) {
    if (e instanceof WireError || e instanceof RangeError) throw new BundleFormatError(`not a swprune bundle (${e.message})`);
    throw e;
  }
  if (!(BUNDLE_FORMAT_VERSIONS as readonly number[]).includes(data.formatVersion)) {
    throw new BundleFormatError(
      `bundle format version ${data.formatVersion}; this reader reads versions ${BUNDLE_FORMAT_VERSIONS.join(' and ')}`,
    );
  }
  if (data.network.length === 0) throw new BundleFormatError('not a swprune bundle (no network)');
  for (const l of data.layers) checkLayer(l, data.tiles[l.tile]);
  return data;
}

function checkLayer(l: LayerData, t: TileData | undefined): void {
  if (!t) throw new BundleFormatError(`layer ${l.name} refers to tile ${l.tile}, which the bundle does not have`);
  if (l.positions.length !== t.t * t.t) {
    throw new BundleFormatError(`layer ${l.name} has ${l.positions.length} positions but its tile needs ${t.t * t.t}`);
  }
  if (l.biasName && l.bias.length !== l.cout)
    throw new BundleFormatError(`layer ${l.name} has ${l.bias.length} bias values for ${l.cout} channels`);
  if (l.cout % l.group !== 0) throw new BundleFormatError(`layer ${l.name} has ${l.cout} output channels in ${l.group} groups`);
  l.positions.forEach((c, p) => {
    const ok =
      c.rowPtr.length === l.cin + 1 &&
      c.rowPtr[0] === 0 &&
      c.colIdx.length === c.values.length &&
      c.rowPtr[l.cin] === c.values.length &&
      c.rowPtr.every((v, i) => i === 0 || v >= c.rowPtr[i - 1]!) &&
      c.colIdx.every((v) => v >= 0 && v < l.cout);
    if (!ok) throw new BundleFormatError(`layer ${l.name}, position ${p}: the sparse matrix is inconsistent (truncated or corrupt bundle)`);
  });
}

import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/**
 * The bundle schema, loaded from docs/swprune-bundle.proto — the one published schema, so
 * swprune reads and writes exactly what docs/bundle.md specifies. Field names are camelCase
 * here (protobufjs' convention): format_version -> formatVersion.
 */
export const BUNDLE_PROTO_PATH = fileURLToPath(new URL('../../docs/swprune-bundle.proto', import.meta.url));

let root: protobuf.Root | undefined;

export function bundleType(): protobuf.Type {
  root ??= protobuf.loadSync(BUNDLE_PROTO_PATH);
  return root.lookupType('swprune.bundle.Bundle');
}

/** The decoded message, as plain objects (proto3 defaults filled in). */
export interface BundleMessage {
  formatVersion: number;
  producer: string;
  sourceSha256: Uint8Array;
  tiles: TileMessage[];
  layers: LayerMessage[];
  network: Uint8Array;
}

export interface MatrixMessage {
  rows: number;
  cols: number;
  values: number[];
}

export interface TileMessage {
  name: string;
  t: number;
  m: number;
  r: number;
  at: MatrixMessage;
  g: MatrixMessage;
  bt: MatrixMessage;
}

export interface CsrMessage {
  rows: number;
  cols: number;
  rowPtr: number[];
  colIdx: number[];
  values: number[];
}

export interface LayerMessage {
  name: string;
  weight: string;
  cin: number;
  cout: number;
  kernel: number;
  pads: number[];
  biasName: string;
  bias: number[];
  positions: CsrMessage[];
  tile: number;
  /** 0 (absent) or 1: one group. */
  group: number;
}

/**
 * The ONNX protobuf schema (onnx-proto: protobufjs static code, IR version 8), re-exported for
 * ESM. Everything else in src/io/onnx imports the schema from here.
 */
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type { onnx as OnnxTypes } from 'onnx-proto';

/** int64 fields decode as number or Long; Long is exact up to 2^63, number here is enough. */
export function toNumber(v: number | { toNumber(): number } | null | undefined): number {
  if (v == null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

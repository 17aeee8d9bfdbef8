import type { Param } from './ir.js';
import type { NdArray } from './ndarray.js';

/**
 * A constant tensor as plain numbers with its kind, for folding: float (float32 params) or
 * integer (int64 params, and the narrower integer/bool ones with their ONNX type).
 */
export interface Constant extends NdArray {
  readonly kind: 'float' | 'int';
  /** ONNX element type of integer data other than int64 (9 bool, 6 int32...). */
  readonly dataType?: number;
}

export const INT64 = 7;
export const FLOAT = 1;

/** A Param's values as a Constant. int64 beyond 2^53 become the nearest double (Slice ends). */
export function constantOf(p: Param): Constant {
  const kind = p.data instanceof Float32Array ? 'float' : 'int';
  const dataType = p.data instanceof Int32Array ? (p.dataType ?? 6) : undefined;
  return { kind, dims: p.dims, data: Array.from(p.data, Number), ...(dataType !== undefined ? { dataType } : {}) };
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/** A number as an int64, truncated toward zero and clamped to the int64 range. */
function toInt64(v: number): bigint {
  if (Number.isNaN(v)) return 0n;
  if (v >= 2 ** 63) return INT64_MAX;
  if (v <= -(2 ** 63)) return INT64_MIN;
  return BigInt(Math.trunc(v));
}

/** A Constant as a Param named `name`: float32, int64, or Int32Array with its ONNX type. */
export function paramOf(name: string, c: Constant): Param {
  if (c.kind === 'float') return { name, dims: [...c.dims], data: Float32Array.from(c.data) };
  if (c.dataType !== undefined && c.dataType !== INT64) {
    return { name, dims: [...c.dims], data: Int32Array.from(c.data, (v) => Math.trunc(v)), dataType: c.dataType };
  }
  return { name, dims: [...c.dims], data: BigInt64Array.from(c.data, toInt64) };
}

/** A copy of a param under another name (its own data: pruning edits params in place on copies). */
export const copyParam = (p: Param, name: string): Param => ({ ...p, name, data: p.data.slice() });

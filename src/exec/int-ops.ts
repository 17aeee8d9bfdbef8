import * as A from '../graph/ndarray.js';
import { ints, type IntValue } from './values.js';

/**
 * ONNX ops on the integer values the executor keeps in JavaScript (shapes, indices): the pure
 * n-d array ops of graph/ndarray.ts, wrapped as IntValues.
 */
const wrap = (v: A.NdArray): IntValue => ints(v.dims, v.data);

export const gather = (v: IntValue, indices: IntValue, axis: number) => wrap(A.gather(v, indices, axis));
export const unsqueeze = (v: IntValue, axes: readonly number[]) => ints(A.unsqueezeDims(v.dims, axes), v.data);
export const squeeze = (v: IntValue, axes?: readonly number[]) => ints(A.squeezeDims(v.dims, axes), v.data);
export const concat = (vs: readonly IntValue[], axis: number) => wrap(A.concat(vs, axis));
export const reshapeDims = A.reshapeDims;
export const reshape = (v: IntValue, shape: readonly number[]) => ints(A.reshapeDims(v.dims, shape), v.data);
export const transpose = (v: IntValue, perm?: readonly number[]) => wrap(A.transpose(v, perm));
export const slice = (
  v: IntValue,
  starts: readonly number[],
  ends: readonly number[],
  axes?: readonly number[],
  steps?: readonly number[],
) => wrap(A.slice(v, starts, ends, axes, steps));
export const binary = (a: IntValue, b: IntValue, f: (x: number, y: number) => number) => wrap(A.binary(a, b, f));

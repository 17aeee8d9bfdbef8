import * as tf from '@tensorflow/tfjs';
import type { Param } from '../../graph/ir.js';
import type { OpCompiler } from '../op-types.js';
import * as A from '../../graph/ndarray.js';
import * as I from '../int-ops.js';
import {
  asFloat,
  asInts,
  float,
  ints,
  logical,
  logicalShape,
  NHWC_AXIS,
  size,
  type FloatValue,
  type IntValue,
  type Value,
} from '../values.js';
import { num, nums } from '../../graph/attrs.js';
import { unsupportedAttr } from './attrs.js';

/** A constant tensor as a Value: integers stay in JS, floats become a tensor. */
export function paramValue(p: Param): Value {
  if (p.data instanceof Float32Array) return float(tf.tensor(p.data, [...p.dims]));
  return ints(p.dims, Array.from(p.data, Number));
}

/** An integer list from a constant input (canonical form) or an attribute (raw older-opset graphs). */
export function listInput(v: Value | undefined, attr: readonly number[] | undefined): readonly number[] | undefined {
  return v ? asInts(v, 'list input').data : attr;
}

export const constant: OpCompiler = (n) => {
  const value = n.attrs.value as Param | undefined;
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw unsupportedAttr(n, 'a Constant without a tensor value');
  const v = value.data instanceof Float32Array ? undefined : paramValue(value);
  // Float constants are created per call inside the caller's tidy (cheap: they are tiny).
  return () => [v ?? float(tf.tensor(value.data as Float32Array, [...value.dims]))];
};

export const shape: OpCompiler =
  (n) =>
  ([x]) => {
    const s = logicalShape(x!);
    const start = num(n, 'start', 0);
    const end = num(n, 'end', s.length);
    const out = s.slice(start < 0 ? start + s.length : start, end < 0 ? end + s.length : end);
    return [ints([out.length], out)];
  };

export const gather: OpCompiler =
  (n) =>
  ([x, idx]) => {
    const axis = num(n, 'axis', 0);
    if (x!.kind === 'int') return [I.gather(x!, asInts(idx, n.name), axis)];
    const t = logical(x! as FloatValue);
    const ind = asInts(idx, n.name);
    const a = axis < 0 ? axis + t.rank : axis;
    const g = tf.gather(
      t,
      tf.tensor(
        Int32Array.from(ind.data, (v) => (v < 0 ? v + t.shape[a]! : v)),
        [...ind.dims],
        'int32',
      ),
      a,
    );
    return [float(g)];
  };

export const unsqueeze: OpCompiler =
  (n) =>
  ([x, axesIn]) => {
    const axes = listInput(axesIn, nums(n, 'axes', []))!;
    if (x!.kind === 'int') return [I.unsqueeze(x!, axes)];
    const t = logical(x! as FloatValue);
    const dims = I.unsqueeze(ints(t.shape, []), axes).dims;
    return [float(tf.reshape(t, [...dims]))];
  };

export const squeeze: OpCompiler =
  (n) =>
  ([x, axesIn]) => {
    const axes = listInput(axesIn, n.attrs.axes as number[] | undefined);
    if (x!.kind === 'int') return [I.squeeze(x!, axes)];
    const t = logical(x! as FloatValue);
    return [float(tf.reshape(t, [...I.squeeze(ints(t.shape, []), axes).dims]))];
  };

export const concat: OpCompiler = (n) => (inputs) => {
  const axis = num(n, 'axis', 0);
  const vs = inputs.filter((v): v is Value => v !== undefined);
  if (vs.every((v) => v.kind === 'int')) return [I.concat(vs as IntValue[], axis)];
  const fs = vs.map((v) => asFloat(v, n.name));
  const rank = logicalShape(fs[0]!).length;
  const a = axis < 0 ? axis + rank : axis;
  if (rank === 4 && fs.every((f) => f.nhwc))
    return [
      float(
        tf.concat(
          fs.map((f) => f.t),
          NHWC_AXIS[a]!,
        ),
        true,
      ),
    ];
  return [float(tf.concat(fs.map(logical), a))];
};

export const reshape: OpCompiler =
  (n) =>
  ([x, shapeIn]) => {
    const target = listInput(shapeIn, n.attrs.shape as number[] | undefined);
    if (!target) throw unsupportedAttr(n, 'a Reshape without a constant shape');
    const allowzero = num(n, 'allowzero', 0) === 1;
    if (x!.kind === 'int') return [ints(I.reshapeDims(x!.dims, target, allowzero), x!.data)];
    const t = logical(x! as FloatValue);
    return [float(tf.reshape(t, I.reshapeDims(t.shape, target, allowzero)))];
  };

export const flatten: OpCompiler =
  (n) =>
  ([x]) => {
    const t = logical(asFloat(x, n.name));
    const axis = num(n, 'axis', 1);
    const a = axis < 0 ? axis + t.rank : axis;
    return [float(tf.reshape(t, [size(t.shape.slice(0, a)), size(t.shape.slice(a))]))];
  };

export const transpose: OpCompiler =
  (n) =>
  ([x]) => {
    const perm = n.attrs.perm as number[] | undefined;
    if (x!.kind === 'int') return [I.transpose(x!, perm)];
    const v = x! as FloatValue;
    // NCHW -> NHWC of an NHWC-stored tensor is free: the storage already is the result.
    if (v.t.rank === 4 && !v.nhwc && perm?.join() === '0,3,1,2') return [float(v.t, true)];
    if (v.nhwc && perm?.join() === '0,2,3,1') return [float(v.t)];
    return [float(tf.transpose(logical(v), perm))];
  };

export const cast: OpCompiler =
  () =>
  ([x]) => [x!];

/** Expand: numpy broadcasting of the input to a shape. */
export const expand: OpCompiler =
  (n) =>
  ([x, shapeIn]) => {
    const dims = asInts(shapeIn, n.name).data;
    if (x!.kind === 'int') return [ints(A.broadcastDims(x!.dims, dims), A.expand(x!, dims).data)];
    const t = logical(x! as FloatValue);
    return [float(tf.broadcastTo(t, A.broadcastDims(t.shape, dims)))];
  };

export const constantOfShape: OpCompiler =
  (n) =>
  ([shapeIn]) => {
    const dims = asInts(shapeIn, n.name).data;
    const value = n.attrs.value as Param | undefined;
    const v = value ? Number(value.data[0]) : 0;
    if (!value || !(value.data instanceof Float32Array)) return [ints(dims, new Array<number>(size(dims)).fill(v))];
    return [float(tf.fill([...dims], v))];
  };

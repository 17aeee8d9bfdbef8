import { num } from '../attrs.js';
import type { Constant } from '../constant.js';
import { INT64 } from '../constant.js';
import type { GraphNode } from '../ir.js';
import * as A from '../ndarray.js';

/**
 * How each foldable op computes on constants (plain numbers, float results rounded to float32
 * when stored). A node is folded when its op is here and every input it has is a constant;
 * an entry returning undefined leaves the node alone (an attribute combination not handled).
 */
type Fold = (inputs: readonly (Constant | undefined)[], n: GraphNode) => Constant[] | undefined;

const list = (c: Constant | undefined) => c?.data;

const like = (c: Constant, v: A.NdArray): Constant => ({ ...c, dims: v.dims, data: v.data });
const intOf = (v: A.NdArray): Constant => ({ kind: 'int', dims: v.dims, data: v.data });

/** Numpy-style element-wise op; integer results of Div truncate toward zero (as ONNX runtimes do). */
function elementwise(f: (...x: number[]) => number, boolOut = false): Fold {
  return (ins) => {
    const xs = ins as Constant[];
    if (xs.some((x) => x === undefined)) return undefined;
    const out = A.elementwise(xs, f);
    if (boolOut) return [{ kind: 'int', dataType: 9, dims: out.dims, data: out.data.map((v) => (v ? 1 : 0)) }];
    const kind = xs.some((x) => x.kind === 'float') ? 'float' : 'int';
    const data = kind === 'int' ? out.data.map(Math.trunc) : out.data;
    return [{ ...xs[0]!, kind, dims: out.dims, data }];
  };
}

/** ONNX Cast `to` -> kind and integer type. */
function cast(c: Constant, to: number): Constant {
  if (to === 1 || to === 10 || to === 11 || to === 16) return { kind: 'float', dims: c.dims, data: c.data };
  if (to === 9) return { kind: 'int', dataType: 9, dims: c.dims, data: c.data.map((v) => (v ? 1 : 0)) };
  const data = c.data.map(Math.trunc);
  return to === INT64 ? { kind: 'int', dims: c.dims, data } : { kind: 'int', dataType: to, dims: c.dims, data };
}

export const FOLD_OPS: Readonly<Record<string, Fold>> = {
  Identity: ([x]) => [x!],
  Shape: ([x], n) => {
    const r = x!.dims.length;
    const start = A.normAxis(num(n, 'start', 0), r);
    const end = Math.min(A.normAxis(num(n, 'end', r), r), r);
    const d = x!.dims.slice(start, end);
    return [intOf(A.nd([d.length], d))];
  },
  Size: ([x]) => [intOf(A.nd([], [A.size(x!.dims)]))],
  Gather: ([x, i], n) => [like(x!, A.gather(x!, i!, num(n, 'axis', 0)))],
  Unsqueeze: ([x, axes]) => (axes ? [like(x!, A.nd(A.unsqueezeDims(x!.dims, axes.data), x!.data))] : undefined),
  Squeeze: ([x, axes]) => [like(x!, A.nd(A.squeezeDims(x!.dims, list(axes)), x!.data))],
  Concat: (ins, n) => {
    const xs = ins.filter((x): x is Constant => x !== undefined && A.size(x.dims) > 0);
    if (xs.length === 0) return [{ ...(ins[0] as Constant) }];
    return [like(xs[0]!, A.concat(xs, num(n, 'axis', 0)))];
  },
  Reshape: ([x, s], n) => (s ? [like(x!, A.nd(A.reshapeDims(x!.dims, s.data, num(n, 'allowzero', 0) === 1), x!.data))] : undefined),
  Flatten: ([x], n) => {
    const a = A.normAxis(num(n, 'axis', 1), x!.dims.length);
    return [like(x!, A.nd([A.size(x!.dims.slice(0, a)), A.size(x!.dims.slice(a))], x!.data))];
  },
  Transpose: ([x], n) => [like(x!, A.transpose(x!, n.attrs.perm as number[] | undefined))],
  Slice: ([x, s, e, ax, st]) => (s && e ? [like(x!, A.slice(x!, s.data, e.data, list(ax), list(st)))] : undefined),
  Cast: ([x], n) => [cast(x!, num(n, 'to', 1))],
  ConstantOfShape: ([s], n) => {
    const v = n.attrs.value as { data: ArrayLike<number | bigint>; dataType?: number } | undefined;
    const value = v ? Number(v.data[0]) : 0;
    const kind = v && v.data instanceof Float32Array ? 'float' : v ? 'int' : 'float';
    const dataType = v?.data instanceof Int32Array ? (v.dataType ?? 6) : undefined;
    return [{ kind, dims: s!.data, data: new Array<number>(A.size(s!.data)).fill(value), ...(dataType !== undefined ? { dataType } : {}) }];
  },
  Expand: ([x, s]) => [like(x!, A.expand(x!, s!.data))],
  Range: ([a, b, d]) => [like(a!, A.range(a!.data[0]!, b!.data[0]!, d!.data[0]!))],
  Add: elementwise((x, y) => x + y),
  Sub: elementwise((x, y) => x - y),
  Mul: elementwise((x, y) => x * y),
  Div: elementwise((x, y) => x / y),
  Neg: elementwise((x) => -x),
  Sqrt: elementwise(Math.sqrt),
  Floor: elementwise(Math.floor),
  Ceil: elementwise(Math.ceil),
  Min: elementwise(Math.min),
  Max: elementwise(Math.max),
  Equal: elementwise((x, y) => Number(x === y), true),
  Less: elementwise((x, y) => Number(x < y), true),
  Greater: elementwise((x, y) => Number(x > y), true),
  Not: elementwise((x) => Number(!x), true),
  Where: ([c, x, y]) => {
    const out = A.elementwise([c!, x!, y!], (k, a, b) => (k ? a : b));
    return [like(x!, out)];
  },
};

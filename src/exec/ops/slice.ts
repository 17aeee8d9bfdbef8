import * as tf from '@tensorflow/tfjs';
import { sliceRanges } from '../../graph/ndarray.js';
import type { OpCompiler } from '../op-types.js';
import * as I from '../int-ops.js';
import { asInts, float, logicalShape, NHWC_AXIS, type FloatValue, type Value } from '../values.js';
import { num } from '../../graph/attrs.js';
import { unsupportedAttr } from './attrs.js';
import { listInput } from './shape.js';

/** Storage axis of logical axis `a` of a value. */
const storageAxis = (v: FloatValue, a: number) => (v.nhwc ? NHWC_AXIS[a]! : a);

/**
 * Slice with steps, negative indices and clamping (ONNX), on the value's storage (an NHWC
 * 4-D activation stays NHWC): one tf.slice for the unit-step part, a gather per axis with
 * another step (gather has a gradient on every backend; tfjs's strided slice has none).
 */
export const slice: OpCompiler =
  (n) =>
  ([x, s, e, ax, st]) => {
    const starts = listInput(s, n.attrs.starts as number[] | undefined)!;
    const ends = listInput(e, n.attrs.ends as number[] | undefined)!;
    const axes = listInput(ax, n.attrs.axes as number[] | undefined);
    const steps = st ? asInts(st, n.name).data : undefined;
    if (x!.kind === 'int') return [I.slice(x!, starts, ends, axes, steps)];
    const v = x! as FloatValue;
    const ranges = sliceRanges(logicalShape(v), starts, ends, axes, steps);
    const rank = ranges.length;
    const begin = new Array<number>(rank).fill(0);
    const size = [...v.t.shape];
    const strided: { axis: number; start: number; step: number; count: number }[] = [];
    ranges.forEach((r, a) => {
      const sa = storageAxis(v, a);
      if (r.step === 1 || r.count <= 1) {
        begin[sa] = r.start;
        size[sa] = r.count;
      } else strided.push({ axis: sa, ...r });
    });
    let t = begin.every((b, i) => b === 0 && size[i] === v.t.shape[i]) ? v.t : tf.slice(v.t, begin, size);
    for (const g of strided) {
      const index = Int32Array.from({ length: g.count }, (_, i) => g.start + i * g.step);
      t = tf.gather(t, tf.tensor1d(index, 'int32'), g.axis);
    }
    return [float(t, v.nhwc)];
  };

/**
 * Split along `axis` into the sizes of the `split` input (canonical form) or attribute, or
 * equal parts (one per output, or `num_outputs`, the last one smaller when it does not divide).
 */
export const split: OpCompiler =
  (n) =>
  ([x, splitIn]) => {
    const axis = num(n, 'axis', 0);
    const outputs = n.outputs.length;
    const dims = logicalShape(x!);
    const a = axis < 0 ? axis + dims.length : axis;
    const d = dims[a]!;
    let sizes = listInput(splitIn, n.attrs.split as number[] | undefined);
    if (!sizes || sizes.length === 0) {
      const parts = num(n, 'num_outputs', outputs);
      const each = Math.ceil(d / parts);
      sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(each, d - i * each)));
    }
    if (x!.kind === 'int') {
      let start = 0;
      return sizes.map((k) => {
        const part = I.slice(x!, [start], [start + k], [a]);
        start += k;
        return part;
      });
    }
    const v = x! as FloatValue;
    return tf.split(v.t, [...sizes], storageAxis(v, a)).map((t) => float(t, v.nhwc));
  };

/** Tile with constant repeats. */
export const tile: OpCompiler =
  (n) =>
  ([x, repeatsIn]) => {
    const reps = asInts(repeatsIn, n.name).data;
    const v = x as Value;
    if (v.kind === 'int') throw unsupportedAttr(n, 'a Tile of integer values');
    const r = v.nhwc ? [reps[0]!, reps[2]!, reps[3]!, reps[1]!] : [...reps];
    return [float(tf.tile(v.t, r), v.nhwc)];
  };

import * as tf from '@tensorflow/tfjs';
import type { OpCompiler } from '../op-types.js';
import { asFloat, asInts, float, logicalShape, type Value } from '../values.js';
import { num, nums, str } from '../../graph/attrs.js';
import { unsupportedAttr } from './attrs.js';

/**
 * Reflect / edge padding of one axis by concatenation of slices (reversed for reflect): its
 * gradient sums every copy back onto its source (tfjs's MirrorPad gradient drops the copies).
 */
function padAxis(t: tf.Tensor, axis: number, before: number, after: number, mode: 'reflect' | 'edge'): tf.Tensor {
  if (before === 0 && after === 0) return t;
  const d = t.shape[axis]!;
  const take = (start: number, count: number) => {
    const begin = t.shape.map(() => 0);
    const size = [...t.shape];
    begin[axis] = start;
    size[axis] = count;
    return tf.slice(t, begin, size);
  };
  const parts: tf.Tensor[] = [];
  if (before > 0) parts.push(mode === 'reflect' ? tf.reverse(take(1, before), axis) : tf.concat(new Array(before).fill(take(0, 1)), axis));
  parts.push(t);
  if (after > 0)
    parts.push(mode === 'reflect' ? tf.reverse(take(d - 1 - after, after), axis) : tf.concat(new Array(after).fill(take(d - 1, 1)), axis));
  return tf.concat(parts, axis);
}

/**
 * Pad: constant (value input or attribute), reflect or edge; pads as input (canonical) or
 * attribute, optionally for the axes of the `axes` input (opset 18). Negative pads crop.
 */
export const pad: OpCompiler =
  (n) =>
  ([x, padsIn, valueIn, axesIn]) => {
    const pads = padsIn ? asInts(padsIn, n.name).data : nums(n, 'pads', []);
    const mode = str(n, 'mode', 'constant');
    const value = valueIn ? (valueIn.kind === 'int' ? valueIn.data[0]! : (valueIn.t.dataSync()[0] as number)) : num(n, 'value', 0);
    const v = asFloat(x, n.name);
    const rank = logicalShape(v).length;
    const axes = axesIn
      ? asInts(axesIn as Value, n.name).data.map((a) => (a < 0 ? a + rank : a))
      : Array.from({ length: rank }, (_, i) => i);
    const logicalPairs = Array.from({ length: rank }, () => [0, 0] as [number, number]);
    axes.forEach((a, i) => {
      logicalPairs[a] = [pads[i]!, pads[i + axes.length]!];
    });
    // Pairs in storage order.
    const pairs = v.nhwc ? [0, 2, 3, 1].map((a) => logicalPairs[a]!) : logicalPairs;
    let t = v.t;
    if (pairs.some(([a, b]) => a < 0 || b < 0)) {
      const begin = pairs.map(([a]) => Math.max(0, -a));
      const size = t.shape.map((d, i) => d - begin[i]! - Math.max(0, -pairs[i]![1]));
      t = tf.slice(t, begin, size);
    }
    const grow = pairs.map(([a, b]) => [Math.max(0, a), Math.max(0, b)] as [number, number]);
    if (mode === 'constant') t = grow.some(([a, b]) => a || b) ? tf.pad(t, grow, value) : t;
    else if (mode === 'reflect' || mode === 'edge')
      grow.forEach(([a, b], axis) => {
        t = padAxis(t, axis, a, b, mode);
      });
    else throw unsupportedAttr(n, `Pad mode "${mode}"`);
    return [float(t, v.nhwc)];
  };

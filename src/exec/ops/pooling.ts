import * as tf from '@tensorflow/tfjs';
import type { GraphNode } from '../../graph/ir.js';
import type { OpCompiler } from '../op-types.js';
import { asFloat, float, toNhwc } from '../values.js';
import { num, nums } from '../../graph/attrs.js';
import { unsupportedAttr } from './attrs.js';
import { spatialPadding, type Explicit } from './conv.js';
import { windowOutSize } from '../../graph/window.js';

interface Geometry {
  /** The node's own padding (explicit or auto_pad). */
  readonly pads: Explicit;
  /** Extra padding at the end that ceil_mode's last window reaches into. */
  readonly extra: readonly [number, number];
}

function geometry(
  n: GraphNode,
  h: number,
  w: number,
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
  ceil: boolean,
): Geometry {
  const pads = spatialPadding(n, h, w, kernel, strides, dilations);
  const extra = [h, w].map((size, i) => {
    const [b, e] = pads[i + 1]!;
    const out = windowOutSize(size, b, e, kernel[i]!, strides[i]!, dilations[i]!, ceil);
    return Math.max(0, (out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - (size + b + e));
  }) as [number, number];
  return { pads, extra };
}

const withExtra = (g: Geometry): Explicit => [
  [0, 0],
  [g.pads[1][0], g.pads[1][1] + g.extra[0]],
  [g.pads[2][0], g.pads[2][1] + g.extra[1]],
  [0, 0],
];
const hasPadding = (p: Explicit) => p.some(([a, b]) => a > 0 || b > 0);

/**
 * MaxPool / AveragePool (2-D, NHWC storage) with pads, auto_pad, ceil_mode, dilations (max)
 * and count_include_pad (average). Padded positions never win a max; an average divides by
 * the window's cells inside the input (count_include_pad=0) or inside input and the node's
 * pads (count_include_pad=1), never by cells of ceil_mode's extra padding.
 */
function pool(kind: 'max' | 'avg'): OpCompiler {
  return (n) => {
    const kernel = nums(n, 'kernel_shape', []) as [number, number];
    if (kernel.length !== 2) throw unsupportedAttr(n, `a ${kernel.length}-D pooling`);
    const strides = nums(n, 'strides', [1, 1]) as [number, number];
    const dilations = nums(n, 'dilations', [1, 1]) as [number, number];
    if (kind === 'avg' && dilations.some((d) => d !== 1)) throw unsupportedAttr(n, 'dilated average pooling');
    if (num(n, 'storage_order', 0) !== 0) throw unsupportedAttr(n, 'storage_order=1');
    const ceil = num(n, 'ceil_mode', 0) === 1;
    const includePad = num(n, 'count_include_pad', 0) === 1;
    const dilated = dilations.some((d) => d !== 1);
    return ([x]) => {
      const xv = toNhwc(asFloat(x, n.name));
      const g = geometry(n, xv.shape[1], xv.shape[2], kernel, strides, dilations, ceil);
      const all = withExtra(g);
      if (kind === 'max') {
        const xp = hasPadding(all) ? tf.pad(xv, all, -3.4e38) : xv;
        const y = dilated ? tf.pool(xp, kernel, 'max', 'valid', dilations, strides) : tf.maxPool(xp, kernel, strides, 'valid');
        return [float(y, true)];
      }
      if (!hasPadding(all)) return [float(tf.avgPool(xv, kernel, strides, 'valid'), true)];
      const sum = tf.avgPool(tf.pad(xv, all), kernel, strides, 'valid');
      if (includePad && g.extra.every((e) => e === 0)) return [float(sum, true)];
      // The divisor: the window's share of counted cells (a constant map, no gradient needed).
      const counted = includePad
        ? tf.ones([1, xv.shape[1] + g.pads[1][0] + g.pads[1][1], xv.shape[2] + g.pads[2][0] + g.pads[2][1], 1])
        : tf.ones([1, xv.shape[1], xv.shape[2], 1]);
      const around: Explicit = includePad
        ? [
            [0, 0],
            [0, g.extra[0]],
            [0, g.extra[1]],
            [0, 0],
          ]
        : all;
      const frac = tf.avgPool(tf.pad(counted, around) as tf.Tensor4D, kernel, strides, 'valid');
      return [float(tf.div(sum, frac), true)];
    };
  };
}

export const maxPool = pool('max');
export const averagePool = pool('avg');

export const globalAveragePool: OpCompiler =
  (n) =>
  ([x]) => [float(tf.mean(toNhwc(asFloat(x, n.name)), [1, 2], true), true)];
export const globalMaxPool: OpCompiler =
  (n) =>
  ([x]) => [float(tf.max(toNhwc(asFloat(x, n.name)), [1, 2], true), true)];

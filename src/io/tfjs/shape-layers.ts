import type { LayerMapper } from './layer-types.js';
import { fromKerasOrder, pair, toKerasOrder, unsupported } from './layer-types.js';

const int64 = (values: readonly number[]) => BigInt64Array.from(values.map((v) => BigInt(v)));

/** Keras flattens H, W, C in that order: the value in Keras order, then Flatten. */
const flatten: LayerMapper = (_layer, b) => {
  if (b.ranks[0] === 2) return { output: b.inputs[0]!, rank: 2 };
  const k = toKerasOrder(b, b.inputs[0]!, b.ranks[0]!, 'nhwc');
  return { output: b.node('Flatten', [k], { axis: 1 }), rank: 2 };
};

/** Reshape to [batch, ...target_shape] in Keras order (0 keeps the batch dimension). */
const reshape: LayerMapper = (layer, b) => {
  const target = (layer.config.target_shape ?? layer.config.targetShape) as (number | null)[] | undefined;
  if (!Array.isArray(target)) return unsupported(layer, 'a Reshape without target_shape');
  const rank = target.length + 1;
  const k = toKerasOrder(b, b.inputs[0]!, b.ranks[0]!, 'nhwc');
  const shape = b.constant('shape', [rank], int64([0, ...target.map((d) => d ?? -1)]));
  const y = b.node('Reshape', [k, shape], {}, rank === 4 ? 'reshape' : undefined);
  return { output: fromKerasOrder(b, y, rank), rank };
};

/**
 * Permute `dims` (1-based axes after the batch, in Keras order). For a 4-D value that is one
 * Transpose of the IR value: Keras order, permute, back to IR order, composed.
 */
const permute: LayerMapper = (layer, b) => {
  const dims = layer.config.dims as number[] | undefined;
  const rank = b.ranks[0]!;
  if (!Array.isArray(dims) || dims.length !== rank - 1) return unsupported(layer, `Permute dims ${JSON.stringify(dims)}`);
  const keras = [0, ...dims];
  const toKeras = rank === 4 ? [0, 2, 3, 1] : keras.map((_, i) => i);
  const toIr = rank === 4 ? [0, 3, 1, 2] : keras.map((_, i) => i);
  const perm = toIr.map((k) => toKeras[keras[k]!]!);
  return { output: b.node('Transpose', [b.inputs[0]!], { perm }), rank };
};

/** Cropping2D [[top, bottom], [left, right]] (or one int, or [h, w]): a Slice of H and W. */
const cropping2d: LayerMapper = (layer, b) => {
  const c = layer.config.cropping;
  const [[t, bo], [l, r]] =
    Array.isArray(c) && Array.isArray(c[0])
      ? (c as [[number, number], [number, number]])
      : (() => {
          const [h, w] = pair(c, 0);
          return [
            [h, h],
            [w, w],
          ] as [[number, number], [number, number]];
        })();
  const big = 2 ** 31 - 1;
  const starts = b.constant('starts', [2], int64([t, l]));
  const ends = b.constant('ends', [2], int64([bo ? -bo : big, r ? -r : big]));
  const axes = b.constant('axes', [2], int64([2, 3]));
  return { output: b.node('Slice', [b.inputs[0]!, starts, ends, axes]), rank: 4 };
};

const zeroPadding2d: LayerMapper = (layer, b) => {
  const p = layer.config.padding;
  const [[t, bo], [l, r]] =
    Array.isArray(p) && Array.isArray(p[0])
      ? (p as [[number, number], [number, number]])
      : (() => {
          const [h, w] = pair(p, 1);
          return [
            [h, h],
            [w, w],
          ] as [[number, number], [number, number]];
        })();
  const pads = b.constant('pads', [8], int64([0, 0, t, l, 0, 0, bo, r]));
  return { output: b.node('Pad', [b.inputs[0]!, pads], { mode: 'constant' }), rank: 4 };
};

/** Keras layers that move data: Flatten, Reshape, Permute, Cropping2D, ZeroPadding2D. */
export const SHAPE_LAYERS: Readonly<Record<string, LayerMapper>> = {
  Flatten: flatten,
  Reshape: reshape,
  Permute: permute,
  Cropping2D: cropping2d,
  ZeroPadding2D: zeroPadding2d,
};

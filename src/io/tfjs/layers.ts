import { SwpruneError } from '../../errors.js';
import type { AttrValue, GraphNode, Param } from '../../graph/ir.js';
import { depthwiseFromOnnx, depthwiseToOnnx, hwioToOihw, oihwToHwio } from './layout.js';

/**
 * Keras layers -> IR nodes (ONNX vocabulary, logically NCHW). One entry per layer class: the
 * table is the list of what swprune reads from TensorFlow.js models.
 */
export interface KerasLayer {
  readonly class_name: string;
  readonly config: Record<string, unknown> & { name: string };
}

/** A weight of the manifest and how it maps to an IR param. */
export interface WeightBinding {
  readonly param: string;
  readonly toOnnx: (w: Float32Array) => Float32Array;
  readonly fromOnnx: (w: Float32Array) => Float32Array;
  readonly onnxDims: readonly number[];
}

export interface LayerBuilder {
  /** Value names of the layer's inputs (logical NCHW / 2-D). */
  readonly inputs: readonly string[];
  readonly ranks: readonly number[];
  /** The layer's weights from the manifest, by short name (kernel, bias, gamma...). */
  weight(short: string): { name: string; dims: readonly number[]; data: Float32Array } | undefined;
  bind(short: string, binding: Omit<WeightBinding, 'param'>): string;
  constant(suffix: string, dims: readonly number[], data: Float32Array | BigInt64Array): string;
  node(op: string, inputs: readonly string[], attrs?: Record<string, AttrValue>, suffix?: string): string;
}

/** Output value name and its rank. */
export type LayerMapper = (layer: KerasLayer, b: LayerBuilder) => { output: string; rank: number };

const identity = { toOnnx: (w: Float32Array) => w, fromOnnx: (w: Float32Array) => w };

const pair = (v: unknown, dflt: number): [number, number] =>
  Array.isArray(v) ? [v[0] as number, v[1] as number] : typeof v === 'number' ? [v, v] : [dflt, dflt];

function unsupported(layer: KerasLayer, what: string): never {
  throw new SwpruneError('E_UNSUPPORTED_OP', `layer "${layer.config.name}" (${layer.class_name}) uses ${what}, which swprune does not support; export the model to ONNX or change the layer`);
}

/** Keras `activation` config -> nodes after the layer. */
function activation(layer: KerasLayer, b: LayerBuilder, x: string, name: unknown, rank: number): string {
  switch (name ?? 'linear') {
    case 'linear':
      return x;
    case 'relu':
      return b.node('Relu', [x], {}, 'relu');
    case 'sigmoid':
      return b.node('Sigmoid', [x], {}, 'sigmoid');
    case 'tanh':
      return b.node('Tanh', [x], {}, 'tanh');
    case 'relu6':
      return b.node('Clip', [x, b.constant('clip_min', [], Float32Array.of(0)), b.constant('clip_max', [], Float32Array.of(6))], {}, 'relu6');
    case 'softmax':
      return b.node('Softmax', [x], { axis: rank === 4 ? 1 : -1 }, 'softmax');
    default:
      return unsupported(layer, `activation "${String(name)}"`);
  }
}

/** Keras 'same'/'valid' for a stride-1 odd kernel -> explicit symmetric pads; else auto_pad. */
function convPadding(padding: unknown, kernel: readonly number[], strides: readonly number[]): Record<string, AttrValue> {
  if (padding === 'valid') return { pads: [0, 0, 0, 0] };
  if (strides.every((s) => s === 1) && kernel.every((k) => k % 2 === 1)) {
    const [ph, pw] = kernel.map((k) => (k - 1) / 2);
    return { pads: [ph!, pw!, ph!, pw!] };
  }
  return { auto_pad: 'SAME_UPPER' };
}

const conv2d: LayerMapper = (layer, b) => {
  const c = layer.config;
  if ((c.data_format ?? 'channels_last') !== 'channels_last') unsupported(layer, 'data_format channels_first');
  const k = b.weight('kernel') ?? unsupported(layer, 'a missing kernel');
  const [kh, kw, ci, co] = k.dims as [number, number, number, number];
  const kernel = b.bind('kernel', { toOnnx: (w) => hwioToOihw(w, k.dims), fromOnnx: (w) => oihwToHwio(w, k.dims), onnxDims: [co, ci, kh, kw] });
  const strides = pair(c.strides, 1);
  const inputs = [b.inputs[0]!, kernel];
  if (c.use_bias !== false && b.weight('bias')) inputs.push(b.bind('bias', { ...identity, onnxDims: [co] }));
  const y = b.node('Conv', inputs, { kernel_shape: [kh, kw], strides, dilations: pair(c.dilation_rate, 1), group: 1, ...convPadding(c.padding, [kh, kw], strides) });
  return { output: activation(layer, b, y, c.activation, 4), rank: 4 };
};

const depthwiseConv2d: LayerMapper = (layer, b) => {
  const c = layer.config;
  const k = b.weight('depthwise_kernel') ?? unsupported(layer, 'a missing depthwise kernel');
  const [kh, kw, ch, m] = k.dims as [number, number, number, number];
  const kernel = b.bind('depthwise_kernel', { toOnnx: (w) => depthwiseToOnnx(w, k.dims), fromOnnx: (w) => depthwiseFromOnnx(w, k.dims), onnxDims: [ch * m, 1, kh, kw] });
  const strides = pair(c.strides, 1);
  const inputs = [b.inputs[0]!, kernel];
  if (c.use_bias !== false && b.weight('bias')) inputs.push(b.bind('bias', { ...identity, onnxDims: [ch * m] }));
  const y = b.node('Conv', inputs, { kernel_shape: [kh, kw], strides, dilations: pair(c.dilation_rate, 1), group: ch, ...convPadding(c.padding, [kh, kw], strides) });
  return { output: activation(layer, b, y, c.activation, 4), rank: 4 };
};

const dense: LayerMapper = (layer, b) => {
  if (b.ranks[0] !== 2) unsupported(layer, 'a Dense layer on a non-flat input');
  const k = b.weight('kernel') ?? unsupported(layer, 'a missing kernel');
  const inputs = [b.inputs[0]!, b.bind('kernel', { ...identity, onnxDims: k.dims })];
  if (layer.config.use_bias !== false && b.weight('bias')) inputs.push(b.bind('bias', { ...identity, onnxDims: [k.dims[1]!] }));
  const y = b.node('Gemm', inputs, { alpha: 1, beta: 1, transB: 0 });
  return { output: activation(layer, b, y, layer.config.activation, 2), rank: 2 };
};

const batchNormalization: LayerMapper = (layer, b) => {
  const c = layer.config;
  const axis = (c.axis as number | number[] | undefined) ?? -1;
  const rank = b.ranks[0]!;
  const ax = Array.isArray(axis) ? axis[0]! : axis;
  if (ax !== -1 && ax !== rank - 1) unsupported(layer, `batch normalisation over axis ${String(axis)}`);
  const mean = b.weight('moving_mean') ?? unsupported(layer, 'missing moving statistics');
  const C = mean.dims[0]!;
  const param = (short: string, fill: number) =>
    b.weight(short) ? b.bind(short, { ...identity, onnxDims: [C] }) : b.constant(short, [C], new Float32Array(C).fill(fill));
  const y = b.node(
    'BatchNormalization',
    [b.inputs[0]!, param('gamma', 1), param('beta', 0), param('moving_mean', 0), param('moving_variance', 1)],
    { epsilon: (c.epsilon as number) ?? 1e-3, momentum: (c.momentum as number) ?? 0.99 },
  );
  return { output: y, rank };
};

function pooling(op: 'MaxPool' | 'AveragePool'): LayerMapper {
  return (layer, b) => {
    const c = layer.config;
    const size = pair(c.pool_size, 2);
    const strides = c.strides == null ? size : pair(c.strides, 1);
    const pad: Record<string, AttrValue> = c.padding === 'same' ? { auto_pad: 'SAME_UPPER' } : { pads: [0, 0, 0, 0] };
    return { output: b.node(op, [b.inputs[0]!], { kernel_shape: size, strides, ...pad }), rank: 4 };
  };
}

const globalAveragePooling2d: LayerMapper = (_layer, b) => {
  const g = b.node('GlobalAveragePool', [b.inputs[0]!], {}, 'gap');
  return { output: b.node('Flatten', [g], { axis: 1 }), rank: 2 };
};

/** Keras flattens H, W, C in that order: transpose the logical NCHW value back first. */
const flatten: LayerMapper = (_layer, b) => {
  if (b.ranks[0] !== 4) return { output: b.inputs[0]!, rank: 2 };
  const t = b.node('Transpose', [b.inputs[0]!], { perm: [0, 2, 3, 1] }, 'nhwc');
  return { output: b.node('Flatten', [t], { axis: 1 }), rank: 2 };
};

const dropout: LayerMapper = (layer, b) => ({
  output: b.node('Dropout', [b.inputs[0]!, b.constant('ratio', [], Float32Array.of((layer.config.rate as number) ?? 0))]),
  rank: b.ranks[0]!,
});

const activationLayer: LayerMapper = (layer, b) => ({ output: activation(layer, b, b.inputs[0]!, layer.config.activation, b.ranks[0]!), rank: b.ranks[0]! });

const reluLayer: LayerMapper = (layer, b) => {
  const c = layer.config;
  if (c.max_value == null && !c.negative_slope && !c.threshold) return { output: b.node('Relu', [b.inputs[0]!]), rank: b.ranks[0]! };
  if (c.max_value === 6 && !c.negative_slope && !c.threshold) return { output: activation(layer, b, b.inputs[0]!, 'relu6', b.ranks[0]!), rank: b.ranks[0]! };
  return unsupported(layer, 'ReLU with negative_slope/threshold/max_value other than 6');
};

const leakyRelu: LayerMapper = (layer, b) => ({ output: b.node('LeakyRelu', [b.inputs[0]!], { alpha: (layer.config.alpha as number) ?? 0.3 }), rank: b.ranks[0]! });

const softmaxLayer: LayerMapper = (layer, b) => ({ output: activation(layer, b, b.inputs[0]!, 'softmax', b.ranks[0]!), rank: b.ranks[0]! });

const add: LayerMapper = (_layer, b) => {
  let acc = b.inputs[0]!;
  b.inputs.slice(1).forEach((x, i) => (acc = b.node('Add', [acc, x], {}, i === b.inputs.length - 2 ? undefined : `add${i}`)));
  return { output: acc, rank: b.ranks[0]! };
};

const concatenate: LayerMapper = (layer, b) => {
  const rank = b.ranks[0]!;
  const axis = (layer.config.axis as number | undefined) ?? -1;
  const a = axis < 0 ? axis + rank : axis;
  // Keras axes are NHWC for 4-D values; the IR is NCHW.
  const onnxAxis = rank === 4 ? [0, 2, 3, 1][a]! : a;
  return { output: b.node('Concat', [...b.inputs], { axis: onnxAxis }), rank };
};

const zeroPadding2d: LayerMapper = (layer, b) => {
  const p = layer.config.padding;
  const [[t, bo], [l, r]] = Array.isArray(p) && Array.isArray(p[0])
    ? (p as [[number, number], [number, number]])
    : (() => {
        const [h, w] = pair(p, 1);
        return [[h, h], [w, w]] as [[number, number], [number, number]];
      })();
  const pads = b.constant('pads', [8], BigInt64Array.from([0, 0, t, l, 0, 0, bo, r].map(BigInt)));
  return { output: b.node('Pad', [b.inputs[0]!, pads], { mode: 'constant' }), rank: 4 };
};

export const LAYER_TABLE: Readonly<Record<string, LayerMapper>> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  Dense: dense,
  BatchNormalization: batchNormalization,
  MaxPooling2D: pooling('MaxPool'),
  AveragePooling2D: pooling('AveragePool'),
  GlobalAveragePooling2D: globalAveragePooling2d,
  Flatten: flatten,
  Dropout: dropout,
  Activation: activationLayer,
  ReLU: reluLayer,
  LeakyReLU: leakyRelu,
  Softmax: softmaxLayer,
  Add: add,
  Concatenate: concatenate,
  ZeroPadding2D: zeroPadding2d,
};

export type { GraphNode, Param };

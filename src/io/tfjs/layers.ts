import type { AttrValue } from '../../graph/ir.js';
import { activation } from './activations.js';
import { identityBinding, pair, unsupported, type KerasLayer, type LayerBuilder, type LayerMapper } from './layer-types.js';
import { depthwiseFromOnnx, depthwiseToOnnx, hwcToChw, chwToHwc, hwioToOihw, oihwToHwio } from './layout.js';
import { MERGE_LAYERS } from './merge-layers.js';
import { SHAPE_LAYERS } from './shape-layers.js';

/**
 * Keras layers -> IR nodes (ONNX vocabulary, logically NCHW). One entry per layer class: the
 * table is the list of what swprune reads from TensorFlow.js layers models.
 */

/** Keras 'same'/'valid' for a stride-1 odd kernel -> explicit symmetric pads; else auto_pad. */
function convPadding(
  padding: unknown,
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[] = [1, 1],
): Record<string, AttrValue> {
  if (padding === 'valid') return { pads: [0, 0, 0, 0] };
  if (strides.every((s) => s === 1) && kernel.every((k) => k % 2 === 1)) {
    const [ph, pw] = kernel.map((k, i) => ((k - 1) * dilations[i]!) / 2);
    return { pads: [ph!, pw!, ph!, pw!] };
  }
  return { auto_pad: 'SAME_UPPER' };
}

function channelsLast(layer: KerasLayer): void {
  if ((layer.config.data_format ?? 'channels_last') !== 'channels_last') unsupported(layer, 'data_format channels_first');
}

/** A bias weight, when the layer uses one. */
function bias(layer: KerasLayer, b: LayerBuilder, channels: number): string[] {
  return layer.config.use_bias !== false && b.weight('bias') ? [b.bind('bias', { ...identityBinding, onnxDims: [channels] })] : [];
}

const conv2d: LayerMapper = (layer, b) => {
  channelsLast(layer);
  const c = layer.config;
  const k = b.weight('kernel') ?? unsupported(layer, 'a missing kernel');
  const [kh, kw, ci, co] = k.dims as [number, number, number, number];
  const kernel = b.bind('kernel', {
    toOnnx: (w) => hwioToOihw(w, k.dims),
    fromOnnx: (w) => oihwToHwio(w, k.dims),
    onnxDims: [co, ci, kh, kw],
  });
  const strides = pair(c.strides, 1);
  const dilations = pair(c.dilation_rate, 1);
  const y = b.node('Conv', [b.inputs[0]!, kernel, ...bias(layer, b, co)], {
    kernel_shape: [kh, kw],
    strides,
    dilations,
    group: 1,
    ...convPadding(c.padding, [kh, kw], strides, dilations),
  });
  return { output: activation(layer, b, y, c.activation, 4), rank: 4 };
};

/** The depthwise part of DepthwiseConv2D / SeparableConv2D: a Conv with one group per channel. */
function depthwise(layer: KerasLayer, b: LayerBuilder, withBias: boolean): string {
  const c = layer.config;
  const k = b.weight('depthwise_kernel') ?? unsupported(layer, 'a missing depthwise kernel');
  const [kh, kw, ch, m] = k.dims as [number, number, number, number];
  const kernel = b.bind('depthwise_kernel', {
    toOnnx: (w) => depthwiseToOnnx(w, k.dims),
    fromOnnx: (w) => depthwiseFromOnnx(w, k.dims),
    onnxDims: [ch * m, 1, kh, kw],
  });
  const strides = pair(c.strides, 1);
  const dilations = pair(c.dilation_rate, 1);
  return b.node(
    'Conv',
    [b.inputs[0]!, kernel, ...(withBias ? bias(layer, b, ch * m) : [])],
    {
      kernel_shape: [kh, kw],
      strides,
      dilations,
      group: ch,
      ...convPadding(c.padding, [kh, kw], strides, dilations),
    },
    withBias ? undefined : 'depthwise',
  );
}

const depthwiseConv2d: LayerMapper = (layer, b) => {
  channelsLast(layer);
  return { output: activation(layer, b, depthwise(layer, b, true), layer.config.activation, 4), rank: 4 };
};

/** SeparableConv2D: depthwise (no bias), then a 1x1 pointwise Conv with the bias. */
const separableConv2d: LayerMapper = (layer, b) => {
  channelsLast(layer);
  const dw = depthwise(layer, b, false);
  const k = b.weight('pointwise_kernel') ?? unsupported(layer, 'a missing pointwise kernel');
  const [, , ci, co] = k.dims as [number, number, number, number];
  const kernel = b.bind('pointwise_kernel', {
    toOnnx: (w) => hwioToOihw(w, k.dims),
    fromOnnx: (w) => oihwToHwio(w, k.dims),
    onnxDims: [co, ci, 1, 1],
  });
  const y = b.node('Conv', [dw, kernel, ...bias(layer, b, co)], { kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0], group: 1 });
  return { output: activation(layer, b, y, layer.config.activation, 4), rank: 4 };
};

const dense: LayerMapper = (layer, b) => {
  if (b.ranks[0] !== 2) unsupported(layer, 'a Dense layer on a non-flat input');
  const k = b.weight('kernel') ?? unsupported(layer, 'a missing kernel');
  const inputs = [b.inputs[0]!, b.bind('kernel', { ...identityBinding, onnxDims: k.dims }), ...bias(layer, b, k.dims[1]!)];
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
    b.weight(short) ? b.bind(short, { ...identityBinding, onnxDims: [C] }) : b.constant(short, [C], new Float32Array(C).fill(fill));
  const y = b.node(
    'BatchNormalization',
    [b.inputs[0]!, param('gamma', 1), param('beta', 0), param('moving_mean', 0), param('moving_variance', 1)],
    { epsilon: (c.epsilon as number) ?? 1e-3, momentum: (c.momentum as number) ?? 0.99 },
  );
  return { output: y, rank };
};

function pooling(op: 'MaxPool' | 'AveragePool'): LayerMapper {
  return (layer, b) => {
    channelsLast(layer);
    const c = layer.config;
    const size = pair(c.pool_size, 2);
    const strides = c.strides == null ? size : pair(c.strides, 1);
    const pad: Record<string, AttrValue> = c.padding === 'same' ? { auto_pad: 'SAME_UPPER' } : { pads: [0, 0, 0, 0] };
    return { output: b.node(op, [b.inputs[0]!], { kernel_shape: size, strides, ...pad }), rank: 4 };
  };
}

function globalPooling(op: 'GlobalAveragePool' | 'GlobalMaxPool'): LayerMapper {
  return (layer, b) => {
    channelsLast(layer);
    const g = b.node(op, [b.inputs[0]!], {}, 'pool');
    if (layer.config.keepdims === true) return { output: g, rank: 4 };
    return { output: b.node('Flatten', [g], { axis: 1 }), rank: 2 };
  };
}

const dropout: LayerMapper = (layer, b) => ({
  output: b.node('Dropout', [b.inputs[0]!, b.constant('ratio', [], Float32Array.of((layer.config.rate as number) ?? 0))]),
  rank: b.ranks[0]!,
});

const same = (b: LayerBuilder, output: string) => ({ output, rank: b.ranks[0]! });

const activationLayer: LayerMapper = (layer, b) => same(b, activation(layer, b, b.inputs[0]!, layer.config.activation, b.ranks[0]!));

const reluLayer: LayerMapper = (layer, b) => {
  const c = layer.config;
  if (c.max_value == null && !c.negative_slope && !c.threshold) return same(b, b.node('Relu', [b.inputs[0]!]));
  if (c.max_value === 6 && !c.negative_slope && !c.threshold) return same(b, activation(layer, b, b.inputs[0]!, 'relu6', b.ranks[0]!));
  if (typeof c.max_value === 'number' && !c.negative_slope && !c.threshold) {
    const lo = b.constant('clip_min', [], Float32Array.of(0));
    const hi = b.constant('clip_max', [], Float32Array.of(c.max_value));
    return same(b, b.node('Clip', [b.inputs[0]!, lo, hi]));
  }
  return unsupported(layer, 'ReLU with negative_slope or threshold');
};

const leakyRelu: LayerMapper = (layer, b) => same(b, b.node('LeakyRelu', [b.inputs[0]!], { alpha: (layer.config.alpha as number) ?? 0.3 }));
const eluLayer: LayerMapper = (layer, b) => same(b, b.node('Elu', [b.inputs[0]!], { alpha: (layer.config.alpha as number) ?? 1 }));
const thresholdedRelu: LayerMapper = (layer, b) =>
  same(b, b.node('ThresholdedRelu', [b.inputs[0]!], { alpha: (layer.config.theta as number) ?? 1 }));

/** PReLU: alpha [H, W, C] (shared axes of size 1) becomes the slope [C, H, W] broadcast like ONNX's. */
const prelu: LayerMapper = (layer, b) => {
  const a = b.weight('alpha') ?? unsupported(layer, 'a missing alpha');
  if (b.ranks[0] !== 4 && a.dims.length !== 1) unsupported(layer, `PReLU on a rank-${b.ranks[0]} input`);
  const dims = a.dims;
  const slope =
    dims.length === 3
      ? b.bind('alpha', { toOnnx: (w) => hwcToChw(w, dims), fromOnnx: (w) => chwToHwc(w, dims), onnxDims: [dims[2]!, dims[0]!, dims[1]!] })
      : b.bind('alpha', { ...identityBinding, onnxDims: dims });
  return same(b, b.node('PRelu', [b.inputs[0]!, slope]));
};

const softmaxLayer: LayerMapper = (layer, b) => {
  const axis = layer.config.axis;
  const a = Array.isArray(axis) ? axis[0] : axis;
  if (a !== undefined && a !== -1 && a !== b.ranks[0]! - 1) unsupported(layer, `Softmax over axis ${String(axis)}`);
  return same(b, activation(layer, b, b.inputs[0]!, 'softmax', b.ranks[0]!));
};

export const LAYER_TABLE: Readonly<Record<string, LayerMapper>> = {
  Conv2D: conv2d,
  DepthwiseConv2D: depthwiseConv2d,
  SeparableConv2D: separableConv2d,
  Dense: dense,
  BatchNormalization: batchNormalization,
  MaxPooling2D: pooling('MaxPool'),
  AveragePooling2D: pooling('AveragePool'),
  GlobalAveragePooling2D: globalPooling('GlobalAveragePool'),
  GlobalMaxPooling2D: globalPooling('GlobalMaxPool'),
  Dropout: dropout,
  SpatialDropout2D: dropout,
  Activation: activationLayer,
  ReLU: reluLayer,
  LeakyReLU: leakyRelu,
  ELU: eluLayer,
  PReLU: prelu,
  ThresholdedReLU: thresholdedRelu,
  Softmax: softmaxLayer,
  ...SHAPE_LAYERS,
  ...MERGE_LAYERS,
};

export type { KerasLayer, LayerBuilder, WeightBinding } from './layer-types.js';

import { SwpruneError } from '../../errors.js';
import type { AttrValue } from '../../graph/ir.js';

/**
 * What a Keras layer mapper sees and uses. Values in the IR are logically NCHW for 4-D
 * tensors (a Keras NHWC tensor K is IR value x with K = transpose(x, [0, 2, 3, 1])) and in
 * Keras order for every other rank.
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
  /** Value names of the layer's inputs (logical NCHW / Keras order for other ranks). */
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

export const identityBinding = { toOnnx: (w: Float32Array) => w, fromOnnx: (w: Float32Array) => w };

/** A Keras int-or-pair option as a pair. */
export const pair = (v: unknown, dflt: number): [number, number] =>
  Array.isArray(v) ? [v[0] as number, v[1] as number] : typeof v === 'number' ? [v, v] : [dflt, dflt];

export function unsupported(layer: KerasLayer, what: string): never {
  throw new SwpruneError(
    'E_UNSUPPORTED_OP',
    `layer "${layer.config.name}" (${layer.class_name}) uses ${what}, which swprune does not support; export the model to ONNX or change the layer`,
  );
}

/** Keras axis order -> IR order of a value of this rank: Keras axis i is IR axis KERAS_TO_IR[i] (rank 4). */
const NHWC_TO_NCHW_AXIS = [0, 2, 3, 1] as const;

/** A Keras axis (negative allowed) of a rank-`rank` value as its IR axis. */
export function irAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  return rank === 4 ? NHWC_TO_NCHW_AXIS[a]! : a;
}

/** The IR value in Keras order (a Transpose for 4-D values). */
export function toKerasOrder(b: LayerBuilder, x: string, rank: number, suffix: string): string {
  return rank === 4 ? b.node('Transpose', [x], { perm: [0, 2, 3, 1] }, suffix) : x;
}

/** A Keras-order value back in IR order (a Transpose for 4-D values). */
export function fromKerasOrder(b: LayerBuilder, x: string, rank: number, suffix?: string): string {
  return rank === 4 ? b.node('Transpose', [x], { perm: [0, 3, 1, 2] }, suffix) : x;
}

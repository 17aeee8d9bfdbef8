import * as tf from '@tensorflow/tfjs';

/**
 * What flows between nodes at run time.
 *
 * - A float tensor. 4-D activations are logically NCHW (ONNX) but stored NHWC (`nhwc: true`),
 *   the fast layout of tfjs convolutions; ops that cannot remap axes call `logical()`.
 * - An integer tensor kept in JavaScript (`ints`): shapes, indices and the arithmetic PyTorch
 *   exports around them (Shape -> Gather -> Unsqueeze -> Concat -> Reshape). Computing them in
 *   JS at run time keeps the batch dimension dynamic and costs no tensor ops.
 */
export type Value = FloatValue | IntValue;

export interface FloatValue {
  readonly kind: 'float';
  readonly t: tf.Tensor;
  /** True when `t` is the NHWC storage of a logically NCHW 4-D tensor. */
  readonly nhwc: boolean;
}

export interface IntValue {
  readonly kind: 'int';
  readonly dims: readonly number[];
  readonly data: readonly number[];
}

export const float = (t: tf.Tensor, nhwc = false): FloatValue => ({ kind: 'float', t, nhwc });
export const ints = (dims: readonly number[], data: readonly number[]): IntValue => ({ kind: 'int', dims, data });

/** NHWC storage -> logical NCHW tensor (one transpose); other tensors as they are. */
export function logical(v: FloatValue): tf.Tensor {
  return v.nhwc ? tf.transpose(v.t, [0, 3, 1, 2]) : v.t;
}

/** A logically NCHW 4-D tensor in NHWC storage. */
export function toNhwc(v: FloatValue): tf.Tensor4D {
  if (v.nhwc) return v.t as tf.Tensor4D;
  if (v.t.rank !== 4) throw new Error(`expected a 4-D activation, got rank ${v.t.rank}`);
  return tf.transpose(v.t, [0, 2, 3, 1]) as tf.Tensor4D;
}

/** The logical (ONNX) shape of a value. */
export function logicalShape(v: Value): number[] {
  if (v.kind === 'int') return [...v.dims];
  const s = v.t.shape;
  return v.nhwc ? [s[0]!, s[3]!, s[1]!, s[2]!] : [...s];
}

/** Logical axis of a 4-D NCHW tensor -> its axis in NHWC storage. */
export const NHWC_AXIS = [0, 3, 1, 2] as const;

export function asFloat(v: Value | undefined, what: string): FloatValue {
  if (!v) throw new Error(`${what}: missing input`);
  if (v.kind === 'float') return v;
  return float(tf.tensor(Float32Array.from(v.data), [...v.dims]));
}

export function asInts(v: Value | undefined, what: string): IntValue {
  if (!v) throw new Error(`${what}: missing input`);
  if (v.kind === 'int') return v;
  throw new Error(`${what}: expected a constant integer tensor, got a computed float tensor`);
}

export const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** Row-major strides. */
export function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1]! * dims[i + 1]!;
  return s;
}

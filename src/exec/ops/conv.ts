import * as tf from '@tensorflow/tfjs';
import type { GraphNode, Param } from '../../graph/ir.js';
import { winogradConv2d } from '../../tfjs-ops/winograd-conv2d.js';
import { getTile } from '../../winograd/tiles.js';
import type { CompileContext, Kernel, OpCompiler, VariableSpec } from '../op-types.js';
import { asFloat, float, toNhwc } from '../values.js';
import { num, nums } from '../../graph/attrs.js';
import { samePads, windowPads } from '../../graph/window.js';
import { unsupportedAttr } from './attrs.js';

export type Explicit = [[number, number], [number, number], [number, number], [number, number]];

/** ONNX spatial padding for one conv/pool call (src/graph/window.ts), as tfjs explicit NHWC padding. */
export function spatialPadding(
  n: GraphNode,
  inH: number,
  inW: number,
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[] = [1, 1],
): Explicit {
  const [t, l, b, r] = windowPads(n, [inH, inW], kernel, strides, dilations) as [number, number, number, number];
  return [
    [0, 0],
    [t, b],
    [l, r],
    [0, 0],
  ];
}

/**
 * The tfjs padding mode that is exactly `pad` for an undilated convolution: 'valid' for none,
 * 'same' where it is SAME_UPPER's (a 3x3 stride-1 convolution padded by 1, the common case);
 * undefined for anything else, which the caller pads explicitly. Padding inside the convolution
 * saves the pad, and in training the crop of the input gradient, each a full pass over the
 * activation, and lets the input gradient be computed at the input's size instead of the padded one.
 */
function tfPadding(
  pad: Explicit,
  inH: number,
  inW: number,
  kernel: readonly number[],
  strides: readonly number[],
): 'valid' | 'same' | undefined {
  if (pad.every(([a, b]) => a === 0 && b === 0)) return 'valid';
  const same = [samePads(inH, kernel[0]!, strides[0]!, 1), samePads(inW, kernel[1]!, strides[1]!, 1)];
  return [1, 2].every((axis, i) => pad[axis]![0] === same[i]![0] && pad[axis]![1] === same[i]![1]) ? 'same' : undefined;
}

const copyF32 = (t: Float32Array) => Float32Array.from(t);

/** OIHW <-> HWIO, the tfjs conv2d filter layout. */
const CONV_WEIGHT: VariableSpec = {
  trainable: true,
  toExec: (p) => tf.tidy(() => tf.transpose(tf.tensor4d(p.data as Float32Array, p.dims as [number, number, number, number]), [2, 3, 1, 0])),
  toOnnx: (values, p) => {
    const [O, I, H, W] = p.dims as [number, number, number, number];
    const out = new Float32Array(values.length);
    for (let o = 0; o < O; o++)
      for (let i = 0; i < I; i++)
        for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) out[((o * I + i) * H + h) * W + w] = values[((h * W + w) * I + i) * O + o]!;
    return out;
  },
};

/** A float parameter kept as-is (biases, BN scale/shift, 1-D things). */
export const PLAIN: VariableSpec = {
  trainable: true,
  toExec: (p) => tf.tensor(p.data as Float32Array, [...p.dims]),
  toOnnx: (values) => copyF32(values),
};

function biasVariable(n: GraphNode, ctx: CompileContext): tf.Variable | undefined {
  const name = n.inputs[2];
  return name ? ctx.variable(name, PLAIN) : undefined;
}

/**
 * Conv (2-D, any group, dilation, pads or auto_pad). Every Conv weight lives in the variable as
 * HWIO [kh, kw, Cin/group, Cout] (CONV_WEIGHT), whatever the kernel that runs it, so masks and
 * hooks built for that layout fit grouped and depthwise layers too: a depthwise filter
 * [kh, kw, C, mult] is the same memory reshaped.
 */
export const conv: OpCompiler = (n, ctx) => {
  const weight: Param = ctx.param(n, n.inputs[1]!);
  if (weight.dims.length !== 4) throw unsupportedAttr(n, `a ${weight.dims.length - 2}-D convolution`);
  const [, cinPerGroup, kh, kw] = weight.dims as [number, number, number, number];
  const group = num(n, 'group', 1);
  const strides = nums(n, 'strides', [1, 1]) as [number, number];
  const dilations = nums(n, 'dilations', [1, 1]) as [number, number];
  const bias = biasVariable(n, ctx);
  const cin = cinPerGroup * group;
  const depthwise = group > 1 && cinPerGroup === 1 && group === cin;
  const filter = ctx.variable(n.inputs[1]!, CONV_WEIGHT);
  const mult = weight.dims[0]! / cin;
  const dilated = dilations.some((d) => d !== 1);
  if (dilated && strides.some((k) => k !== 1)) throw unsupportedAttr(n, 'a convolution with both stride and dilation above 1');
  /** One undilated convolution of the kind this node is. */
  const convolve = (x: tf.Tensor4D, padding: 'valid' | 'same'): tf.Tensor4D => {
    if (depthwise) return tf.depthwiseConv2d(x, tf.reshape(filter, [kh, kw, cin, mult]) as tf.Tensor4D, strides, padding);
    if (group === 1) return tf.conv2d(x, filter as tf.Tensor4D, strides, padding);
    const xs = tf.split(x, group, 3);
    const ws = tf.split(filter, group, 3);
    return tf.concat(
      xs.map((xi, g) => tf.conv2d(xi as tf.Tensor4D, ws[g] as tf.Tensor4D, strides, padding)),
      3,
    ) as tf.Tensor4D;
  };
  /** The node on its NHWC input: padded inside the convolution where tfjs has the mode, else by a Pad first. */
  const apply = (xv: tf.Tensor4D): tf.Tensor4D => {
    const pad = spatialPadding(n, xv.shape[1], xv.shape[2], [kh, kw], strides, dilations);
    const mode = dilated ? undefined : tfPadding(pad, xv.shape[1], xv.shape[2], [kh, kw], strides);
    if (mode) return convolve(xv, mode);
    const padded = pad.some(([a, b]) => a || b) ? tf.pad(xv, pad) : xv;
    return dilated ? dilatedConv(padded, (p) => convolve(p, 'valid'), [kh, kw], dilations) : convolve(padded, 'valid');
  };
  return ([x]) => {
    const y = apply(toNhwc(asFloat(x, n.name)));
    return [float(bias ? tf.add(y, bias) : y, true)];
  };
};

/**
 * A stride-1 dilated valid convolution as the undilated one on the input's d x d phases
 * (space-to-batch, convolve, batch-to-space, crop): tfjs has no gradient for dilated
 * convolutions, while these three ops have one on every backend.
 */
function dilatedConv(
  x: tf.Tensor4D,
  valid: (x: tf.Tensor4D) => tf.Tensor4D,
  [kh, kw]: readonly number[],
  [dh, dw]: readonly number[],
): tf.Tensor4D {
  const [N, H, W] = x.shape;
  const extraH = Math.ceil(H / dh!) * dh! - H;
  const extraW = Math.ceil(W / dw!) * dw! - W;
  const phases = tf.spaceToBatchND(
    x,
    [dh!, dw!],
    [
      [0, extraH],
      [0, extraW],
    ],
  ) as tf.Tensor4D;
  const y = tf.batchToSpaceND(
    valid(phases),
    [dh!, dw!],
    [
      [0, 0],
      [0, 0],
    ],
  ) as tf.Tensor4D;
  return tf.slice(y, [0, 0, 0, 0], [N, H - (kh! - 1) * dh!, W - (kw! - 1) * dw!, y.shape[3]]);
}

/** WinogradConv weight: ONNX [Cout, Cin, T, T] <-> op layout [T*T, Cin, Cout]. */
const WINOGRAD_WEIGHT: VariableSpec = {
  trainable: true,
  toExec: (p) => {
    const [O, I, T] = p.dims as [number, number, number, number];
    return tf.tidy(() => tf.reshape(tf.transpose(tf.tensor4d(p.data as Float32Array, [O, I, T, T]), [2, 3, 1, 0]), [T * T, I, O]));
  },
  toOnnx: (values, p) => {
    const [O, I, T] = p.dims as [number, number, number, number];
    const out = new Float32Array(values.length);
    for (let o = 0; o < O; o++)
      for (let i = 0; i < I; i++) for (let q = 0; q < T * T; q++) out[(o * I + i) * T * T + q] = values[(q * I + i) * O + o]!;
    return out;
  },
};

/**
 * swprune's Winograd layer (domain ai.swprune): attrs tile (T), kernel (r), pads [t, l, b, r],
 * group (default 1; the weight is then [Cout, Cin/group, T, T], as a grouped Conv's).
 */
export const winogradConv: OpCompiler = (n, ctx) => {
  const tile = getTile(num(n, 'tile', 6), num(n, 'kernel', 3));
  const w = ctx.variable(n.inputs[1]!, WINOGRAD_WEIGHT);
  const bias = biasVariable(n, ctx);
  const group = num(n, 'group', 1);
  const p = nums(n, 'pads', [0, 0, 0, 0]);
  const pad: [number, number, number, number] = [p[0]!, p[2]!, p[1]!, p[3]!];
  return ([x]) => {
    const xv = toNhwc(asFloat(x, n.name));
    return [float(winogradConv2d(xv, w as tf.Tensor3D, tile, { pad, group, ...(bias ? { bias: bias as tf.Tensor1D } : {}) }), true)];
  };
};

export type { Kernel };

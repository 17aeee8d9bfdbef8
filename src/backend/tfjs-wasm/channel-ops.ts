/**
 * Per-channel arithmetic for the wasm backend, wrapping the registered kernels: an activation
 * [N, H, W, C] combined with a per-channel tensor ([C], [1, 1, 1, C], or the other way round) —
 * what batch normalisation and its gradient do in every step, and where wasm's broadcasting
 * binary ops are slow. kernels.wat's channel_op does one pass in place on the heap. Same-shape
 * operands, scalars, other dtypes and other broadcasts go to the registered kernel.
 *
 * FusedBatchNorm (inference-form batch norm, also what training-mode batch norm calls with the
 * batch statistics) is one pass of channel_norm: (x - mean[c]) * a[c] + offset[c] with
 * a = scale / sqrt(variance + epsilon) computed per channel in float32 as tfjs's cpu backend does.
 */
import type * as tf from '@tensorflow/tfjs';
import { asWasm, heapF32, heapKernels, offsetOf, sizeOf, withHeapScratch } from '../wasm-heap.js';

/** op codes of channel_op: x op v, and v op x for the non-commutative ones. */
const OPS = { Add: [0, 0], Sub: [1, 4], Multiply: [2, 2], RealDiv: [3, 5] } as const;
export type ChannelOpName = keyof typeof OPS;

/** True when `v` is a per-channel tensor for `x`: rank >= 2 x, v's size = x's last axis, v's other axes 1. */
function perChannel(x: tf.TensorInfo, v: tf.TensorInfo): boolean {
  const c = x.shape[x.shape.length - 1]!;
  return (
    x.shape.length >= 2 &&
    v.shape.length >= 1 &&
    v.shape.length <= x.shape.length &&
    v.shape[v.shape.length - 1] === c &&
    v.shape.slice(0, -1).every((d) => d === 1) &&
    sizeOf(x.shape) > c &&
    c > 0
  );
}

export function makeChannelOpConfig(name: ChannelOpName) {
  return (previous: tf.KernelConfig): tf.KernelConfig => ({
    ...previous,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      if (a.dtype !== 'float32' || b.dtype !== 'float32') return previous.kernelFunc(args);
      const [x, v, op] = perChannel(a, b) ? [a, b, OPS[name][0]] : perChannel(b, a) ? [b, a, OPS[name][1]] : [undefined, undefined, 0];
      if (!x || !v) return previous.kernelFunc(args);
      const backend = asWasm(args.backend);
      const out = backend.makeOutput([...x.shape], 'float32');
      const cols = x.shape[x.shape.length - 1]!;
      heapKernels(backend).channel_op(offsetOf(backend, out), offsetOf(backend, x), offsetOf(backend, v), sizeOf(x.shape) / cols, cols, op);
      return out;
    },
  });
}

export function makeFusedBatchNormConfig(previous: tf.KernelConfig): tf.KernelConfig {
  return {
    ...previous,
    kernelFunc: (args) => {
      const { x, mean, variance, offset, scale } = args.inputs as Record<string, tf.TensorInfo | undefined>;
      const { varianceEpsilon } = args.attrs as unknown as tf.FusedBatchNormAttrs;
      const c = x!.shape[x!.shape.length - 1]!;
      const fits = (t: tf.TensorInfo | undefined) => !t || (t.dtype === 'float32' && sizeOf(t.shape) === c);
      if (x!.dtype !== 'float32' || x!.shape.length < 2 || ![mean, variance, offset, scale].every(fits)) return previous.kernelFunc(args);
      const backend = asWasm(args.backend);
      const out = backend.makeOutput([...x!.shape], 'float32');
      withHeapScratch(backend, 2 * c, (ab) => {
        const f32 = heapF32(backend);
        const at = ab >> 2;
        const read = (t: tf.TensorInfo | undefined, i: number, dflt: number) => (t ? f32[(offsetOf(backend, t) >> 2) + i]! : dflt);
        const a = new Float32Array(1);
        for (let i = 0; i < c; i++) {
          a[0] = Math.sqrt(read(variance, i, 0) + varianceEpsilon);
          a[0] = read(scale, i, 1) / a[0];
          f32[at + i] = a[0];
          f32[at + c + i] = read(offset, i, 0);
        }
        heapKernels(backend).channel_norm(
          offsetOf(backend, out),
          offsetOf(backend, x!),
          offsetOf(backend, mean!),
          ab,
          ab + 4 * c,
          sizeOf(x!.shape) / c,
          c,
        );
      });
      return out;
    },
  };
}

/** Cast to the dtype a tensor already has shares its data (wasm's copies it). */
export function makeCastConfig(previous: tf.KernelConfig): tf.KernelConfig {
  return {
    ...previous,
    kernelFunc: (args) => {
      const x = args.inputs.x!;
      const { dtype } = args.attrs as unknown as tf.CastAttrs;
      if (dtype !== x.dtype || dtype === 'string') return previous.kernelFunc(args);
      asWasm(args.backend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype };
    },
  };
}

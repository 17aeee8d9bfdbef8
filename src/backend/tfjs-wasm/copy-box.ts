/**
 * Slice and PadV2 for the wasm backend, wrapping the registered ones. wasm's Slice reads the
 * whole input back into JavaScript (readSync) and copies one innermost row at a time with
 * subarray/set: ~30 ms per gradient of a 'same' padding on [128, 30, 30, 16] (the executor pads
 * convolution inputs explicitly, so every convolution's backward pass slices). Both are a box
 * copy between two tensors, done here in place on the heap by kernels.wat's copy_rows (one
 * memory.copy per contiguous run), after a fill with the padding value for PadV2.
 *
 * Cases: 4-byte dtypes, and boxes whose non-contiguous part spans at most 3 axes (any rank-4
 * tensor); others go to the registered kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { asWasm, heapKernels, offsetOf, sizeOf, type WasmBackend } from '../wasm-heap.js';

const FOUR_BYTES = new Set<tf.DataType>(['float32', 'int32']);

const stridesOf = (shape: readonly number[]): number[] => {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
};

/**
 * Copies the box `size` at `srcBegin` of a tensor of `srcShape` to `dstBegin` of one of `dstShape`
 * (4-byte elements at byte offsets src, dst). False when the box needs more than 3 outer loops.
 */
function copyBox(
  backend: WasmBackend,
  src: number,
  srcShape: readonly number[],
  srcBegin: readonly number[],
  dst: number,
  dstShape: readonly number[],
  dstBegin: readonly number[],
  size: readonly number[],
): boolean {
  const rank = size.length;
  // d: the last axis where the box is not the full extent of both tensors; axes after it are one contiguous run.
  let d = rank - 1;
  while (d >= 0 && size[d] === srcShape[d] && size[d] === dstShape[d]) d--;
  if (d > 3) return false;
  const ss = stridesOf(srcShape);
  const ds = stridesOf(dstShape);
  const inner = d < 0 ? sizeOf(size) : size[d]! * (d + 1 < rank ? ss[d]! : 1);
  let s0 = src;
  let d0 = dst;
  for (let a = 0; a <= Math.min(d, rank - 1); a++) {
    s0 += 4 * srcBegin[a]! * ss[a]!;
    d0 += 4 * dstBegin[a]! * ds[a]!;
  }
  // outer axes 0 .. d-1, padded in front with single iterations to exactly three
  const outer = Math.max(0, d);
  const n = [1, 1, 1];
  const sst = [0, 0, 0];
  const dst3 = [0, 0, 0];
  for (let a = 0; a < outer; a++) {
    const k = 3 - outer + a;
    n[k] = size[a]!;
    sst[k] = 4 * ss[a]!;
    dst3[k] = 4 * ds[a]!;
  }
  heapKernels(backend).copy_rows(d0, s0, 4 * inner, n[0]!, n[1]!, n[2]!, sst[0]!, sst[1]!, sst[2]!, dst3[0]!, dst3[1]!, dst3[2]!);
  return true;
}

export function makeSliceConfig(previous: tf.KernelConfig): tf.KernelConfig {
  return {
    ...previous,
    kernelFunc: (args) => {
      const x = args.inputs.x!;
      const { begin, size } = args.attrs as unknown as tf.SliceAttrs;
      if (!FOUR_BYTES.has(x.dtype)) return previous.kernelFunc(args);
      const [b, s] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, begin, size);
      const backend = asWasm(args.backend);
      const out = backend.makeOutput(s, x.dtype);
      if (sizeOf(s) === 0) return out;
      const ok = copyBox(
        backend,
        offsetOf(backend, x),
        x.shape,
        b,
        offsetOf(backend, out),
        s,
        s.map(() => 0),
        s,
      );
      if (ok) return out;
      backend.disposeData(out.dataId);
      return previous.kernelFunc(args);
    },
  };
}

export function makePadConfig(previous: tf.KernelConfig): tf.KernelConfig {
  return {
    ...previous,
    kernelFunc: (args) => {
      const x = args.inputs.x!;
      const { paddings, constantValue } = args.attrs as unknown as tf.PadV2Attrs;
      if (x.dtype !== 'float32' || paddings.some(([a, b]) => a < 0 || b < 0)) return previous.kernelFunc(args);
      const shape = x.shape.map((d, i) => d + paddings[i]![0] + paddings[i]![1]);
      const backend = asWasm(args.backend);
      const out = backend.makeOutput(shape, 'float32');
      const at = offsetOf(backend, out);
      const k = heapKernels(backend);
      k.fill(at, sizeOf(shape), constantValue);
      if (sizeOf(x.shape) === 0) return out;
      if (
        copyBox(
          backend,
          offsetOf(backend, x),
          x.shape,
          x.shape.map(() => 0),
          at,
          shape,
          paddings.map(([a]) => a),
          x.shape,
        )
      )
        return out;
      backend.disposeData(out.dataId);
      return previous.kernelFunc(args);
    },
  };
}

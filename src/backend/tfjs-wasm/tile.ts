/**
 * Tile for the wasm backend, wrapping the registered one: wasm's Tile is ~10x slower than a
 * broadcasting add, and tfjs-core's batch-norm gradient tiles a [1, 1, 1, C] tensor to the full
 * activation shape on every step. When only leading axes repeat and they all have size 1 (the
 * batch-norm case, and any "repeat the whole tensor r times"), the output is r copies of the
 * input one after another: one copy, then doubling copies within the output (copyWithin), in
 * place on the heap. Other broadcasts (repeated axes of size 1, the last axis not repeated) are
 * one strided copy per innermost row (broadcastCopy). Any other case goes to wasm's kernel.
 */
import type * as tf from '@tensorflow/tfjs';
import { asWasm, heapKernels, offsetOf, sizeOf, type WasmBackend } from '../wasm-heap.js';

const ELEMENT = { float32: Float32Array, int32: Int32Array } as const;

/**
 * A broadcast tile of rank <= 4 (every repeated axis has input size 1) whose last axis is not
 * repeated, as kernels.wat's copy_rows with source stride 0 along the repeated axes: one copy
 * of the innermost row per output row (e.g. the GlobalAveragePool gradient, [N,1,1,C] to
 * [N,H,W,C]). False for other tiles.
 */
function broadcastCopy(backend: WasmBackend, x: tf.TensorInfo, reps: readonly number[], out: tf.TensorInfo): boolean {
  const rank = x.shape.length;
  if (rank > 4 || reps[rank - 1] !== 1 || reps.some((r, i) => r !== 1 && x.shape[i] !== 1)) return false;
  const pad = 4 - rank;
  const xs = [...new Array<number>(pad).fill(1), ...x.shape];
  const os = [...new Array<number>(pad).fill(1), ...out.shape];
  const src = [0, 0, 0, 0];
  const dst = [0, 0, 0, 0];
  for (let i = 3, sx = 4, sd = 4; i >= 0; i--) {
    src[i] = xs[i] === 1 ? 0 : sx;
    dst[i] = sd;
    sx *= xs[i]!;
    sd *= os[i]!;
  }
  heapKernels(backend).copy_rows(
    offsetOf(backend, out),
    offsetOf(backend, x),
    4 * os[3]!,
    os[0]!,
    os[1]!,
    os[2]!,
    src[0]!,
    src[1]!,
    src[2]!,
    dst[0]!,
    dst[1]!,
    dst[2]!,
  );
  return true;
}

/** Our Tile config around `wasmTile` (the kernel registered before ours; its setup is kept). */
export function makeTileConfig(wasmTile: tf.KernelConfig): tf.KernelConfig {
  const kernelFunc: tf.KernelFunc = (args) => {
    const { reps } = args.attrs as unknown as tf.TileAttrs;
    const x = args.inputs.x!;
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return wasmTile.kernelFunc(args);
    const backend = asWasm(args.backend);
    const shape = x.shape.map((d, i) => d * reps[i]!);
    const total = sizeOf(shape);
    // the repeated axes: a leading block whose input sizes are all 1 -> whole copies, doubling
    const last = reps.reduce((m, r, i) => (r !== 1 ? i : m), -1);
    if (reps.every((_r, i) => i > last || x.shape[i] === 1)) {
      const out = backend.makeOutput(shape, x.dtype);
      if (total === 0) return out;
      const n = sizeOf(x.shape);
      const view = new ELEMENT[x.dtype](backend.wasm.asm.memory.buffer);
      const to = offsetOf(backend, out) >> 2;
      const from = offsetOf(backend, x) >> 2;
      view.copyWithin(to, from, from + n);
      for (let have = n; have < total; have *= 2) view.copyWithin(to + have, to, to + Math.min(have, total - have));
      return out;
    }
    const out = backend.makeOutput(shape, x.dtype);
    if (total === 0 || broadcastCopy(backend, x, reps, out)) return out;
    backend.disposeData(out.dataId);
    return wasmTile.kernelFunc(args);
  };
  return { ...wasmTile, kernelFunc };
}

/**
 * Access to tfjs-backend-wasm's heap for swprune's kernels: where a tensor's floats are, a view
 * of the heap, outputs allocated by the backend, and copies to and from the kernel pool's
 * shared memory (the backend's heap is not shared, so worker threads cannot read it).
 *
 * This uses the backend's data map and makeOutput (tfjs-backend-wasm 4.22: dataIdMap entries
 * carry memoryOffset; wasm.asm.memory is the heap's WebAssembly.Memory); the kernels using it
 * are tested against the cpu backend, so a tfjs upgrade that changes these is caught.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Heap } from '../kernels/heap.js';
import { instantiateKernels, type KernelExports } from '../kernels/module.js';

export interface WasmBackend {
  readonly wasm: { readonly asm: { readonly memory: WebAssembly.Memory } };
  readonly dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
  incRef(dataId: object): void;
}

export function asWasm(backend: unknown): WasmBackend {
  const b = backend as WasmBackend;
  if (!b?.wasm?.asm?.memory || !b.dataIdMap) throw new Error('swprune kernels: not a tfjs-backend-wasm 4.x backend');
  return b;
}

/** Byte offset of a tensor's data in the backend's heap. */
export function offsetOf(backend: WasmBackend, t: tf.TensorInfo): number {
  const d = backend.dataIdMap.get(t.dataId);
  if (!d) throw new Error('swprune kernels: tensor data is not on the wasm backend');
  return d.memoryOffset;
}

/** A float view of the backend's heap (valid until the heap next grows: take it after allocating). */
export const heapF32 = (backend: WasmBackend): Float32Array => new Float32Array(backend.wasm.asm.memory.buffer);

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Copies `bytes` bytes between two memories. Byte views: copying float32 views out of a
 * SharedArrayBuffer measured ~2x slower in Node 20 than byte (or float64) views.
 */
function copyBytes(from: ArrayBufferLike, fromOffset: number, to: ArrayBufferLike, toOffset: number, bytes: number): void {
  const t0 = performance.now();
  new Uint8Array(to, toOffset, bytes).set(new Uint8Array(from, fromOffset, bytes));
  copyStats.ms += performance.now() - t0;
  copyStats.bytes += bytes;
}

/** Time and bytes spent copying between tfjs's heap and the kernel pool's memory (read by npm run bench:profile). */
export const copyStats = { ms: 0, bytes: 0 };

/** Copies a float32 tensor into `heap` (a new region); its byte offset there. */
export function copyIn(backend: WasmBackend, t: tf.TensorInfo, heap: Heap): number {
  const n = sizeOf(t.shape);
  const at = heap.alloc(n);
  copyBytes(backend.wasm.asm.memory.buffer, offsetOf(backend, t), heap.memory.buffer, at, 4 * n);
  return at;
}

/** A new float32 backend tensor of `shape` holding the floats at byte offset `ptr` of `heap`. */
export function copyOut(backend: WasmBackend, heap: Heap, ptr: number, shape: number[]): tf.TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  copyBytes(heap.memory.buffer, ptr, backend.wasm.asm.memory.buffer, offsetOf(backend, out), 4 * sizeOf(shape));
  return out;
}

const heapKernelCache = new WeakMap<object, KernelExports>();

/**
 * swprune's kernels instantiated over the backend's own heap (the plain-memory build): the
 * memory-bound kernels (copies, per-channel arithmetic, reductions, pooling gradients) run in
 * place on tensors' data on the calling thread, with no copy.
 */
export function heapKernels(backend: WasmBackend): KernelExports {
  let k = heapKernelCache.get(backend);
  if (!k) {
    k = instantiateKernels(backend.wasm.asm.memory);
    heapKernelCache.set(backend, k);
  }
  return k;
}

/**
 * Runs `f` with `floats` floats of scratch in the backend's heap (a temporary backend tensor,
 * freed afterwards); `f` gets its byte offset.
 */
export function withHeapScratch<T>(backend: WasmBackend, floats: number, f: (ptr: number) => T): T {
  const t = backend.makeOutput([Math.max(1, floats)], 'float32');
  try {
    return f(offsetOf(backend, t));
  } finally {
    backend.disposeData(t.dataId);
  }
}

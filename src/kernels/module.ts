/**
 * The compiled kernel module (src/kernels/wasm/kernels.wat) and its instances. The module imports
 * its memory: the shared build for a shared WebAssembly.Memory (worker threads), the plain build
 * for any other (one thread; in a browser without cross-origin isolation, or tfjs's own heap).
 * Instances hold no state but the memory, so any number can run over the same one.
 */
import { plainKernelsBase64, sharedKernelsBase64 } from './wasm/kernels-module.js';

/** The functions kernels.wat exports (pointers and strides in bytes, counts in floats). */
export interface KernelExports {
  gemm(c: number, ldc: number, a: number, ars: number, aks: number, b: number, bks: number, bps: number,
    m: number, n: number, k: number, acc: number, scratch: number, kc: number, mc: number): void;
  pack_b(dst: number, src: number, sks: number, sns: number, k: number, n: number): void;
  conv2d(y: number, x: number, w: number, bias: number, zero: number, scratch: number, geo: number, p0: number, p1: number, relu: number): void;
  conv2d_filter_grad(dw: number, x: number, dy: number, zero: number, scratch: number, geo: number, p0: number, p1: number, cin4: number, cout8: number): void;
  add_to(dst: number, src: number, count: number): void;
  copy_rows(dst: number, src: number, bytes: number, n0: number, n1: number, n2: number, s0: number, s1: number, s2: number, d0: number, d1: number, d2: number): void;
  fill(dst: number, count: number, value: number): void;
  channel_op(dst: number, src: number, v: number, rows: number, cols: number, op: number): void;
  channel_norm(dst: number, src: number, mean: number, a: number, b: number, rows: number, cols: number): void;
  col_sums(dst: number, src: number, rows: number, cols: number, divisor: number, scratch: number): void;
  maxpool_grad(dx: number, x: number, dy: number, geo: number): void;
  channel_combine(dst: number, a: number, b: number, mb: number, ka: number, kb: number, kc: number, rows: number, cols: number): void;
  channel_dot(dst: number, a: number, b: number, meanA: number, meanB: number, rows: number, cols: number): void;
  winograd_forward(prm: number, x: number, y: number, w: number, wps: number, bias: number, V: number, M: number, p0: number, p1: number, chunk: number, scratch: number): void;
  winograd_backward(prm: number, x: number, dy: number, wT: number, wtps: number, dx: number, dw: number, V: number, dM: number, dV: number, p0: number, p1: number, chunk: number, scratch: number): void;
}

export type KernelName = keyof KernelExports;

const modules: { shared?: WebAssembly.Module; plain?: WebAssembly.Module } = {};

const decode = (b64: string): Uint8Array<ArrayBuffer> => {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(b64, 'base64'));
  return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
};

/** The compiled module for a shared or a plain memory (compiled once per process). */
export function kernelModule(shared: boolean): WebAssembly.Module {
  const key = shared ? 'shared' : 'plain';
  modules[key] ??= new WebAssembly.Module(decode(shared ? sharedKernelsBase64 : plainKernelsBase64));
  return modules[key]!;
}

export function isShared(memory: WebAssembly.Memory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** A new instance of the kernels over `memory` (synchronous: the module is small). */
export function instantiateKernels(memory: WebAssembly.Memory): KernelExports {
  const instance = new WebAssembly.Instance(kernelModule(isShared(memory)), { env: { memory } });
  return instance.exports as unknown as KernelExports;
}

/** True when this runtime runs WebAssembly SIMD (the kernels need it). */
export function kernelsSupported(): boolean {
  try {
    kernelModule(false);
    return true;
  } catch {
    return false;
  }
}

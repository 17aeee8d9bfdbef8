/**
 * The compiled kernel module (src/kernels/wasm/kernels.wat) and its instances. The module imports
 * its memory: the shared build for a shared WebAssembly.Memory (worker threads), the plain build
 * for any other (one thread; in a browser without cross-origin isolation, or tfjs's own heap).
 * Instances hold no state but the memory, so any number can run over the same one.
 */
import { plainKernelsBase64, sharedKernelsBase64 } from './wasm/kernels-module.js';

/**
 * Every function kernels.wat exports and its parameters (pointers and strides in bytes, counts
 * in floats): the one list. `KernelExports` is derived from it, the worker threads call kernels
 * by their index in it, and test/kernels/module.test.ts checks it against the compiled module.
 */
export const KERNEL_FUNCTIONS = {
  gemm: ['c', 'ldc', 'a', 'ars', 'aks', 'b', 'bks', 'bps', 'm', 'n', 'k', 'acc', 'kc', 'mc'],
  pack_b: ['dst', 'src', 'sks', 'sns', 'k', 'n'],
  conv2d: ['y', 'x', 'w', 'bias', 'zero', 'scratch', 'geo', 'p0', 'p1', 'relu'],
  conv2d_filter_grad: ['dw', 'x', 'dy', 'zero', 'scratch', 'geo', 'p0', 'p1', 'cin4', 'cout8'],
  add_to: ['dst', 'src', 'count'],
  copy_rows: ['dst', 'src', 'bytes', 'n0', 'n1', 'n2', 's0', 's1', 's2', 'd0', 'd1', 'd2'],
  fill: ['dst', 'count', 'value'],
  channel_op: ['dst', 'src', 'v', 'rows', 'cols', 'op'],
  channel_norm: ['dst', 'src', 'mean', 'a', 'b', 'rows', 'cols'],
  col_sums: ['dst', 'src', 'rows', 'cols', 'divisor', 'scratch'],
  maxpool_grad: ['dx', 'x', 'dy', 'geo'],
  channel_combine: ['dst', 'a', 'b', 'mb', 'ka', 'kb', 'kc', 'rows', 'cols'],
  channel_dot: ['dst', 'a', 'b', 'meanA', 'meanB', 'rows', 'cols'],
  winograd_forward: ['prm', 'x', 'y', 'w', 'wps', 'bias', 'V', 'M', 'p0', 'p1', 'chunk', 'scratch'],
  winograd_backward: ['prm', 'x', 'dy', 'wT', 'wtps', 'dx', 'dw', 'V', 'dM', 'dV', 'p0', 'p1', 'chunk', 'scratch'],
} as const;

export type KernelName = keyof typeof KERNEL_FUNCTIONS;

/** One number per parameter name. */
type Args<P extends readonly string[]> = { -readonly [I in keyof P]: number };

/** The kernels of an instance, as TypeScript calls them (every argument an i32). */
export type KernelExports = { readonly [K in KernelName]: (...args: Args<(typeof KERNEL_FUNCTIONS)[K]>) => void };

/** The kernels' names in the table's order: a kernel's index here is its code for the worker threads. */
export const KERNEL_NAMES = Object.keys(KERNEL_FUNCTIONS) as KernelName[];

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

/**
 * swprune's dense kernel library: WebAssembly SIMD matrix products, convolutions (direct and
 * through Winograd F(4x4,3x3)), the fused Winograd layer and a few memory-bound loops, on plain
 * WebAssembly memory, with no tfjs inside (src/backend/ registers them into tfjs's wasm backend).
 *
 *   const pool = new WorkerPool({ threads: 2 });          // or new SerialRunner() (one thread, browsers)
 *   const c = matmul(pool, A, B, m, n, k);                 // Float32Arrays in and out
 *   // or operands in pool.heap (byte offsets from heap.alloc / heap.put) with gemm / conv2d
 *
 * In Node, `WorkerPool` (src/kernels/pool.ts, not re-exported here so that browser bundles need no
 * node: modules) runs the same kernels on worker threads over a shared memory.
 *
 * Results are the same for any number of threads (each output element is summed by one thread
 * in a fixed order; the weight gradients add per-thread partial sums, equal within float rounding).
 * Tags: kernels-v1 (GEMM, direct convolutions, pool), kernels-v2 (+ Winograd layer and 3x3
 * convolutions through it, memory-bound loops; a worker-start race of v1's pool fixed).
 */
export { Heap } from './heap.js';
export { SerialRunner, splitRange, type KernelRunner } from './runner.js';
export { gemm, gemmPacked, matmul, packB, packedSize, type GemmArgs, type MatrixOperand } from './gemm.js';
export { conv2d, conv2dPacked, conv2dFilterGrad, conv2dInputGrad, type ConvGeometry } from './conv2d.js';
export { winogradForward, winogradBackward, winogradWeightGrad, type WinogradGeometry } from './winograd.js';
export { conv3x3Winograd, conv3x3WinogradFilterGrad, conv3x3WinogradInputGrad, winogradApplies } from './conv-winograd.js';
export { instantiateKernels, kernelsSupported, type KernelExports } from './module.js';

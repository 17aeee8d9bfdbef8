/**
 * BatchMatMul for the wasm backend, wrapping the registered one: float32 products of rank 2 or
 * 3 (batch dimensions equal, or one side's batch 1) on swprune's GEMM (src/kernels/gemm.ts) with
 * both cores; transposed operands are read in place through their strides. wasm's own is
 * single-threaded and slow for a transposed left operand (a dense layer's weight gradient
 * A^T dY: ~0.4 GFLOP/s measured on [128, 4096]^T x [128, 1024]). Operands are copied into the
 * kernel pool's memory and the product back. Other ranks and dtypes go to the registered kernel.
 */
import type * as tf from '@tensorflow/tfjs';
import { gemmPacked, packB, packedSize } from '../../kernels/gemm.js';
import { kernelRunner } from '../threads.js';
import { asWasm, copyIn, copyOut } from '../wasm-heap.js';

export function makeBatchMatMulConfig(previous: tf.KernelConfig): tf.KernelConfig {
  return {
    ...previous,
    kernelFunc: (args) => {
      const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
      const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
      const rank = a.shape.length;
      if (a.dtype !== 'float32' || b.dtype !== 'float32' || rank !== b.shape.length || (rank !== 2 && rank !== 3))
        return previous.kernelFunc(args);
      const ba = rank === 3 ? a.shape[0]! : 1;
      const bb = rank === 3 ? b.shape[0]! : 1;
      if (ba !== bb && ba !== 1 && bb !== 1) return previous.kernelFunc(args);
      const [ar, ac] = a.shape.slice(-2) as [number, number];
      const [br, bc] = b.shape.slice(-2) as [number, number];
      const [m, k] = transposeA ? [ac, ar] : [ar, ac];
      const [k2, n] = transposeB ? [bc, br] : [br, bc];
      if (k !== k2) return previous.kernelFunc(args);
      const batch = Math.max(ba, bb);
      const backend = asWasm(args.backend);
      const pool = kernelRunner();
      const mark = pool.heap.mark();
      try {
        const pa = copyIn(backend, a, pool.heap);
        const pb = copyIn(backend, b, pool.heap);
        const pc = pool.heap.alloc(batch * m * n);
        const size = packedSize(k, n);
        const packed = pool.heap.alloc(bb * size);
        for (let i = 0; i < bb; i++) packB(pool, packed + 4 * i * size, { ptr: pb + 4 * i * br * bc, trans: transposeB }, k, n);
        for (let i = 0; i < batch; i++) {
          gemmPacked(
            pool,
            { m, n, k, a: { ptr: pa + 4 * (ba === 1 ? 0 : i) * ar * ac, trans: transposeA }, c: { ptr: pc + 4 * i * m * n } },
            packed + 4 * (bb === 1 ? 0 : i) * size,
          );
        }
        return copyOut(backend, pool.heap, pc, rank === 3 ? [batch, m, n] : [m, n]);
      } finally {
        pool.heap.release(mark);
      }
    },
  };
}

/**
 * Where kernels run: a heap (the memory every operand lives in) and a way to call a kernel
 * once per thread. Two implementations: SerialRunner (this thread only; any memory, so it also
 * works in a browser and on tfjs's own heap) and WorkerRunner (Node worker threads over a shared
 * memory, worker-runner.ts). The operations in gemm.ts and conv2d.ts take a KernelRunner and split their
 * work into `threads` parts; each part is computed by exactly one thread, and how the work is
 * split depends only on the operand shapes and `threads`.
 */
import { Heap } from './heap.js';
import { instantiateKernels, type KernelExports, type KernelName } from './module.js';

export interface KernelRunner {
  readonly threads: number;
  readonly heap: Heap;
  /** The kernels, instantiated on the calling thread over the heap's memory. */
  readonly kernels: KernelExports;
  /**
   * Runs kernel `name` once for every thread t < threads with the integer arguments args(t)
   * (null: nothing for that thread), thread 0 being the caller; returns when all are done.
   */
  parallel(name: KernelName, args: (t: number) => readonly number[] | null): void;
  /** Bytes of per-thread scratch at heap offset scratch(t), for the kernels' partial tiles and address tables. */
  scratch(t: number): number;
  readonly scratchBytes: number;
  dispose(): void;
}

/** Per-thread scratch: enough for conv2d_filter_grad's address table of an 11x11 filter. */
export const SCRATCH_BYTES = 64 * 1024;

/** Everything on the calling thread, over any WebAssembly.Memory (plain or shared). */
export class SerialRunner implements KernelRunner {
  readonly threads = 1;
  readonly heap: Heap;
  readonly kernels: KernelExports;
  readonly scratchBytes = SCRATCH_BYTES;
  private readonly scratchAt: number;

  /** A new memory, or `memory` from byte `base` on. */
  constructor(memory: WebAssembly.Memory = new WebAssembly.Memory({ initial: 16 }), base = 0) {
    this.heap = new Heap(memory, base);
    this.kernels = instantiateKernels(memory);
    this.scratchAt = this.heap.alloc(SCRATCH_BYTES / 4);
  }

  parallel(name: KernelName, args: (t: number) => readonly number[] | null): void {
    const a = args(0);
    if (a) (this.kernels[name] as (...x: number[]) => void)(...a);
  }

  scratch(): number {
    return this.scratchAt;
  }

  dispose(): void {}
}

/** [start, end) of part t of n items split into `parts` runs of multiples of `quantum` (the last takes the rest). */
export function splitRange(n: number, parts: number, t: number, quantum = 4): [number, number] {
  const per = Math.ceil(n / parts / quantum) * quantum;
  const start = Math.min(n, t * per);
  return [start, Math.min(n, start + per)];
}

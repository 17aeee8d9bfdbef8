/**
 * The threads swprune's own kernels use on the wasm backend (src/kernels/): one WorkerRunner per
 * process, started on first use. The wasm backend's own thread pool does not start in Node, so
 * these kernels are where the second core comes from.
 *
 *   setThreads(n)   threads for the kernels from now on (default: the environment variable
 *                   SWPRUNE_THREADS when set, else the cores available)
 *   kernelRunner()  the runner (started, or restarted with the new count, on first use)
 *   setConvAlgorithm('auto' | 'direct')   3x3 convolutions through Winograd where faster, or not
 *
 * Results do not depend on the thread count beyond float rounding (src/kernels/runner.ts).
 */
import { availableParallelism } from 'node:os';
import { WorkerRunner } from '../kernels/worker-runner.js';
import { SerialRunner, type KernelRunner } from '../kernels/runner.js';

let wanted: number | undefined;
let runner: KernelRunner | undefined;

/** SWPRUNE_THREADS when it is a positive integer, else the cores this process may use (Node's availableParallelism). */
function defaultThreads(): number {
  const env = Number(process.env.SWPRUNE_THREADS);
  return Number.isInteger(env) && env >= 1 ? env : Math.max(1, availableParallelism());
}

/**
 * Sets the number of threads swprune's kernels use (the caller's thread included); undefined
 * means the default (SWPRUNE_THREADS, else the cores available). Returns the count in effect. The worker threads restart with the new count
 * when it is next used.
 */
export function setThreads(n?: number): number {
  if (n !== undefined && !(Number.isInteger(n) && n >= 1)) throw new RangeError(`threads must be a positive integer, got ${n}`);
  wanted = n;
  const count = threadCount();
  if (runner && runner.threads !== count) {
    runner.dispose();
    runner = undefined;
  }
  return count;
}

/** The thread count in effect. */
export function threadCount(): number {
  return wanted ?? defaultThreads();
}

/**
 * The kernels' runner: worker threads (started on first use). One thread, or a runtime where worker threads
 * or shared memory cannot start (e.g. a virtual-memory limit below the shared memory's 4 GiB
 * reservation), gets a SerialRunner: the same kernels on the calling thread.
 */
export function kernelRunner(): KernelRunner {
  if (!runner) {
    const threads = threadCount();
    try {
      runner = threads > 1 ? new WorkerRunner({ threads }) : new SerialRunner();
    } catch {
      runner = new SerialRunner();
    }
  }
  return runner;
}

/**
 * How swprune's kernels compute 3x3 stride-1 convolutions: 'auto' (default) through Winograd
 * F(4x4,3x3) where that measured faster than direct summation (16 or more channels in and out;
 * input gradients from 32), 'direct' always by direct summation. Both give the convolution up to
 * float32 rounding; F(4x4,3x3)'s rounding error is ~7x direct summation's (~5e-6 of the largest
 * output, docs/winograd.md). The environment variable SWPRUNE_CONV=direct sets 'direct'.
 */
export type ConvAlgorithm = 'auto' | 'direct';

let convAlgorithm: ConvAlgorithm | undefined;

export function setConvAlgorithm(a?: ConvAlgorithm): void {
  convAlgorithm = a;
}

export function getConvAlgorithm(): ConvAlgorithm {
  return convAlgorithm ?? (process.env.SWPRUNE_CONV === 'direct' ? 'direct' : 'auto');
}

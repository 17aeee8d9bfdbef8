/**
 * WorkerRunner: the kernels on `threads` threads (the caller and threads - 1 Node worker threads)
 * over one shared WebAssembly.Memory. Calls stay synchronous: the caller posts a job into a
 * control block in the shared memory, wakes the workers (Atomics.notify), computes its own part,
 * and blocks (Atomics.wait) until every worker has finished its part. Workers are started
 * (and wait until they are ready) in the constructor, and end with dispose() or the process.
 *
 * Control block (int32 at byte `ctrl`): [0] job generation, [1] kernel index, [2] argument
 * count, [3] parts done, [4] error flag, [5] workers ready; then 32 arguments per thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Heap } from './heap.js';
import { instantiateKernels, KERNEL_NAMES, kernelModule, type KernelExports, type KernelName } from './module.js';
import { SCRATCH_BYTES, type KernelRunner } from './runner.js';

const ARGS = 32;
const CONTROL_INTS = 16;
const STOP = -1;
/** A kernel's call code for the workers: its index in KERNEL_NAMES (never STOP). */
const CODE = new Map(KERNEL_NAMES.map((n, i) => [n, i]));

/** The worker: instantiate the kernels over the shared memory, then run jobs until told to stop. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { memory, module, ctrl, tid, names } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
const c = new Int32Array(memory.buffer, ctrl, ${CONTROL_INTS} + ${ARGS} * workerData.threads);
const fns = names.map((n) => k[n]);
// Read the generation before saying ready: the caller posts the first job once all are ready.
let seen = Atomics.load(c, 0);
Atomics.add(c, 5, 1);
Atomics.notify(c, 5);
for (;;) {
  let spins = 0;
  while (Atomics.load(c, 0) === seen && spins++ < 20000);
  if (Atomics.load(c, 0) === seen) Atomics.wait(c, 0, seen);
  const gen = Atomics.load(c, 0);
  if (gen === seen) continue;
  seen = gen;
  const fn = c[1];
  if (fn === ${STOP}) break;
  const base = ${CONTROL_INTS} + ${ARGS} * tid;
  if (c[base] !== -2147483648) {
    try {
      fns[fn].apply(null, Array.from(c.subarray(base, base + c[2])));
    } catch (e) {
      Atomics.store(c, 4, 1);
    }
  }
  Atomics.add(c, 3, 1);
  Atomics.notify(c, 3);
}
`;

/** Marks "no part for this thread" in its first argument slot. */
const IDLE = -2147483648;

export interface WorkerRunnerOptions {
  /** Threads including the caller (default: the cores available). */
  threads?: number;
  /** Initial memory in MiB (it grows as needed; default 16). */
  initialMiB?: number;
}

export class WorkerRunner implements KernelRunner {
  readonly threads: number;
  readonly heap: Heap;
  readonly kernels: KernelExports;
  readonly scratchBytes = SCRATCH_BYTES;
  private readonly ctrl: Int32Array;
  private readonly scratchAt: number;
  private readonly workers: Worker[] = [];
  private disposed = false;

  constructor(opts: WorkerRunnerOptions = {}) {
    this.threads = Math.max(1, Math.floor(opts.threads ?? availableParallelism()));
    const memory = new WebAssembly.Memory({ initial: Math.max(1, (opts.initialMiB ?? 16) * 16), maximum: 65536, shared: true });
    const ctrlBytes = 4 * (CONTROL_INTS + ARGS * this.threads);
    this.heap = new Heap(memory, ctrlBytes);
    this.ctrl = new Int32Array(memory.buffer, 0, ctrlBytes / 4);
    this.kernels = instantiateKernels(memory);
    this.scratchAt = this.heap.alloc((SCRATCH_BYTES / 4) * this.threads);
    const module = kernelModule(true);
    for (let tid = 1; tid < this.threads; tid++) {
      const w = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { memory, module, ctrl: 0, tid, names: KERNEL_NAMES, threads: this.threads },
      });
      w.unref();
      this.workers.push(w);
    }
    // Block until every worker has instantiated the kernels (they start on their own threads).
    const deadline = Date.now() + 30_000;
    for (let ready = Atomics.load(this.ctrl, 5); ready < this.workers.length; ready = Atomics.load(this.ctrl, 5)) {
      if (Date.now() > deadline) throw new Error(`kernel worker threads did not start (${ready} of ${this.workers.length} ready)`);
      Atomics.wait(this.ctrl, 5, ready, 100);
    }
  }

  scratch(t: number): number {
    return this.scratchAt + t * SCRATCH_BYTES;
  }

  parallel(name: KernelName, args: (t: number) => readonly number[] | null): void {
    if (this.disposed) throw new Error('the kernel worker threads are disposed');
    const c = this.ctrl;
    const own = args(0);
    if (this.threads === 1) {
      if (own) (this.kernels[name] as (...x: number[]) => void)(...own);
      return;
    }
    let count = own?.length ?? 0;
    for (let t = 1; t < this.threads; t++) {
      const a = args(t);
      const base = CONTROL_INTS + ARGS * t;
      if (!a) {
        c[base] = IDLE;
        continue;
      }
      if (a.length > ARGS) throw new Error(`kernel ${name}: ${a.length} arguments, at most ${ARGS}`);
      for (let i = 0; i < a.length; i++) c[base + i] = a[i]!;
      count = a.length;
    }
    const code = CODE.get(name);
    if (code === undefined) throw new Error(`no kernel ${String(name)} in KERNEL_FUNCTIONS`);
    c[1] = code;
    c[2] = count;
    c[3] = 0;
    c[4] = 0;
    Atomics.add(c, 0, 1);
    Atomics.notify(c, 0);
    let error: unknown;
    try {
      if (own) (this.kernels[name] as (...x: number[]) => void)(...own);
    } catch (e) {
      error = e;
    }
    const workers = this.workers.length;
    for (let done = Atomics.load(c, 3); done < workers; done = Atomics.load(c, 3)) Atomics.wait(c, 3, done);
    if (error) throw error;
    if (c[4]) throw new Error(`kernel ${name} failed in a worker thread`);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.ctrl[1] = STOP;
    Atomics.add(this.ctrl, 0, 1);
    Atomics.notify(this.ctrl, 0);
    for (const w of this.workers) void w.terminate();
  }
}

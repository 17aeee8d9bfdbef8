/**
 * Batches across threads: the calling thread and threads - 1 workers, each with its own
 * instance of the module and its own memory, take contiguous slices of the batch. Every image
 * is computed by the same code whichever thread runs it, so results do not depend on the
 * thread count.
 */
import { SwpruneError } from '../errors.js';
import type { Engine } from './engine.js';
import type { Plan } from './plan/layout.js';
import { startWorker, type Port } from './platform.js';
import { timeDescriptors } from './profile.js';

interface Pending {
  resolve(out: never): void;
  reject(e: Error): void;
}

/**
 * Worker threads kept for one runtime after another (each loadBundle/loadGraph given them plans
 * its network into them, instead of starting threads): what evaluation during training uses,
 * where a new runtime is planned for every evaluation. `close()` stops them.
 */
export class RuntimeWorkers {
  private constructor(readonly ports: readonly Port[]) {}

  /** `count` started workers. */
  static async start(count: number): Promise<RuntimeWorkers> {
    return new RuntimeWorkers(await Promise.all(Array.from({ length: count }, () => startWorker())));
  }

  async close(): Promise<void> {
    await Promise.all(this.ports.map((p) => p.terminate?.()));
  }
}

export class ThreadPool {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly unsubscribe: (() => void)[];
  /** Why the pool can no longer run (a worker stopped), once it cannot. */
  private stopped: Error | undefined;

  private constructor(
    private readonly engine: Engine,
    private readonly plan: Plan,
    readonly ports: readonly Port[],
    private readonly owned: boolean,
  ) {
    this.unsubscribe = ports.flatMap((p) => [
      p.onMessage((m) => {
        const msg = m as { kind: string; id: number; output?: Float32Array; times?: { ops: number[]; ms: number[] }; error?: string };
        if (msg.kind !== 'done' && msg.kind !== 'profiled') return;
        const job = this.pending.get(msg.id);
        if (!job) return;
        this.pending.delete(msg.id);
        if (msg.error) job.reject(new Error(msg.error));
        else job.resolve((msg.output ?? msg.times) as never);
      }),
      ...(p.onExit ? [p.onExit((reason) => this.stop(workerStopped(reason)))] : []),
    ]);
  }

  /** Fails the calls in flight and every later one with `e`. */
  private stop(e: Error): void {
    this.stopped ??= e;
    for (const job of this.pending.values()) job.reject(this.stopped);
    this.pending.clear();
  }

  /**
   * The calling thread's engine plus threads - 1 workers given the same module and plan: the
   * first threads - 1 of `workers` when given (they stay running after close), else new ones.
   */
  static async create(
    engine: Engine,
    module: WebAssembly.Module,
    plan: Plan,
    threads: number,
    workers?: RuntimeWorkers,
  ): Promise<ThreadPool> {
    const count = Math.max(0, threads - 1);
    if (workers && workers.ports.length < count)
      throw new RangeError(`${threads} threads need ${count} workers; ${workers.ports.length} were given`);
    const ports = await Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const port = workers ? workers.ports[i]! : await startWorker();
        let off = () => {};
        await new Promise<void>((resolve, reject) => {
          off = port.onMessage((m) => {
            const msg = m as { kind: string; message?: string };
            if (msg.kind === 'ready') resolve();
            else if (msg.kind === 'error') reject(new Error(msg.message));
          });
          port.postMessage({ kind: 'init', module, plan });
        }).finally(() => off());
        return port;
      }),
    );
    return new ThreadPool(engine, plan, ports, !workers);
  }

  get threads(): number {
    return this.ports.length + 1;
  }

  /** n images split into contiguous slices, one per thread; the calling thread runs the first. */
  async run(input: Float32Array, n: number): Promise<Float32Array> {
    if (this.stopped) throw this.stopped;
    const perIn = this.plan.input.perImage;
    const perOut = this.plan.output.perImage;
    const parts = Math.min(this.threads, n);
    const bounds = Array.from({ length: parts + 1 }, (_, i) => Math.round((i * n) / parts));
    const out = new Float32Array(n * perOut);
    const jobs = this.ports.slice(0, parts - 1).map((port, i) => {
      const [a, b] = [bounds[i + 1]!, bounds[i + 2]!];
      const id = this.nextId++;
      const slice = input.slice(a * perIn, b * perIn);
      return new Promise<Float32Array>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        port.postMessage({ kind: 'run', id, input: slice, n: b - a }, [slice.buffer]);
      }).then((y) => out.set(y, a * perOut));
    });
    this.engine.run(input.subarray(0, bounds[1]! * perIn), bounds[1]!, out.subarray(0, bounds[1]! * perOut));
    await Promise.all(jobs);
    return out;
  }

  /**
   * Each thread times the steps of its slice of n images (profile.ts, timeDescriptors), all at
   * once; resolves to the calling thread's times (the first slice).
   */
  async profile(input: Float32Array, n: number, reps: number): Promise<{ ops: number[]; ms: number[] }> {
    if (this.stopped) throw this.stopped;
    const perIn = this.plan.input.perImage;
    const parts = Math.min(this.threads, n);
    const bounds = Array.from({ length: parts + 1 }, (_, i) => Math.round((i * n) / parts));
    const jobs = this.ports.slice(0, parts - 1).map((port, i) => {
      const [a, b] = [bounds[i + 1]!, bounds[i + 2]!];
      const id = this.nextId++;
      const slice = input.slice(a * perIn, b * perIn);
      return new Promise<unknown>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        port.postMessage({ kind: 'profile', id, input: slice, n: b - a, reps }, [slice.buffer]);
      });
    });
    const own = timeDescriptors(this.engine, this.plan, input, bounds[1]!, reps);
    await Promise.all(jobs);
    return own;
  }

  async close(): Promise<void> {
    for (const off of this.unsubscribe) off();
    if (this.owned) await Promise.all(this.ports.map((p) => p.terminate?.()));
    this.stop(new Error('the runtime was closed'));
  }
}

/**
 * The error of every call after a runtime's worker thread stopped (the runtime cannot run
 * without it): the environment's failure (a killed thread, memory), E_WORKER, not a bug.
 */
export const workerStopped = (reason: string): SwpruneError =>
  new SwpruneError('E_WORKER', `a runtime worker thread stopped (${reason}); the runtime cannot run without it: load the model again`);

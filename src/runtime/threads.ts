/**
 * Batches across threads: the calling thread and threads - 1 workers, each with its own
 * instance of the module and its own memory, take contiguous slices of the batch. Every image
 * is computed by the same code whichever thread runs it, so results do not depend on the
 * thread count.
 */
import type { Engine } from './engine.js';
import type { Plan } from './plan/layout.js';
import { startWorker, type Port } from './platform.js';

interface Pending { resolve(out: Float32Array): void; reject(e: Error): void }

export class ThreadPool {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  private constructor(private readonly engine: Engine, private readonly plan: Plan, private readonly ports: Port[]) {
    for (const p of ports) {
      p.onMessage((m) => {
        const msg = m as { kind: string; id: number; output?: Float32Array; error?: string };
        if (msg.kind !== 'done') return;
        const job = this.pending.get(msg.id)!;
        this.pending.delete(msg.id);
        if (msg.error) job.reject(new Error(msg.error));
        else job.resolve(msg.output!);
      });
    }
  }

  /** The calling thread's engine plus threads - 1 workers given the same module and plan. */
  static async create(engine: Engine, module: WebAssembly.Module, plan: Plan, threads: number): Promise<ThreadPool> {
    const ports = await Promise.all(Array.from({ length: Math.max(0, threads - 1) }, async () => {
      const port = await startWorker();
      await new Promise<void>((resolve, reject) => {
        port.onMessage((m) => {
          const msg = m as { kind: string; message?: string };
          if (msg.kind === 'ready') resolve();
          else if (msg.kind === 'error') reject(new Error(msg.message));
        });
        port.postMessage({ kind: 'init', module, plan });
      });
      return port;
    }));
    return new ThreadPool(engine, plan, ports);
  }

  get threads(): number {
    return this.ports.length + 1;
  }

  /** n images split into contiguous slices, one per thread; the calling thread runs the first. */
  async run(input: Float32Array, n: number): Promise<Float32Array> {
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

  async close(): Promise<void> {
    await Promise.all(this.ports.map((p) => p.terminate?.()));
    for (const job of this.pending.values()) job.reject(new Error('the runtime was closed'));
    this.pending.clear();
  }
}

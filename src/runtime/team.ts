/**
 * Small batches across threads: the calling thread and threads - 1 workers run each call
 * together in one shared memory, on a plan laid out for that many threads (layout's `threads`;
 * runtime.wat, Threads): every Winograd layer's output channels and every dense layer's blocks
 * of output channels are split between them, and barriers in their programs keep them in step.
 * This is what batch 1 needs: ThreadPool splits a batch by images, which leaves threads idle
 * when there are fewer images than threads. Which thread computes a value never changes how,
 * so results do not depend on the thread count.
 *
 * Node only: the calling thread waits at the barriers (memory.atomic.wait32), which a
 * browser's main thread may not do.
 */
import { Engine, runtimeModule, sharedMemory } from './engine.js';
import type { Plan } from './plan/layout.js';
import type { Port } from './platform.js';
import { workerStopped } from './threads.js';

/** Messages a worker takes (worker.ts). */
export type TeamMessage =
  | { kind: 'team-init'; module: WebAssembly.Module; memory: WebAssembly.Memory; plan: Plan; thread: number }
  | { kind: 'team-run'; id: number; n: number }
  | { kind: 'team-close' };

/** The barrier state's words (i32 index in memory): arrived, generation, failed. */
const stateOf = (plan: Plan, memory: WebAssembly.Memory) => new Int32Array(memory.buffer, plan.barrier, 3);
/** The `failed` word's values (runtime.wat, op 9): a thread trapped; a thread waited too long at a barrier. */
const FAILED = { trap: 1, timeout: 2 } as const;

/** Marks the call failed and wakes every thread waiting at a barrier: they run to the ends of their programs. */
export function failTeam(plan: Plan, memory: WebAssembly.Memory): void {
  const state = stateOf(plan, memory);
  Atomics.store(state, 2, FAILED.trap);
  Atomics.notify(state, 1);
}

export class Team {
  private nextId = 0;
  private failure: string | undefined;
  /** Why the team can no longer run (a worker stopped, or stopped answering), once it cannot. */
  private stopped: Error | undefined;
  private readonly unsubscribe: (() => void)[];

  private constructor(private readonly plan: Plan, private readonly engine: Engine, private readonly ports: readonly Port[]) {
    this.unsubscribe = ports.flatMap((p) => [
      p.onMessage((m) => {
        const msg = m as { kind: string; error?: string };
        if (msg.kind === 'team-error') this.failure ??= msg.error;
      }),
      ...(p.onExit ? [p.onExit((reason) => void (this.stopped ??= workerStopped(reason)))] : []),
    ]);
  }

  /** The calling thread and `ports` (plan.threads - 1 workers) on a plan for plan.threads threads. */
  static async create(plan: Plan, ports: readonly Port[]): Promise<Team> {
    if (ports.length !== plan.threads - 1) throw new RangeError(`a plan for ${plan.threads} threads needs ${plan.threads - 1} workers; ${ports.length} were given`);
    const module = await runtimeModule(true);
    const memory = sharedMemory(plan);
    const engine = await Engine.attach(plan, module, memory);
    await Promise.all(ports.map((port, i) => new Promise<void>((resolve, reject) => {
      const off = port.onMessage((m) => {
        const msg = m as { kind: string; message?: string };
        if (msg.kind === 'team-ready') resolve();
        else if (msg.kind === 'team-error') reject(new Error(msg.message));
        else return;
        off();
      });
      port.postMessage({ kind: 'team-init', module, memory, plan, thread: i + 1 } satisfies TeamMessage);
    })));
    return new Team(plan, engine, ports);
  }

  /** n images (n * perImage floats); resolves to n * outputs floats. */
  async run(input: Float32Array, n: number): Promise<Float32Array> {
    if (this.stopped) throw this.stopped;
    const { plan, engine } = this;
    const state = stateOf(plan, engine.memory);
    this.failure = undefined;
    let out: Float32Array;
    try {
      out = engine.run(input, n, undefined, (m) => {
        Atomics.store(state, 0, 0);
        Atomics.store(state, 2, 0);
        const id = this.nextId++;
        for (const port of this.ports) port.postMessage({ kind: 'team-run', id, n: m } satisfies TeamMessage);
      });
    } catch (e) {
      failTeam(plan, engine.memory);
      throw e;
    }
    if (Atomics.load(state, 2) === FAILED.timeout) {
      // A barrier timed out: a worker stopped answering mid-call (runtime.wat, op 9).
      this.stopped ??= workerStopped('it did not reach a barrier of a call in time');
      throw this.stopped;
    }
    if (Atomics.load(state, 2)) {
      // A worker failed: its message says why (it is on its way).
      for (let i = 0; i < 100 && this.failure === undefined; i++) await new Promise((r) => setTimeout(r, 10));
      throw new Error(`a runtime thread failed: ${this.failure ?? 'unknown error'}`);
    }
    return out;
  }

  close(): void {
    for (const off of this.unsubscribe) off();
    for (const port of this.ports) port.postMessage({ kind: 'team-close' } satisfies TeamMessage);
  }
}

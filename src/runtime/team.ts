/**
 * Small batches across threads: the calling thread and threads - 1 workers run each call
 * together in one shared memory, on a plan laid out for that many threads (layout's `threads`;
 * runtime.wat, Threads): every Winograd layer's tiles (or its input channels to transform and
 * output channels to compute, meeting at a barrier between the two: layout.ts winogradShare),
 * every dense layer's blocks of output channels and every pooling's output rows are split
 * between them, and barriers in their programs keep them in step.
 * This is what batch 1 needs: ThreadPool splits a batch by images, which leaves threads idle
 * when there are fewer images than threads. Which thread computes a value never changes how,
 * so results do not depend on the thread count.
 *
 * A call starts the workers through shared memory when they are listening for one (a worker
 * keeps listening for LISTEN_MS after each call, asleep in Atomics.wait), else by a message: a
 * message wakes a worker's event loop, which on this 2-vCPU VM took 70-170 us (median) and up
 * to milliseconds, against 20-100 us for a notify. Listening does not spin: a spinning thread
 * takes a core from whatever else runs (V8's background compiler, other processes), and a team
 * waits for its slowest thread. While it listens, a worker's event loop is blocked: `release()` sends it back to it
 * before anything else is posted to it (a batch split by images, close).
 *
 * Node only: the calling thread waits at the barriers (memory.atomic.wait32), which a
 * browser's main thread may not do.
 */
import { Engine, runtimeModule, sharedMemory } from './engine.js';
import { median, OP } from './profile.js';
import type { Plan } from './plan/layout.js';
import type { Port } from './platform.js';
import { workerStopped } from './threads.js';

/** Messages a worker takes (worker.ts). */
export type TeamMessage =
  | { kind: 'team-init'; module: WebAssembly.Module; memory: WebAssembly.Memory; plan: Plan; thread: number; control: SharedArrayBuffer }
  /** `segment`: that segment's program only (a profile runs one step at a time). */
  | { kind: 'team-run'; id: number; n: number; segment?: number }
  | { kind: 'team-close' };

/** The barrier state's words (i32 index in memory): arrived, generation, failed. */
const stateOf = (plan: Plan, memory: WebAssembly.Memory) => new Int32Array(memory.buffer, plan.barrier, 3);
/** The `failed` word's values (runtime.wat, op 9): a thread trapped; a thread waited too long at a barrier. */
const FAILED = { trap: 1, timeout: 2 } as const;

/**
 * Where a worker is between calls: its word in the team's control words (`CALL_SLOT` i32 per
 * worker: state, n, segment (-1: all), call id). `away`: in its event loop (start it by a
 * message); `listening`: waiting in shared memory (the caller writes the call and swaps in `go`);
 * `busy`: running a call; `leave`: running one, back to its event loop after it; `go` also
 * while running one: the next call is waiting for it.
 */
export const CALL = { away: 0, listening: 1, go: 2, busy: 3, leave: 4 } as const;
export const CALL_SLOT = 4;
/** How long a worker listens for the next call after one, asleep in Atomics.wait (then it goes back to its event loop). */
export const LISTEN_MS = 250;

/** Steps whose work a team shares out (plan/layout.ts's SHARED_WORK): the others run on thread 0 alone. */
const SHARED_OPS: ReadonlySet<number> = new Set([OP.winograd, OP.conv, OP.pool, OP.sparseConv]);

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

  private constructor(
    private readonly plan: Plan,
    private readonly engine: Engine,
    private readonly ports: readonly Port[],
    private readonly control: Int32Array,
  ) {
    this.unsubscribe = ports.flatMap((p) => [
      p.onMessage((m) => {
        const msg = m as { kind: string; error?: string };
        if (msg.kind === 'team-error') this.failure ??= msg.error;
      }),
      ...(p.onExit
        ? [
            p.onExit((reason) => {
              this.stopped ??= workerStopped(reason);
            }),
          ]
        : []),
    ]);
  }

  /** The calling thread and `ports` (plan.threads - 1 workers) on a plan for plan.threads threads. */
  static async create(plan: Plan, ports: readonly Port[]): Promise<Team> {
    if (ports.length !== plan.threads - 1)
      throw new RangeError(`a plan for ${plan.threads} threads needs ${plan.threads - 1} workers; ${ports.length} were given`);
    const module = await runtimeModule(true);
    const memory = sharedMemory(plan);
    const engine = await Engine.attach(plan, module, memory);
    const control = new SharedArrayBuffer(4 * CALL_SLOT * ports.length);
    await Promise.all(
      ports.map(
        (port, i) =>
          new Promise<void>((resolve, reject) => {
            const off = port.onMessage((m) => {
              const msg = m as { kind: string; message?: string };
              if (msg.kind === 'team-ready') resolve();
              else if (msg.kind === 'team-error') reject(new Error(msg.message));
              else return;
              off();
            });
            port.postMessage({ kind: 'team-init', module, memory, plan, thread: i + 1, control } satisfies TeamMessage);
          }),
      ),
    );
    return new Team(plan, engine, ports, new Int32Array(control));
  }

  /** Starts the workers on a call of n images (`segment`: that segment's program only): through shared memory where one listens, else by a message. */
  private start(n: number, segment?: number): void {
    const state = stateOf(this.plan, this.engine.memory);
    Atomics.store(state, 0, 0);
    Atomics.store(state, 2, 0);
    const ints = new Int32Array(this.engine.memory.buffer);
    for (const at of this.plan.counters) Atomics.store(ints, at / 4, 0);
    const id = this.nextId++;
    const c = this.control;
    this.ports.forEach((port, i) => {
      const at = i * CALL_SLOT;
      c[at + 1] = n;
      c[at + 2] = segment ?? -1;
      c[at + 3] = id;
      // Listening: it takes the call at once. Busy (on its way out of the last call's final
      // barrier): it takes the call when it is done; no waiting for it here (under load that wait
      // cost more than the call). Else it is in its event loop: a message.
      for (;;) {
        const was = Atomics.compareExchange(c, at, CALL.listening, CALL.go);
        if (was === CALL.listening) Atomics.notify(c, at);
        else if (was === CALL.busy && Atomics.compareExchange(c, at, CALL.busy, CALL.go) !== CALL.busy) continue;
        else if (was !== CALL.busy) port.postMessage({ kind: 'team-run', id, n, segment } satisfies TeamMessage);
        break;
      }
    });
  }

  /** How many workers are listening for the next call in shared memory (the rest take it by a message). */
  listening(): number {
    let k = 0;
    for (let at = 0; at < this.control.length; at += CALL_SLOT) if (Atomics.load(this.control, at) === CALL.listening) k++;
    return k;
  }

  /** Sends the workers listening for a call back to their event loops (before anything is posted to them). */
  release(): void {
    const c = this.control;
    for (let at = 0; at < c.length; at += CALL_SLOT) {
      for (;;) {
        const s = Atomics.load(c, at);
        if (s === CALL.listening && Atomics.compareExchange(c, at, CALL.listening, CALL.away) === CALL.listening) {
          Atomics.notify(c, at);
          break;
        }
        if (s === CALL.busy && Atomics.compareExchange(c, at, CALL.busy, CALL.leave) === CALL.busy) break;
        // Away or leaving already; or go, a call it never took (it stopped): nothing to send back.
        if (s !== CALL.listening && s !== CALL.busy) break;
      }
    }
  }

  /** n images (n * perImage floats); resolves to n * outputs floats. */
  async run(input: Float32Array, n: number): Promise<Float32Array> {
    if (this.stopped) throw this.stopped;
    const { plan, engine } = this;
    const state = stateOf(plan, engine.memory);
    this.failure = undefined;
    let out: Float32Array;
    try {
      out = engine.run(input, n, undefined, (m) => this.start(m));
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

  /**
   * Milliseconds of each of thread 0's descriptors (barriers left out, program order) per call
   * of n images, the median of `reps` after one untimed run. A step that shares its work out
   * runs on every thread, its programs made of that step alone: the threads first meet at a
   * barrier (so the workers are running when the clock starts), then the calling thread times
   * the step up to the barrier after it. The other steps run on thread 0 alone.
   */
  profile(input: Float32Array, n: number, reps: number): { ops: number[]; ms: number[] } {
    if (this.stopped) throw this.stopped;
    const { plan, engine } = this;
    const state = stateOf(plan, engine.memory);
    const threads = plan.threads;
    // Per segment, each thread's program cut after each barrier; every thread has the same barriers.
    const phases = plan.segments.map((_, seg) =>
      Array.from({ length: threads }, (_, t) => {
        const cut: number[][] = [[]];
        for (const d of engine.entries(seg, t)) {
          cut.at(-1)!.push(d);
          if (engine.opOf(d) === OP.barrier) cut.push([]);
        }
        return cut;
      }),
    );
    const ops: number[] = [];
    const times: number[][] = [];
    for (let r = 0; r <= reps; r++) {
      engine.load(input, n);
      let k = 0;
      const record = (op: number, ms: number) => {
        if (r === 0) {
          ops.push(op);
          times.push([]);
        } else times[k]!.push(ms);
        k++;
      };
      phases.forEach((perThread, seg) => {
        const { programs, sub } = plan.segments[seg]!;
        perThread[0]!.forEach((own, p) => {
          const work = own.filter((d) => engine.opOf(d) !== OP.barrier);
          const barrier = own.at(-1);
          if (!work.some((d) => SHARED_OPS.has(engine.opOf(d))) || barrier === undefined || engine.opOf(barrier) !== OP.barrier) {
            for (const d of work) {
              engine.withEntries(seg, 0, [d], () => {
                const t0 = performance.now();
                engine.runProgram(programs[0]!, sub, n);
                record(engine.opOf(d), performance.now() - t0);
              });
            }
            return;
          }
          if (work.length !== 1) throw new Error(`profile: a team step shares ${work.length} descriptors`);
          const others = perThread.slice(1).map((cut, t) => ({ t: t + 1, list: [barrier, ...cut[p]!] }));
          const timed = () => {
            this.start(n, seg);
            engine.withEntries(seg, 0, [barrier], () => engine.runProgram(programs[0]!, sub, n));
            const t0 = performance.now();
            engine.withEntries(seg, 0, own, () => engine.runProgram(programs[0]!, sub, n));
            record(engine.opOf(work[0]!), performance.now() - t0);
          };
          // Every other thread's program of this segment made of the barrier and its part of the step, then put back.
          const withOthers = (i: number): void =>
            i < others.length ? engine.withEntries(seg, others[i]!.t, others[i]!.list, () => withOthers(i + 1)) : timed();
          withOthers(0);
          if (Atomics.load(state, 2))
            throw this.stopped ?? new Error(`a runtime thread failed while profiling: ${this.failure ?? 'unknown error'}`);
        });
      });
    }
    return { ops, ms: times.map(median) };
  }

  close(): void {
    for (const off of this.unsubscribe) off();
    this.release();
    for (const port of this.ports) port.postMessage({ kind: 'team-close' } satisfies TeamMessage);
  }
}

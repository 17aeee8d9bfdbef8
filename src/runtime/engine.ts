/**
 * One instance of the runtime's WebAssembly module with a plan's memory image: copies a batch
 * in, calls `run`, copies the outputs out. Batches larger than the plan's run in several calls;
 * every image's result is computed the same way whatever the batch, so results do not depend
 * on how a batch is split (across calls or threads).
 */
import type { Plan } from './plan/layout.js';
import { runtimeRelaxedWasmBase64, runtimeWasmBase64 } from './wasm/runtime-module.js';
import { runtimeSharedRelaxedWasmBase64, runtimeSharedWasmBase64 } from './wasm/runtime-shared-module.js';

interface Exports {
  readonly memory: WebAssembly.Memory;
  run(program: number, n: number, first: number): void;
}

const compiled = new Map<boolean, Promise<WebAssembly.Module>>();

const bytesOf = (b64: string): Uint8Array<ArrayBuffer> => {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
};

let relaxed: boolean | undefined;

/**
 * Whether the runtime runs its relaxed-SIMD builds (the kernels' multiply-adds fused,
 * `f32x4.relaxed_madd`): when this engine validates them (Node 21+ and current browsers by
 * default; Node 20 with --experimental-wasm-relaxed-simd), else the plain-SIMD builds. Decided
 * once per thread, before the first module is compiled; the workers run the modules it sends.
 */
export function relaxedSimd(): boolean {
  relaxed ??= WebAssembly.validate(bytesOf(runtimeRelaxedWasmBase64));
  return relaxed;
}

/**
 * The module, compiled once per thread (asynchronously: browsers refuse to compile large
 * modules synchronously); `shared`: the build that imports a shared memory (plans for several
 * threads). Relaxed SIMD where the engine has it (relaxedSimd).
 */
export function runtimeModule(shared = false): Promise<WebAssembly.Module> {
  let m = compiled.get(shared);
  if (!m) {
    const r = relaxedSimd();
    m = WebAssembly.compile(
      bytesOf(shared ? (r ? runtimeSharedRelaxedWasmBase64 : runtimeSharedWasmBase64) : r ? runtimeRelaxedWasmBase64 : runtimeWasmBase64),
    );
    compiled.set(shared, m);
  }
  return m;
}

/** A shared memory holding a plan for several threads (plan.threads > 1), its image written. */
export function sharedMemory(plan: Plan): WebAssembly.Memory {
  const memory = new WebAssembly.Memory({ initial: plan.memoryBytes / 65536, maximum: 32768, shared: true });
  const bytes = new Uint8Array(memory.buffer);
  for (const run of plan.image) bytes.set(run.bytes, run.at);
  return memory;
}

/**
 * Instances released by closed runtimes on this thread, by module, for the next engine: a
 * runtime planned for every evaluation during training would otherwise leave the garbage
 * collector a WebAssembly memory of megabytes per evaluation (measured: more time in the
 * collector than in the kernels on a `sensitivity` run).
 */
const idle = new WeakMap<WebAssembly.Module, Exports>();

export class Engine {
  private closed = false;
  private constructor(
    private readonly plan: Plan,
    private readonly e: Exports,
    private readonly module: WebAssembly.Module,
    private readonly reusable = true,
  ) {}

  static async create(plan: Plan, module?: WebAssembly.Module): Promise<Engine> {
    const m = module ?? (await runtimeModule());
    let e = idle.get(m);
    idle.delete(m);
    e ??= (await WebAssembly.instantiate(m, {})).exports as unknown as Exports;
    const pages = plan.memoryBytes / 65536 - e.memory.buffer.byteLength / 65536;
    if (pages > 0) e.memory.grow(pages);
    const bytes = new Uint8Array(e.memory.buffer);
    // Outside the image's runs the plan expects zeros (activation borders, padding).
    bytes.fill(0, 0, plan.memoryBytes);
    for (const run of plan.image) bytes.set(run.bytes, run.at);
    return new Engine(plan, e, m);
  }

  /** Thread `thread`'s engine on a plan for several threads in `memory` (sharedMemory; the module runtimeModule(true)). */
  static async attach(plan: Plan, module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<Engine> {
    const e = (await WebAssembly.instantiate(module, { env: { memory } })).exports as unknown as Exports;
    return new Engine(plan, e, module, false);
  }

  /**
   * Runs this thread's programs on images 0..n-1 of the plan's batch in memory (n <= batch):
   * with several threads, each runs this with its own index at the same time.
   */
  runPrograms(n: number, thread: number, segment?: number): void {
    const { plan } = this;
    plan.segments.forEach((seg, i) => {
      if (segment === undefined || segment === i) this.runProgram(seg.programs[thread]!, seg.sub, n);
    });
  }

  /** Runs the program at `program` on images 0..n-1, `sub` images per call. */
  runProgram(program: number, sub: number, n: number): void {
    for (let first = 0; first < n; first += sub) this.e.run(program, Math.min(sub, n - first), first);
  }

  /** Copies n images (n <= plan.batch) into the plan's input area, as run does before the programs. */
  load(input: Float32Array, n: number): void {
    new Float32Array(this.e.memory.buffer).set(input.subarray(0, n * this.plan.input.perImage), this.plan.input.address / 4);
  }

  /** The descriptor addresses of thread `thread`'s program of segment `segment`, in order. */
  entries(segment: number, thread: number): number[] {
    const at = this.plan.segments[segment]!.programs[thread]! / 4;
    const ints = new Int32Array(this.e.memory.buffer);
    return Array.from(ints.subarray(at + 1, at + 1 + ints[at]!));
  }

  /** The kernel a descriptor calls (its first word: runtime.wat's op number). */
  opOf(descriptor: number): number {
    return new Int32Array(this.e.memory.buffer)[descriptor / 4]!;
  }

  /**
   * Runs `body` with thread `thread`'s program of segment `segment` made of `entries` alone (at
   * most as many as it has), then puts the program back: how a profile runs one step at a time.
   */
  withEntries<T>(segment: number, thread: number, entries: readonly number[], body: () => T): T {
    const at = this.plan.segments[segment]!.programs[thread]! / 4;
    const ints = new Int32Array(this.e.memory.buffer);
    const saved = ints.slice(at, at + 1 + ints[at]!);
    if (entries.length > saved.length - 1) throw new RangeError(`a program of ${saved.length - 1} entries cannot hold ${entries.length}`);
    ints[at] = entries.length;
    ints.set(entries, at + 1);
    try {
      return body();
    } finally {
      ints.set(saved, at);
    }
  }

  /** The memory's bytes (a shared plan's barrier state is read and reset through it). */
  get memory(): WebAssembly.Memory {
    return this.e.memory;
  }

  /** Gives the instance back for the next engine on this thread; the engine cannot run after it. */
  release(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.reusable) idle.set(this.module, this.e);
  }

  /**
   * Runs n images (input: n * perImage floats in the network's input layout); returns n * outputs
   * floats. `start(m)`, when given, is called once the next m images are in memory, before this
   * thread runs them (a plan for several threads starts the others there).
   */
  run(input: Float32Array, n: number, into?: Float32Array, start?: (m: number) => void): Float32Array {
    const { plan } = this;
    if (this.closed) throw new Error('the runtime was closed');
    const perIn = plan.input.perImage;
    const perOut = plan.output.perImage;
    if (input.length < n * perIn) throw new RangeError(`expected ${n * perIn} input values for ${n} images, got ${input.length}`);
    const out = into ?? new Float32Array(n * perOut);
    const mem = new Float32Array(this.e.memory.buffer);
    for (let begin = 0; begin < n; begin += plan.batch) {
      const m = Math.min(plan.batch, n - begin);
      mem.set(input.subarray(begin * perIn, (begin + m) * perIn), plan.input.address / 4);
      start?.(m);
      this.runPrograms(m, 0);
      const at = plan.output.address / 4;
      if (plan.output.stride === perOut) out.set(mem.subarray(at, at + m * perOut), begin * perOut);
      else
        for (let i = 0; i < m; i++)
          out.set(mem.subarray(at + i * plan.output.stride, at + i * plan.output.stride + perOut), (begin + i) * perOut);
    }
    return out;
  }
}

/**
 * swprune/runtime: runs a .swb bundle (docs/bundle.md) in Node or a browser with no other
 * dependency — no TensorFlow.js, no protobuf library. The whole network runs in one
 * WebAssembly module (SIMD): the sparse Winograd layers visit only their nonzero weights; every
 * other layer runs dense; batch norm is folded and activations, residual adds are fused into
 * the kernels that write them; activation memory is planned once, when the bundle is loaded.
 *
 *   import { loadBundle } from 'swprune/runtime';
 *   const model = await loadBundle(bytes, { threads: 2 });
 *   const logits = await model.run(images, n);   // n images, NCHW float32, normalised
 *
 * See docs/runtime.md.
 */
import { SwpruneError } from '../errors.js';
import { cleanUpGraph } from '../graph/cleanup/index.js';
import type { Graph } from '../graph/ir.js';
import { validateGraph } from '../graph/validate.js';
import { BundleFormatError, decodeBundle, type BundleData, type WinogradLayers } from '../bundle/decode.js';
import { isFaster, raceTimes, SPLIT_WATCH, splitFrom, Watch } from './choose.js';
import { decodeOnnx, OnnxFormatError, type ExternalData } from './decode-onnx.js';
import { chooseKernels } from './kernels.js';
import { Engine, runtimeModule } from './engine.js';
import { layout, type Plan } from './plan/layout.js';
import { lower, type Lowered } from './plan/lower.js';
import { isNode } from './platform.js';
import {
  median,
  profileOf,
  timeDescriptors,
  transformShares,
  withoutWinogradWeights,
  type ProfileMode,
  type RuntimeProfile,
} from './profile.js';
import { Team } from './team.js';
import { RuntimeWorkers, ThreadPool } from './threads.js';

export interface RuntimeOptions {
  /**
   * Threads: the calling thread plus threads - 1 workers (default 1). A batch is split by
   * images between them where that pays (`split`); a call of fewer images than threads runs
   * with all of them on each layer where that pays (`team`). Results do not depend on it.
   */
  readonly threads?: number;
  /** Images per call into the module (default: 64 for networks with megabytes of weights, else as many as keep the activations in about 4 MiB). */
  readonly batch?: number;
  /** Worker threads to plan the network into instead of starting new ones (RuntimeWorkers.start; they keep running after close). */
  readonly workers?: RuntimeWorkers;
  /**
   * Calls of fewer images than threads (batch 1 on 2 threads) run with every thread on each
   * layer (a Team, team.ts) instead of on one thread. Default: in Node, for networks with
   * megabytes of weights, when a team answers one image reliably sooner, measured at load; in
   * steady use such a call runs on the calling thread while the team is measured slower (a
   * Watch, choose.ts: the machine got busy). `true`: always the team. Ignored in browsers
   * (their main thread may not wait at a barrier).
   */
  readonly team?: boolean;
  /**
   * Calls of at least this many images are split by images between the threads; smaller ones
   * run on the calling thread (or as a team). Default: measured at load, the smallest call size
   * at which splitting answered reliably sooner than one thread (choose.ts, splitFrom); never,
   * if it did not even at `batch` images; and in steady use, call sizes at which a split is
   * measured slower run on the calling thread (a Watch per power of two of the size). Given:
   * exactly this, unwatched.
   */
  readonly split?: number;
  /**
   * How each layer's kernel is chosen where it has two (kernels.ts): 'measure' (default) times
   * both on the network's own layers when it is loaded (once per layer shape in a process);
   * 'rules' takes the size rules' choice without timing (a plan that does not depend on the machine).
   */
  readonly kernels?: 'measure' | 'rules';
}

export interface Runtime {
  /** One image as the network takes it, e.g. [1, 28, 28] (NCHW) or [28, 28, 1] (NHWC). */
  readonly inputShape: readonly number[];
  readonly inputLayout: 'NCHW' | 'NHWC';
  /** One image's output, e.g. [10]. */
  readonly outputShape: readonly number[];
  readonly threads: number;
  /** Images per call into the module. */
  readonly batch: number;
  /** Whether calls of fewer images than threads run as a team (RuntimeOptions.team). */
  readonly team: boolean;
  /** Calls of at least this many images are split by images between the threads (RuntimeOptions.split); null: none are (one thread, or splitting was never faster). */
  readonly splitFrom: number | null;
  /** Bytes of WebAssembly memory per thread (weights, activations, scratch). */
  readonly memoryBytes: number;
  /** One line per kernel call, in order (what each layer became). */
  readonly steps: readonly string[];
  /** Runs n images (n * inputShape floats, row-major); resolves to n * outputShape floats. */
  run(input: Float32Array, n?: number): Promise<Float32Array>;
  /** The same on the calling thread alone, synchronously. */
  runSync(input: Float32Array, n?: number): Float32Array;
  /**
   * Where a call of `images` images spends its time (profile.ts): each step timed on its own,
   * on the threads a call of that size runs on, and the steps summed by kind of kernel.
   * `input`: the images (default: blank ones); `reps`: timed repetitions, the median counts (default 5).
   */
  profile(images: number, opts?: { readonly input?: Float32Array; readonly reps?: number }): Promise<RuntimeProfile>;
  /** Stops the worker threads it started (`workers` given in the options keep running). */
  close(): Promise<void>;
}

/** Weights of a network "with megabytes of weights" (the batch and team defaults). */
const LARGE = 2 * 2 ** 20;

const weightBytes = (l: Lowered): number =>
  l.steps.reduce(
    (sum, s) =>
      sum +
      (s.op === 'winograd'
        ? 8 * s.layer.positions.reduce((n, p) => n + p.values.length, 0)
        : s.op === 'conv' || s.op === 'fc'
          ? 4 * s.weight.length
          : 0),
    0,
  );

/** Activations of a call with megabytes of weights stay within this (each thread's plan holds a batch). */
const LARGE_BATCH_BYTES = 128 * 2 ** 20;

/**
 * Images per call (measured on fashion-vgg and a VGG-nagadomi-shaped net): a network with
 * megabytes of weights runs batches of 64, so each weight is read once per 64 images (its
 * layers with large activations still run a few images at a time, Plan.segments), or as many
 * as keep the activations within LARGE_BATCH_BYTES when 64 would not (ResNet-18 at 224x224:
 * 64 images held 911 MiB per thread, whose zeroing and copying to a worker took seconds of a
 * load); a small one runs as many images as keep all activations within about 4 MiB (each step
 * still works on sub-batches that fit the second-level cache): 20 images for fashion-vgg, 13%
 * more images/s than the 5 that fit in 1 MiB (1 thread, dense and at 80% sparsity).
 */
function defaultBatch(l: Lowered): number {
  const perImage = [l.input.act, ...l.steps.map((s) => s.out)].reduce((sum, a) => sum + Math.ceil(a.C / 4) * 16 * (a.H + 2) * (a.W + 6), 0);
  if (weightBytes(l) > LARGE) return Math.max(1, Math.min(64, Math.floor(LARGE_BATCH_BYTES / perImage)));
  return Math.max(4, Math.min(64, Math.floor((4 * 2 ** 20) / perImage)));
}

/**
 * Calls of fewer images than threads run on a Team (all threads on each layer, team.ts) in
 * Node, for networks with megabytes of weights: there a layer is milliseconds of work per
 * image, against microseconds for the barriers between threads; a small network's image is
 * done sooner on one thread (measured: fashion-vgg, batch 1).
 */
const teamPays = (l: Lowered, threads: number, team: boolean | undefined): boolean =>
  threads > 1 && isNode && (team ?? weightBytes(l) > LARGE);

/** A runtime for a network (a graph in swprune's IR; with the bundle's Winograd layers when it has WinogradConv nodes). */
export async function loadGraph(graph: Graph, bundle: WinogradLayers | undefined, opts: RuntimeOptions = {}): Promise<Runtime> {
  const ruled = lower(graph, bundle);
  const batch = opts.batch ?? defaultBatch(ruled);
  if (!Number.isInteger(batch) || batch < 1) throw new SwpruneError('E_USAGE', `batch must be a positive integer, got ${batch}`);
  if (opts.kernels !== undefined && opts.kernels !== 'measure' && opts.kernels !== 'rules')
    throw new SwpruneError('E_USAGE', `kernels must be 'measure' or 'rules', got ${String(opts.kernels)}`);
  // Timed on calls of up to `batch` images: as many as make a timing round last tens of milliseconds (kernels.ts).
  const lowered = opts.kernels === 'rules' ? ruled : await chooseKernels(ruled, batch);
  const threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new SwpruneError('E_USAGE', `threads must be a positive integer, got ${threads}`);
  const plan = layout(lowered, { batch });
  const module = await runtimeModule();
  const engine = await Engine.create(plan, module);
  const pool = threads > 1 ? await ThreadPool.create(engine, module, plan, threads, opts.workers) : undefined;
  let team =
    pool && teamPays(lowered, threads, opts.team)
      ? await Team.create(layout(lowered, { batch: threads - 1, threads }), pool.ports)
      : undefined;
  const blank = new Float32Array(plan.batch * plan.input.perImage);
  const alone = (n: number) => async () => engine.run(blank, n);
  // Whether a team answers one image sooner than the calling thread alone (a network's size does not say),
  // and, in steady use, whether it still does (Watch).
  let watch: Watch | undefined;
  if (team && opts.team === undefined) {
    watch = new Watch(await raceTimes(() => team!.run(blank, 1), alone(1)));
    if (!watch.choosesA) {
      team.close();
      team = undefined;
      watch = undefined;
    }
  }
  if (opts.split !== undefined && (!Number.isInteger(opts.split) || opts.split < 1))
    throw new SwpruneError('E_USAGE', `split must be a positive integer, got ${opts.split}`);
  const split = !pool
    ? Infinity
    : // A split is taken unless the calling thread alone wins its race by isFaster's rule (its watch
      // keeps the same burden of proof in use, SPLIT_WATCH): a near tie is a few percent either way,
      // a split wrongly refused half the speed of every batch on this machine's noisy cores.
      (opts.split ?? (await splitFrom(async (n) => !(await isFaster(alone(n), () => splitRun(pool, team, blank, n))), plan.batch)));
  return runtimeOf(lowered, plan, engine, pool, team, threads, split, watch, opts.split === undefined);
}

/** A batch split by images, the team's workers first sent back from listening for a team call (they take messages again). */
function splitRun(pool: ThreadPool, team: Team | undefined, input: Float32Array, n: number): Promise<Float32Array> {
  team?.release();
  return pool.run(input, n);
}

/** ThreadPool.profile, the team's workers first released as for splitRun. */
function splitProfile(pool: ThreadPool, team: Team | undefined, input: Float32Array, n: number, reps: number) {
  team?.release();
  return pool.profile(input, n, reps);
}

function runtimeOf(
  lowered: Lowered,
  plan: Plan,
  engine: Engine,
  pool: ThreadPool | undefined,
  team: Team | undefined,
  threads: number,
  split: number,
  watch?: Watch,
  watchSplit = false,
): Runtime {
  // The threads' way (a team, a split batch) or, where its watch now finds it slower, the calling thread alone.
  const watched = async (w: Watch | undefined, threaded: () => Promise<Float32Array>, input: Float32Array, k: number) => {
    if (!w) return threaded();
    const way = w.next();
    const t0 = performance.now();
    const out = way === 'a' ? await threaded() : engine.run(input, k);
    w.record(way, (performance.now() - t0) / Math.max(k, 1));
    return out;
  };
  // Split calls' watches, one per power of two of the call size (a split's fixed cost weighs less on larger calls).
  const splitWatches = new Map<number, Watch>();
  const splitWatch = (k: number): Watch | undefined => {
    if (!watchSplit) return undefined;
    const at = Math.floor(Math.log2(k));
    if (!splitWatches.has(at)) splitWatches.set(at, new Watch({ a: [], b: [] }, SPLIT_WATCH, true));
    return splitWatches.get(at);
  };
  const count = (input: Float32Array, n: number | undefined) => {
    const k = n ?? input.length / plan.input.perImage;
    if (!Number.isInteger(k) || k < 0 || input.length < k * plan.input.perImage) {
      throw new SwpruneError(
        'E_DATA',
        `the runtime needs n * ${plan.input.perImage} input values (one image is [${plan.input.dims.join(', ')}]); got ${input.length} for n = ${n ?? '?'}`,
      );
    }
    return k;
  };
  return {
    inputShape: plan.input.dims,
    inputLayout: plan.input.layout,
    outputShape: plan.output.dims,
    threads,
    batch: plan.batch,
    team: team !== undefined,
    splitFrom: Number.isFinite(split) ? split : null,
    memoryBytes: plan.memoryBytes,
    steps: plan.summary,
    run: async (input, n) => {
      const k = count(input, n);
      if (team && k < threads) return watched(watch, () => team.run(input, k), input, k);
      return pool && k >= split ? watched(splitWatch(k), () => splitRun(pool, team, input, k), input, k) : engine.run(input, k);
    },
    runSync: (input, n) => engine.run(input, count(input, n)),
    profile: async (images, opts = {}) => {
      const reps = opts.reps ?? 5;
      if (!Number.isInteger(images) || images < 1)
        throw new SwpruneError('E_USAGE', `a profile needs a positive whole number of images, got ${images}`);
      if (!Number.isInteger(reps) || reps < 1) throw new SwpruneError('E_USAGE', `a profile needs at least 1 repetition, got ${reps}`);
      const input = opts.input ?? new Float32Array(images * plan.input.perImage);
      count(input, images);
      const mode: ProfileMode =
        team && images < threads && (watch?.choosesA ?? true)
          ? 'team'
          : pool && images >= split && (splitWatch(images)?.choosesA ?? true)
            ? 'split by images'
            : 'one thread';
      const call = () =>
        mode === 'team'
          ? team!.run(input, images)
          : mode === 'split by images'
            ? splitRun(pool!, team, input, images)
            : Promise.resolve(engine.run(input, images));
      await call();
      const calls: number[] = [];
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        await call();
        calls.push(performance.now() - t0);
      }
      const timed =
        mode === 'team'
          ? team!.profile(input, images, reps)
          : mode === 'split by images'
            ? await splitProfile(pool!, team, input, images, reps)
            : timeDescriptors(engine, plan, input, images, reps);
      // Images per thread: the Winograd steps' split into products and transforms is measured on one thread at that count.
      const perThread = mode === 'split by images' ? Math.round(images / Math.min(threads, images)) : images;
      const shares = lowered.steps.some((s) => s.op === 'winograd')
        ? await transformShares(
            lowered,
            {
              full: layout(lowered, { batch: Math.min(perThread, plan.batch) }),
              empty: layout(withoutWinogradWeights(lowered), { batch: Math.min(perThread, plan.batch) }),
            },
            input,
            perThread,
            reps,
          )
        : new Map<number, number>();
      return profileOf(lowered, plan.summary, timed, shares, { images, threads, mode, reps, callMs: median(calls) });
    },
    close: async () => {
      team?.close();
      await pool?.close();
      engine.release();
    },
  };
}

/**
 * The network checked as every model swprune loads is (graph/validate.ts: dims, attributes,
 * shapes, sizes, opset, on its cleaned-up form) before it is planned: a hostile or corrupt file
 * is a one-line E_MODEL naming it, not a planner failure.
 */
function validated(graph: Graph, name: string): Graph {
  try {
    validateGraph(cleanUpGraph(graph).graph);
  } catch (e) {
    if (e instanceof SwpruneError && e.code === 'E_MODEL') throw new SwpruneError('E_MODEL', `${name}: ${e.message}`);
    throw e;
  }
  return graph;
}

/** Decodes a bundle and plans it: a one-line SwpruneError for a file that is no bundle or a network the runtime cannot run. */
export async function loadBundle(bytes: Uint8Array | ArrayBuffer, opts: RuntimeOptions = {}, name = 'bundle'): Promise<Runtime> {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let bundle: BundleData;
  let graph: Graph;
  try {
    bundle = decodeBundle(u8);
    // A bundle is one file: a network in it naming external data is refused.
    graph = decodeOnnx(bundle.network);
  } catch (e) {
    if (e instanceof BundleFormatError || e instanceof OnnxFormatError) {
      throw new SwpruneError(
        'E_MODEL',
        `${name}: ${e.message}${e.message.includes('swprune report') ? '' : '; make a bundle with swprune report -o <file.swb>'}`,
      );
    }
    throw e;
  }
  return loadGraph(validated(graph, name), bundle, opts);
}

/** loadBundle for a file (Node). */
export async function loadBundleFile(path: string, opts: RuntimeOptions = {}): Promise<Runtime> {
  return loadBundle(await readModelFile(path, 'bundle'), opts, path);
}

/**
 * loadOnnx for a file (Node): tensors kept in external data files are read through swprune's
 * input jail (io/input-jail.ts, docs/safety.md): only regular files inside the model's folder,
 * named relative to it, and only the byte ranges declared, checked against the file's size
 * and the tensor's dims before anything is read.
 */
export async function loadOnnxFile(path: string, opts: RuntimeOptions = {}): Promise<Runtime> {
  const jail = await import('../io/input-jail.js');
  let folder: string | undefined;
  const external: ExternalData = ({ tensor, location, offset, length, need }) => {
    const fail = (what: string) => new SwpruneError('E_MODEL', `${path}: tensor "${tensor}" keeps its data in ${what}`);
    folder ??= jail.modelFolder(path);
    const file = jail.jailedFile(folder, location, fail);
    const bytes = length ?? file.size - offset;
    if (offset + bytes > file.size || bytes < 0)
      throw fail(`"${location}", which is shorter (${file.size} bytes) than its declared offset ${offset} and length ${bytes}`);
    if (bytes !== need) throw fail(`"${location}", ${bytes} bytes declared where its dims need ${need}`);
    return jail.readRange(file, offset, bytes, fail);
  };
  return loadOnnx(await readModelFile(path, 'model'), opts, path, external);
}

async function readModelFile(path: string, what: string): Promise<Uint8Array> {
  const { readFile } = await import('node:fs/promises');
  try {
    return await readFile(path);
  } catch (e) {
    throw new SwpruneError('E_IO', `cannot read the ${what} ${path}: ${(e as { code?: string }).code ?? String(e)}`);
  }
}

/** Runs a standard ONNX model (no Winograd layers) on the same runtime: every layer dense. `external` reads tensors kept in external files (loadOnnxFile's; else they are refused). */
export async function loadOnnx(bytes: Uint8Array, opts: RuntimeOptions = {}, name = 'model', external?: ExternalData): Promise<Runtime> {
  let graph: Graph;
  try {
    graph = decodeOnnx(bytes, external);
  } catch (e) {
    if (e instanceof OnnxFormatError) throw new SwpruneError('E_MODEL', `${name}: ${e.message}`);
    throw e;
  }
  return loadGraph(validated(graph, name), undefined, opts);
}

export { RuntimeWorkers, SwpruneError };
export type { ExternalData } from './decode-onnx.js';
export type { KernelKind, KindTime, ProfileMode, RuntimeProfile, StepTime } from './profile.js';

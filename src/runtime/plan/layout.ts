/**
 * Steps -> the memory image the WebAssembly module runs: every activation's geometry (NHWC,
 * channels padded to 4, a zero border as wide as its consumers need), one static region per
 * activation for a batch of `batch` images, the weights in the kernels' layouts, index tables,
 * shared scratch, the input and output staging areas, and one descriptor per step (encoders.ts,
 * one encoder per kernel kind). Computed once when a bundle is loaded; nothing is allocated per
 * inference.
 */
import { SwpruneError } from '../../errors.js';
import type { KernelKind } from '../wasm/descriptors.js';
import {
  addr,
  base,
  copyDesc,
  count,
  elementOffset,
  ENCODERS,
  offsetOf,
  winogradOverhang,
  sparseConvScratch,
  winogradScratch,
  winogradTiles,
  winogradWork,
  zeroOutside,
  type Geometry,
  type Placement,
} from './encoders.js';
import { Desc, Image, type ImageRun, type Placeable } from './image.js';
import type { Lowered } from './lower.js';
import type { Act, Step, View } from './types.js';
import { ceil4 } from './weights.js';

export type { ImageRun } from './image.js';

/** The finished plan: the memory image and where its inputs, outputs and program are. */
export interface Plan {
  readonly batch: number;
  readonly memoryBytes: number;
  /**
   * Initial memory contents as runs of data (weights, tables, descriptors) at their addresses;
   * every other byte starts as zero. Runs, not one array: activations lie between the data and
   * make up most of the memory, and the plan is posted to every worker thread at each load.
   */
  readonly image: readonly ImageRun[];
  /**
   * The program in segments of consecutive steps, each run on `sub` images at a time: layers
   * with large activations run a few images at a time so their input and output stay in cache,
   * layers with large weights (fully connected) see the whole batch so each weight is read once.
   * A team's plan (threads > 1) runs every step on all its images at once (its work counters are zeroed once per call).
   */
  readonly segments: readonly Segment[];
  /** Threads sharing the memory (LayoutOptions.threads): each segment has a program per thread. */
  readonly threads: number;
  /** With several threads, the address of the barriers' state (i32 arrived, generation, failed: 1 a trap, 2 a barrier timeout); else 0. */
  readonly barrier: number;
  /** With several threads: the addresses of the work counters dense convolutions share their blocks by, and sparse direct ones their chunks of pixels (i32 each; zeroed before every call, Team.start). */
  readonly counters: readonly number[];
  readonly input: {
    readonly address: number;
    readonly perImage: number;
    readonly dims: readonly number[];
    readonly layout: 'NCHW' | 'NHWC';
  };
  readonly output: { readonly address: number; readonly stride: number; readonly perImage: number; readonly dims: readonly number[] };
  /** One line per step, for --verbose and tests. */
  readonly summary: readonly string[];
}

export interface LayoutOptions {
  /** Images per call of the module (larger batches run in several calls). */
  readonly batch: number;
  /** Bytes of activations a step may touch per sub-batch (its input, output and residual): 512 KiB, about a second-level cache. */
  readonly cacheBytes?: number;
  /**
   * Threads that run each call together in one shared memory (default 1): Winograd layers,
   * dense and sparse direct convolutions and poolings share their work out, the other steps run on thread 0 (runtime.wat,
   * Threads); each thread gets its own Winograd and sparse direct convolution scratch.
   */
  readonly threads?: number;
  /**
   * With several threads: how long a thread waits at one barrier before it marks the call
   * failed (another thread has stopped answering), in milliseconds. Default 60 s: far longer
   * than any one step of a call takes.
   */
  readonly barrierTimeoutMs?: number;
}

/**
 * Consecutive steps run `sub` images at a time: `programs[t]` is thread t's program for them
 * (one thread: programs[0] alone). With several threads every program of a segment ends at a
 * barrier, so after any thread's last segment every thread's work is done.
 */
export interface Segment {
  readonly programs: readonly number[];
  readonly sub: number;
}

/** Zero border each activation needs: the most any consumer reads outside it. */
function borders(steps: readonly Step[]): Map<number, [number, number, number, number]> {
  const need = new Map<number, [number, number, number, number]>();
  const req = (a: Act, t: number, l: number, b: number, r: number) => {
    const cur = need.get(a.id) ?? [0, 0, 0, 0];
    need.set(a.id, [Math.max(cur[0], t), Math.max(cur[1], l), Math.max(cur[2], b), Math.max(cur[3], r)]);
  };
  for (const s of steps) {
    if (s.op === 'winograd') {
      const over = winogradOverhang(s);
      req(s.out, 0, 0, over.rows, over.cols);
      const { ty, tx } = winogradTiles(s);
      const [pt, pl] = s.pads as [number, number];
      req(
        s.in,
        pt,
        pl,
        Math.max(0, (ty - 1) * s.tile.m + s.tile.t - pt - s.in.H),
        Math.max(0, (tx - 1) * s.tile.m + s.tile.t - pl - s.in.W),
      );
    } else if (s.op === 'conv') {
      const [pt, pl] = s.pads as [number, number];
      const rows = (s.out.H - 1) * s.strides[0]! + (s.kh - 1) * s.dilations[0]! + 1;
      const cols = (s.out.W - 1) * s.strides[1]! + (s.kw - 1) * s.dilations[1]! + 1;
      req(s.in, pt, pl, Math.max(0, rows - pt - s.in.H), Math.max(0, cols - pl - s.in.W));
    }
  }
  // A residual is read at the output's addresses plus a constant: both share one geometry.
  for (let changed = true; changed; ) {
    changed = false;
    for (const s of steps) {
      if (!('epi' in s) || !s.epi.residual) continue;
      const a = need.get(s.out.id) ?? [0, 0, 0, 0];
      const b = need.get(s.epi.residual.id) ?? [0, 0, 0, 0];
      const m = a.map((v, i) => Math.max(v, b[i]!)) as [number, number, number, number];
      if (m.some((v, i) => v !== a[i] || v !== b[i])) changed = true;
      need.set(s.out.id, m);
      need.set(s.epi.residual.id, m);
    }
  }
  return need;
}

/**
 * The network input's id when it is stored with its channels unpadded (cp = C): C is not a
 * multiple of 4 (an RGB image) and only dense convolutions read it, whose window rows are then
 * kw x C contiguous floats (runtime.wat, row runs) with no padding channel to multiply; else -1.
 */
function tightInput(lowered: Lowered): number {
  const a = lowered.input.act;
  if (a.C % 4 === 0 || a.rank !== 4 || lowered.output.value === a) return -1;
  const reads = (s: Step) =>
    [
      'in' in s ? s.in : undefined,
      'a' in s ? s.a : undefined,
      'b' in s ? s.b : undefined,
      'from' in s ? s.from : undefined,
      'epi' in s ? s.epi.residual : undefined,
    ].some((v) => v !== undefined && v.kind !== 'const' && base(v).id === a.id);
  const rowRuns = (s: Step) =>
    s.op === 'conv' && s.in.id === a.id && s.groups === 1 && (s.dilations[1] === 1 || s.kw === 1) && !s.epi.residual && !s.sparse;
  const readers = lowered.steps.filter(reads);
  return readers.length > 0 && readers.every(rowRuns) ? a.id : -1;
}

/** Builds the plan for `lowered` with activations for `batch` images. */
export function layout(lowered: Lowered, opts: LayoutOptions): Plan {
  const { steps } = lowered;
  const B = opts.batch;
  const need = borders(steps);
  const img = new Image();
  const geo = new Map<number, Geometry>();
  const summary: string[] = [];

  const tight = tightInput(lowered);
  const geometry = (a: Act): Geometry => {
    let g = geo.get(a.id);
    if (g) return g;
    const [t, l, b, r] = need.get(a.id) ?? [0, 0, 0, 0];
    const cp = a.id === tight ? a.C : ceil4(a.C);
    const Hp = t + a.H + b;
    const Wp = l + a.W + r;
    const pix = cp * 4;
    const row = Wp * pix;
    g = { cp, top: t, left: l, Hp, Wp, pix, row, img: Hp * row, origin: t * row + l * pix, addr: 0 };
    geo.set(a.id, g);
    return g;
  };
  const threads = opts.threads ?? 1;
  /** Thread 0's Winograd scratch, allocated once the activations and the input staging are. */
  let scratch = 0;
  const p: Placement = {
    img,
    threads,
    batch: B,
    summary,
    geometry,
    get scratch() {
      return scratch;
    },
  };

  // Every activation's region, in step order (the input first).
  const acts = new Map<number, Act>();
  const visit = (a: Act) => acts.has(a.id) || acts.set(a.id, a);
  visit(lowered.input.act);
  for (const s of steps) {
    for (const v of [
      'in' in s ? s.in : undefined,
      'a' in s ? s.a : undefined,
      'b' in s && s.b.kind === 'act' ? s.b : undefined,
      'from' in s ? s.from : undefined,
      s.out,
      'epi' in s ? s.epi.residual : undefined,
    ])
      if (v) visit(base(v));
  }
  if (lowered.output.value.kind === 'act') visit(lowered.output.value);
  for (const a of acts.values()) {
    const g = geometry(a);
    g.addr = img.alloc(B * g.img);
  }

  const descriptors: Placeable[] = [];
  /** Per descriptor of a Winograd layer, its work per group of 4 output channels (winogradWork). */
  const work: (readonly number[] | undefined)[] = [];
  /** Images per run of each descriptor (see Plan.segments). */
  const subs: number[] = [];
  const cacheBytes = opts.cacheBytes ?? 512 * 1024;
  const subFor = (s: Step): number => {
    // A team (several threads) runs each step once per call, on all its images: the counters
    // its threads take work from are zeroed once per call (Team.start), so a second sub-batch
    // found them spent and computed nothing (a team of 3 on 2 images, sub-batches of 1).
    if (s.op === 'fc' || threads > 1) return B;
    const acts = [
      'in' in s ? s.in : undefined,
      'a' in s ? s.a : undefined,
      'from' in s ? s.from : undefined,
      s.out,
      'epi' in s ? s.epi.residual : undefined,
    ]
      .filter((v): v is Act | View => v !== undefined)
      .map(base);
    const bytes = acts.reduce((sum, a) => sum + geometry(a).img, 0);
    let sub = Math.floor(cacheBytes / Math.max(1, bytes));
    // A Winograd layer reads all its weights once per chunk of tiles: at least a chunk's worth of images.
    if (s.op === 'winograd') sub = Math.max(sub, Math.ceil(winogradScratch(s, B).CH / (winogradTiles(s).ty * winogradTiles(s).tx)));
    return Math.min(B, Math.max(1, sub));
  };

  // The input: staging [n][...] in the graph's layout -> the input activation.
  const inAct = lowered.input.act;
  const perImageIn = inAct.C * inAct.H * inAct.W;
  const stagingIn = img.alloc(B * perImageIn * 4);
  {
    const pairs: [number, number][] = [];
    const { C, H, W } = inAct;
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++) {
          const src = lowered.input.layout === 'NHWC' ? (h * W + w) * C + c : (c * H + h) * W + w;
          pairs.push([src * 4, offsetOf(p, inAct, (c * H + h) * W + w)]);
        }
    descriptors.push(copyDesc(p, stagingIn, perImageIn * 4, addr(p, inAct), geometry(inAct).img, pairs));
    subs.push(steps.length ? subFor(steps[0]!) : B);
  }

  // Shared Winograd and sparse direct convolution scratch, sized for the largest layer.
  let scratchBytes = 0;
  for (const s of steps) {
    if (s.op === 'winograd') {
      const w = winogradScratch(s, B);
      scratchBytes = Math.max(scratchBytes, w.V + w.M + w.S + w.tab + 4 * 64);
    } else if (s.op === 'conv' && s.sparse) {
      const w = sparseConvScratch(s);
      scratchBytes = Math.max(scratchBytes, w.V + w.M + w.tab + 3 * 64);
    }
  }
  const scratchStride = Math.ceil(scratchBytes / 64) * 64;
  scratch = scratchBytes ? img.alloc(scratchStride * threads) : 0;

  for (const s of steps) {
    // A team shares a Winograd layer's output channels by their work (threadEntries); one thread needs none.
    work[descriptors.length] = s.op === 'winograd' && threads > 1 ? winogradWork(s, geometry(s.out).cp) : undefined;
    descriptors.push((ENCODERS[s.op] as (p: Placement, x: Step) => Placeable)(p, s));
    subs.push(subFor(s));
    if (s.op === 'winograd') {
      const over = winogradOverhang(s);
      if (over.rows > 0 || over.cols > 0) {
        descriptors.push(zeroOutside(p, s.out));
        subs.push(subFor(s));
      }
    }
  }

  // The output: straight from its activation when it is a compact [n, F] region, else copied to staging.
  const outV = lowered.output.value;
  const perImageOut = count(outV);
  let output: Plan['output'];
  const direct = outV.kind === 'act' && (outV.rank === 2 || (outV.H === 1 && outV.W === 1)) && geometry(outV).origin === 0;
  if (direct) {
    output = { address: addr(p, outV), stride: geometry(outV).img / 4, perImage: perImageOut, dims: lowered.output.dims };
  } else {
    const stagingOut = img.alloc(B * perImageOut * 4);
    const pairs: [number, number][] = Array.from({ length: perImageOut }, (_, e) => [elementOffset(p, outV, e), e * 4]);
    descriptors.push(copyDesc(p, addr(p, base(outV)), geometry(base(outV)).img, stagingOut, perImageOut * 4, pairs));
    subs.push(subs.at(-1) ?? B);
    output = { address: stagingOut, stride: perImageOut, perImage: perImageOut, dims: lowered.output.dims };
  }

  const { entries, barrier, counters } = threadEntries(descriptors, work, threads, scratchStride, img, opts.barrierTimeoutMs ?? 60_000);
  // Consecutive steps whose preferred sub-batches are within a factor of 2 run together, on the
  // smallest of them, so one sub-batch's activations pass from step to step while in cache.
  const segments: Segment[] = [];
  for (let i = 0; i < descriptors.length; ) {
    let [lo, hi] = [subs[i]!, subs[i]!];
    let j = i + 1;
    while (j < descriptors.length && Math.max(hi, subs[j]!) <= 2 * Math.min(lo, subs[j]!)) {
      lo = Math.min(lo, subs[j]!);
      hi = Math.max(hi, subs[j]!);
      j++;
    }
    segments.push({ programs: entries(i, j).map((e) => img.data(Int32Array.from([e.length, ...e]), 16)), sub: lo });
    i = j;
  }
  const memoryBytes = Math.ceil(img.top / 65536) * 65536;
  if (memoryBytes > 2 ** 31)
    throw new SwpruneError(
      'E_MODEL',
      `the runtime needs ${Math.round(memoryBytes / 2 ** 20)} MiB for a batch of ${B}; use a smaller batch`,
    );
  return {
    batch: B,
    memoryBytes,
    image: img.finish(),
    segments,
    threads,
    barrier,
    counters,
    input: { address: stagingIn, perImage: perImageIn, dims: logicalDimsOfInput(lowered), layout: lowered.input.layout },
    output,
    summary,
  };
}

/**
 * The most rounds a thread spins at a barrier before it sleeps (about 170 us; runtime.wat, op 9:
 * how long it spins adapts between 20,000 and this).
 */
const BARRIER_SPIN_MAX = 200_000;

/** Steps that share their work out between threads (runtime.wat, Threads). */
const SHARED_WORK: ReadonlySet<KernelKind> = new Set(['winograd', 'conv', 'pool', 'sparseConv']);

/**
 * The program entries of steps i..j-1 for each thread: for a step that shares its work out,
 * thread t's copy of its descriptor (a Winograd layer: winogradShare, by `work` per group of 4
 * output channels; a dense convolution: units of a band x a pair of blocks of
 * output channels, taken from a shared counter; a sparse direct convolution: chunks of output
 * pixels from a shared counter, in its own scratch; a pooling: its range of output rows); for the
 * others, the descriptor in thread 0's program only. With several threads a barrier follows every step but between two of thread
 * 0's own, and ends every program. One thread: the descriptors as they are.
 */
function threadEntries(
  descriptors: readonly Placeable[],
  work: readonly (readonly number[] | undefined)[],
  threads: number,
  scratchStride: number,
  img: Image,
  timeoutMs: number,
): { entries: (i: number, j: number) => number[][]; barrier: number; counters: number[] } {
  const place = (d: Placeable) => img.data(d.bytes(), 16);
  if (threads === 1) {
    const own = descriptors.map(place);
    return { entries: (i, j) => [own.slice(i, j)], barrier: 0, counters: [] };
  }
  const counters: number[] = [];
  // A step's work counter: allotted with its thread-0 copy, shared by the later threads' copies.
  const counter = (t: number): number => {
    if (t === 0) counters.push(img.alloc(64));
    return counters.at(-1)!;
  };
  const shared = descriptors.map((d) => SHARED_WORK.has(d.kind));
  const state = img.alloc(64);
  const barrier = place(
    new Desc('barrier')
      .int('state', state)
      .int('threads', threads)
      .int('timeout', Math.max(1, Math.round(timeoutMs)))
      .int('spinMax', BARRIER_SPIN_MAX),
  );
  const copies = descriptors.map((d, k) =>
    Array.from({ length: threads }, (_, t) => {
      if (!shared[k]) return t === 0 ? place(d) : -1;
      if (d.kind === 'winograd') return place(winogradShare(d as unknown as Desc<'winograd'>, t, threads, scratchStride, barrier, work[k]));
      if (d.kind === 'sparseConv') {
        // Chunks of output pixels taken from a shared counter, each thread in its own scratch.
        const c = (d as unknown as Desc<'sparseConv'>).copy();
        for (const f of ['V', 'M', 'tab'] as const) c.int(f, c.read(f) + t * scratchStride);
        return place(c.int('counter', counter(t)));
      }
      if (d.kind === 'pool') {
        // Output rows in ranges, as evenly as they go (ResNet-18's 3x3 stride-2 max pool after the stem: 1.4 ms on thread 0 alone).
        const c = (d as unknown as Desc<'pool'>).copy();
        const [lo, hi] = evenShare(c.read('rowHi'), t, threads);
        return place(c.int('rowLo', lo).int('rowHi', hi));
      }
      // Units of one band x a pair of blocks (64 bytes of a pixel's output: two threads never
      // write one cache line) taken from a shared counter: a thread slowed on this call takes
      // fewer. Against fixed halves: ResNet-18 at batch 1 on 2 threads, medians 3-8% lower over
      // three runs in one process, bits the same. (Alternate blocks had both threads write
      // every line: the 7x7 stem ran 1.08x faster on 2 threads than on 1.)
      return place((d as unknown as Desc<'conv'>).copy().int('counter', counter(t)));
    }),
  );
  const entries = (i: number, j: number) =>
    Array.from({ length: threads }, (_, t) => {
      const list: number[] = [];
      for (let k = i; k < j; k++) {
        if (copies[k]![t]! >= 0) list.push(copies[k]![t]!);
        if (k === j - 1 || shared[k] || shared[k + 1]) list.push(barrier);
      }
      return list;
    });
  return { entries, barrier: state, counters };
}

/**
 * Thread t's copy of a Winograd layer's descriptor, with its own scratch. One image's tiles in at
 * least one chunk per thread (a 56x56 layer's 196 tiles: 7 chunks): each thread a range of the
 * tiles (groups of 4, as even as they go), transforming only its own. Else (a deep layer at
 * batch 1: one chunk) the layer's channels: each thread transforms its range of the input
 * channels into one V that all threads share (thread 0's), meets the others at the barrier,
 * then computes the products and output transforms of its range of output channels, ranges cut
 * where the products' work (`work`, per group of 4 output channels) is shared evenly. Against
 * every thread transforming the whole input into its own V, the shared transform was 6-9%
 * faster on 3 layers of 512 channels at 7x7 and of 256 at 14x14 (80%, in turns in one process).
 */
function winogradShare(
  w: Desc<'winograd'>,
  t: number,
  threads: number,
  scratchStride: number,
  barrier: number,
  work: readonly number[] | undefined,
): Desc<'winograd'> {
  const c = w.copy();
  const chunks = Math.ceil((w.read('tilesY') * w.read('tilesX')) / w.read('CH'));
  const byTiles = chunks >= threads;
  for (const f of ['M', 'S', 'tab'] as const) c.int(f, w.read(f) + t * scratchStride);
  if (byTiles)
    return c
      .int('V', w.read('V') + t * scratchStride)
      .int('chunkPart', t)
      .int('chunkParts', threads);
  const [ciLo, ciHi] = evenShare(w.read('cinp') / 4, t, threads);
  const [coLo, coHi] = weightedShare(work ?? Array.from({ length: w.read('coutp') / 4 }, () => 1), t, threads);
  return c
    .int('ciLo', 4 * ciLo)
    .int('ciHi', 4 * ciHi)
    .int('sync', barrier)
    .int('coLo', 4 * coLo)
    .int('coHi', 4 * coHi);
}

/**
 * Thread t's share [lo, hi) of units of work `work[i]`: the cuts where the running sum of the
 * work first reaches t / threads and (t + 1) / threads of the whole (the nearer of the units either side of it).
 */
export function weightedShare(work: readonly number[], t: number, threads: number): [number, number] {
  const total = work.reduce((a, b) => a + b, 0);
  const cut = (k: number): number => {
    if (k <= 0) return 0;
    if (k >= threads) return work.length;
    const goal = (k * total) / threads;
    let sum = 0;
    for (let i = 0; i < work.length; i++) {
      if (sum + work[i]! >= goal) return goal - sum <= sum + work[i]! - goal ? i : i + 1;
      sum += work[i]!;
    }
    return work.length;
  };
  return [cut(t), Math.max(cut(t), cut(t + 1))];
}

/** Thread t's share [lo, hi) of `count` units split between `threads` as evenly as they go. */
const evenShare = (count: number, t: number, threads: number): [number, number] => [
  Math.floor((t * count) / threads),
  Math.floor(((t + 1) * count) / threads),
];

function logicalDimsOfInput(l: Lowered): number[] {
  const a = l.input.act;
  if (a.rank === 2) return [a.C];
  return l.input.layout === 'NHWC' ? [a.H, a.W, a.C] : [a.C, a.H, a.W];
}

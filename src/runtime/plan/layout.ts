/**
 * Steps -> the memory image the WebAssembly module runs: every activation's geometry (NHWC,
 * channels padded to 4, a zero border as wide as its consumers need), one static region per
 * activation for a batch of `batch` images, the weights in the kernels' layouts, index tables,
 * shared scratch, the input and output staging areas, and one descriptor per step (written by
 * field name through wasm/descriptors.ts, the table runtime.wat reads). Computed once when a bundle is loaded; nothing is
 * allocated per inference.
 */
import { SwpruneError } from '../../errors.js';
import type { Lowered } from './lower.js';
import { logicalDims, type Act, type Epilogue, type Step, type StepOf, type View } from './types.js';
import { fieldType, KERNELS, OFFSET, OP, words, type FieldOf, type FloatField, type IntField, type KernelKind } from '../wasm/descriptors.js';
import { isF4x4, tileGrid } from '../../winograd/tiles.js';
import { ceil4, densePositionMatrix, packConv, packDepthwise, packFc, padded, positionMatrix, transformMatrix } from './weights.js';

const UNARY = { none: 0, sigmoid: 1, tanh: 2, hardSigmoid: 3, hardSwish: 4, exp: 5, affine: 6, abs: 7, sqrt: 8, neg: 9, silu: 10 } as const;
const BINARY = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5 } as const;

/** Where an activation lives and how it is laid out (bytes). */
interface Geometry {
  readonly cp: number;
  readonly top: number;
  readonly left: number;
  readonly Hp: number;
  readonly Wp: number;
  readonly pix: number;
  readonly row: number;
  readonly img: number;
  /** Byte offset of logical pixel (0, 0) from the image's first byte. */
  readonly origin: number;
  addr: number;
}

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
   */
  readonly segments: readonly Segment[];
  /** Threads sharing the memory (LayoutOptions.threads): each segment has a program per thread. */
  readonly threads: number;
  /** With several threads, the address of the barriers' state (i32 arrived, generation, failed: 1 a trap, 2 a barrier timeout); else 0. */
  readonly barrier: number;
  readonly input: { readonly address: number; readonly perImage: number; readonly dims: readonly number[]; readonly layout: 'NCHW' | 'NHWC' };
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
   * Threads that run each call together in one shared memory (default 1): Winograd layers and
   * dense convolutions share their work out, the other steps run on thread 0 (runtime.wat,
   * Threads); each thread gets its own Winograd scratch.
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

/** Bytes at a memory address. */
export interface ImageRun {
  readonly at: number;
  readonly bytes: Uint8Array;
}

/** A finished descriptor of any kind. */
interface Placeable {
  readonly kind: KernelKind;
  bytes(): Uint8Array;
}

/** A growing memory image: allocations are 64-byte aligned; data is written into them. */
class Image {
  private chunks: ImageRun[] = [];
  top = 64;
  alloc(bytes: number, align = 64): number {
    const at = Math.ceil(this.top / align) * align;
    this.top = at + bytes;
    return at;
  }
  data(bytes: Uint8Array | Float32Array | Int32Array, align = 64): number {
    const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const at = this.alloc(u8.length, align);
    this.chunks.push({ at, bytes: u8 });
    return at;
  }
  /**
   * The data as runs: small chunks less than `gap` bytes apart share a run (zeros between
   * them); a chunk of `large` bytes or more is a run of its own, not copied (a VGG-sized
   * network's weights are a hundred megabytes, planned again at every evaluation).
   */
  finish(gap = 4096, large = 65536): ImageRun[] {
    const sorted = [...this.chunks].sort((a, b) => a.at - b.at);
    const groups: ImageRun[][] = [];
    for (const c of sorted) {
      const last = groups.at(-1)?.at(-1);
      if (last && c.bytes.length < large && last.bytes.length < large && c.at - (last.at + last.bytes.length) < gap) groups.at(-1)!.push(c);
      else groups.push([c]);
    }
    return groups.map((g) => {
      if (g.length === 1) return g[0]!;
      const at = g[0]!.at;
      const bytes = new Uint8Array(g.at(-1)!.at + g.at(-1)!.bytes.length - at);
      for (const c of g) bytes.set(c.bytes, c.at - at);
      return { at, bytes };
    });
  }
}

/**
 * A descriptor under construction, written by field name through descriptors.ts (the table
 * runtime.wat reads the same offsets from); placing it checks that every field was written.
 */
class Desc<K extends KernelKind> {
  private readonly buf: ArrayBuffer;
  private readonly i: Int32Array;
  private readonly f: Float32Array;
  private readonly written: Set<string>;
  constructor(readonly kind: K) {
    this.buf = new ArrayBuffer(words(kind) * 4);
    this.i = new Int32Array(this.buf);
    this.f = new Float32Array(this.buf);
    this.i[0] = OP[kind];
    this.written = new Set();
  }
  private word(field: string, type: 'i32' | 'f32'): number {
    const t = fieldType(this.kind, field);
    if (!t || !t.includes(type)) throw new Error(`descriptor ${this.kind} has no ${type} field ${field}`);
    this.written.add(field);
    return (OFFSET[this.kind] as Record<string, number>)[field]! / 4;
  }
  read(field: FieldOf<K>): number {
    return this.i[(OFFSET[this.kind] as Record<string, number>)[field]! / 4]!;
  }
  copy(): Desc<K> {
    const d = new Desc(this.kind);
    d.i.set(this.i);
    for (const f of this.written) d.written.add(f);
    return d;
  }
  int(field: IntField<K>, v: number): this {
    this.i[this.word(field, 'i32')] = v;
    return this;
  }
  float(field: FloatField<K>, v: number): this {
    this.f[this.word(field, 'f32')] = v;
    return this;
  }
  /** The clamp activation (lo, hi, alpha; a kind without them throws). */
  clamp(e: Epilogue): this {
    this.f[this.word('lo', 'f32')] = e.lo;
    this.f[this.word('hi', 'f32')] = e.hi;
    this.f[this.word('alpha', 'f32')] = e.alpha;
    return this;
  }
  /** The clamp activation and residual delta (lo, hi, alpha, resDelta). */
  epilogue(e: Epilogue, resDelta: number): this {
    this.i[this.word('resDelta', 'i32')] = resDelta;
    return this.clamp(e);
  }
  /** The descriptor's bytes; every field must have been written. */
  bytes(): Uint8Array {
    const missing = Object.keys(KERNELS[this.kind].fields).filter((f) => !this.written.has(f));
    if (missing.length) throw new Error(`descriptor ${this.kind}: ${missing.join(', ')} not written`);
    return new Uint8Array(this.buf);
  }
}

const winogradTiles = (s: StepOf<'winograd'>) => {
  const { tilesH, tilesW } = tileGrid((s.pool ?? s.out).H, (s.pool ?? s.out).W, s.tile.m);
  return { ty: tilesH, tx: tilesW };
};

/** True when the layer's tile is F(4x4,3x3) exactly: runtime.wat's hand-written transforms apply. */
const handWritten = (s: StepOf<'winograd'>) => isF4x4(s.tile.t, s.tile.m, s.tile.bt.values, s.tile.at.values);

/**
 * Tiles per chunk of a Winograd layer: 32 (8 vectors). Measured on both bench nets: 64 was no
 * faster on the 16-64 channel layers and 8% slower on the 256 channel ones (a chunk's V and M
 * outgrow the second-level cache).
 */
const CHUNK_TILES = 32;

/** Rows and columns a Winograd layer's whole output tiles reach past its output (its epilogue stores whole tiles). */
const winogradOverhang = (s: StepOf<'winograd'>) => {
  const { ty, tx } = winogradTiles(s);
  const mo = s.pool ? s.tile.m / 2 : s.tile.m;
  return { rows: ty * mo - s.out.H, cols: tx * mo - s.out.W };
};

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
      req(s.in, pt, pl, Math.max(0, (ty - 1) * s.tile.m + s.tile.t - pt - s.in.H), Math.max(0, (tx - 1) * s.tile.m + s.tile.t - pl - s.in.W));
    } else if (s.op === 'conv') {
      const [pt, pl] = s.pads as [number, number];
      const rows = (s.out.H - 1) * s.strides[0]! + (s.kh - 1) * s.dilations[0]! + 1;
      const cols = (s.out.W - 1) * s.strides[1]! + (s.kw - 1) * s.dilations[1]! + 1;
      req(s.in, pt, pl, Math.max(0, rows - pt - s.in.H), Math.max(0, cols - pl - s.in.W));
    }
  }
  // A residual is read at the output's addresses plus a constant: both share one geometry.
  for (let changed = true; changed;) {
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

/** Builds the plan for `lowered` with activations for `batch` images. */
export function layout(lowered: Lowered, opts: LayoutOptions): Plan {
  const { steps } = lowered;
  const B = opts.batch;
  const need = borders(steps);
  const img = new Image();
  const geo = new Map<number, Geometry>();
  const summary: string[] = [];

  const geometry = (a: Act): Geometry => {
    let g = geo.get(a.id);
    if (g) return g;
    const [t, l, b, r] = need.get(a.id) ?? [0, 0, 0, 0];
    const cp = ceil4(a.C);
    const Hp = t + a.H + b;
    const Wp = l + a.W + r;
    const pix = cp * 4;
    const row = Wp * pix;
    g = { cp, top: t, left: l, Hp, Wp, pix, row, img: Hp * row, origin: t * row + l * pix, addr: 0 };
    geo.set(a.id, g);
    return g;
  };
  /** Byte offset of logical element e (NCHW order) of a, from its image's first byte. */
  const offsetOf = (a: Act, e: number): number => {
    const g = geometry(a);
    const HW = a.H * a.W;
    const c = Math.floor(e / HW);
    const h = Math.floor((e % HW) / a.W);
    const w = e % a.W;
    return g.origin + h * g.row + w * g.pix + c * 4;
  };
  const base = (v: Act | View): Act => (v.kind === 'act' ? v : v.base);
  const elementOffset = (v: Act | View, e: number) => (v.kind === 'act' ? offsetOf(v, e) : offsetOf(v.base, v.index[e]!));
  const count = (v: Act | View) => (v.kind === 'act' ? v.C * v.H * v.W : v.index.length);

  // Every activation's region, in step order (the input first).
  const acts = new Map<number, Act>();
  const visit = (a: Act) => acts.has(a.id) || acts.set(a.id, a);
  visit(lowered.input.act);
  for (const s of steps) {
    for (const v of [('in' in s ? s.in : undefined), ('a' in s ? s.a : undefined), ('b' in s && s.b.kind === 'act' ? s.b : undefined),
      ('from' in s ? s.from : undefined), s.out, ('epi' in s ? s.epi.residual : undefined)]) if (v) visit(base(v));
  }
  if (lowered.output.value.kind === 'act') visit(lowered.output.value);
  for (const a of acts.values()) {
    const g = geometry(a);
    g.addr = img.alloc(B * g.img);
  }
  const addr = (a: Act) => geometry(a).addr;

  /** A copy descriptor moving the given (src, dst) byte-offset pairs, 16 bytes at a time when every 4 entries allow it. */
  const copyDesc = (src: number, srcImg: number, dst: number, dstImg: number, pairs: [number, number][]): Desc<'copy'> => {
    pairs.sort((p, q) => p[1] - q[1]);
    const vector = pairs.length % 4 === 0 && pairs.every((p, i) => {
      const q = pairs[i - (i % 4)]!;
      const k = i % 4;
      return q[1] % 16 === 0 && p[1] === q[1] + 4 * k && (q[0] < 0 ? p[0] < 0 : q[0] % 16 === 0 && p[0] === q[0] + 4 * k);
    });
    const used = vector ? pairs.filter((_, i) => i % 4 === 0) : pairs;
    const table = new Int32Array(used.length * 2);
    used.forEach((p, i) => {
      table[2 * i] = p[0] < 0 ? -1 : p[0];
      table[2 * i + 1] = p[1];
    });
    return new Desc('copy').int('src', src).int('srcImg', srcImg).int('dst', dst).int('dstImg', dstImg).int('table', img.data(table, 16)).int('count', used.length).int('unit', vector ? 16 : 4);
  };

  const descriptors: Placeable[] = [];
  /** Images per run of each descriptor (see Plan.segments). */
  const subs: number[] = [];
  const cacheBytes = opts.cacheBytes ?? 512 * 1024;
  const subFor = (s: Step): number => {
    if (s.op === 'fc') return B;
    const acts = [('in' in s ? s.in : undefined), ('a' in s ? s.a : undefined), ('from' in s ? s.from : undefined), s.out, ('epi' in s ? s.epi.residual : undefined)]
      .filter((v): v is Act | View => v !== undefined).map(base);
    const bytes = acts.reduce((sum, a) => sum + geometry(a).img, 0);
    let sub = Math.floor(cacheBytes / Math.max(1, bytes));
    // A Winograd layer reads all its weights once per chunk of tiles: at least a chunk's worth of images.
    if (s.op === 'winograd') sub = Math.max(sub, Math.ceil(winogradScratch(s).CH / (winogradTiles(s).ty * winogradTiles(s).tx)));
    return Math.min(B, Math.max(1, sub));
  };

  // The input: staging [n][...] in the graph's layout -> the input activation.
  const inAct = lowered.input.act;
  const perImageIn = inAct.C * inAct.H * inAct.W;
  const stagingIn = img.alloc(B * perImageIn * 4);
  {
    const pairs: [number, number][] = [];
    const { C, H, W } = inAct;
    for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
      const src = lowered.input.layout === 'NHWC' ? (h * W + w) * C + c : (c * H + h) * W + w;
      pairs.push([src * 4, offsetOf(inAct, (c * H + h) * W + w)]);
    }
    descriptors.push(copyDesc(stagingIn, perImageIn * 4, addr(inAct), geometry(inAct).img, pairs));
    subs.push(steps.length ? subFor(steps[0]!) : B);
  }

  // Shared Winograd scratch, sized for the largest layer.
  let scratchBytes = 0;

  function winogradScratch(s: StepOf<'winograd'>) {
    const T2 = s.tile.t * s.tile.t;
    const CH = CHUNK_TILES;
    // One row of CH floats per channel; positions 64 bytes more than that apart (runtime.wat).
    const psV = ceil4(s.in.C) * CH * 4 + 64;
    const psM = ceil4(s.out.C) * CH * 4 + 64;
    const S = (4 * T2 + T2 + 4 * s.tile.m * s.tile.m + 4) * 16;
    return { CH, V: T2 * psV, M: T2 * psM, psV, psM, S, tab: CH * 8 };
  }
  for (const s of steps) {
    if (s.op !== 'winograd') continue;
    const w = winogradScratch(s);
    scratchBytes = Math.max(scratchBytes, w.V + w.M + w.S + w.tab + 4 * 64);
  }
  const threads = opts.threads ?? 1;
  const scratchStride = Math.ceil(scratchBytes / 64) * 64;
  const scratch = scratchBytes ? img.alloc(scratchStride * threads) : 0;

  /** A zero step clearing everything of a's buffer right of and below its pixels (what whole tiles wrote there). */
  const zeroOutside = (a: Act): Desc<'zero'> => {
    const g = geometry(a);
    const ranges: number[] = [];
    const right = (g.Wp - g.left - a.W) * g.pix;
    if (right > 0) for (let y = 0; y < a.H; y++) ranges.push(g.origin + y * g.row + a.W * g.pix, right);
    const below = (g.Hp - g.top - a.H) * g.row;
    if (below > 0) ranges.push((g.top + a.H) * g.row, below);
    return new Desc('zero').int('base', addr(a)).int('imgStride', g.img).int('table', img.data(Int32Array.from(ranges), 16)).int('count', ranges.length / 2);
  };

  const epiResidual = (s: Step & { epi: Epilogue }, outAddr: number) => (s.epi.residual ? addr(s.epi.residual) + geometry(s.epi.residual).origin - outAddr : 0);

  const BUILDERS: { [K in Step['op']]: (s: StepOf<K>) => Placeable } = {
    winograd: (s) => {
      const gi = geometry(s.in);
      const go = geometry(s.out);
      const { ty, tx } = winogradTiles(s);
      const T = s.tile.t;
      const { CH, V, M, S, psV, psM } = winogradScratch(s);
      const rowBytes = CH * 4;
      const positions = s.layer.positions.map((w) => img.data((s.dense ? densePositionMatrix(w, go.cp, s.scale) : positionMatrix(w, go.cp, rowBytes, s.scale, s.layer.group)).bytes, 16));
      const outBase = addr(s.out) + go.origin;
      const at64 = (x: number) => Math.ceil(x / 64) * 64;
      const v = at64(scratch);
      const m = at64(v + V);
      const sc = at64(m + M);
      const tab = at64(sc + S);
      summary.push(`${s.node}: ${s.fromConv ? 'dense 3x3 conv as' : 'sparse'} Winograd ${s.tile.name} ${s.in.C}->${s.out.C}${s.layer.group > 1 ? ` (${s.layer.group} groups)` : ''} ${s.in.H}x${s.in.W}, ${s.layer.positions.reduce((n, p) => n + p.values.length, 0)} ${s.fromConv ? 'weights' : 'nonzeros'}${s.dense && !s.fromConv ? ', dense product' : ''}, chunk ${CH}${handWritten(s) ? '' : ', generic transforms'}${s.pool ? ', 2x2 max pool fused' : ''}`);
      return new Desc('winograd')
        .int('inBase', addr(s.in) + gi.origin - s.pads[0]! * gi.row - s.pads[1]! * gi.pix).int('inImg', gi.img).int('inRow', gi.row).int('inPix', gi.pix).int('cinp', gi.cp)
        .int('outBase', outBase).int('outImg', go.img).int('outRow', go.row).int('outPix', go.pix).int('coutp', go.cp).int('outH', s.out.H).int('outW', s.out.W)
        .int('tilesY', ty).int('tilesX', tx).int('T', T).int('m', s.tile.m).int('kind', handWritten(s) ? 1 : 0)
        .int('bt', img.data(transformMatrix(s.tile.bt).bytes, 16)).int('at', img.data(transformMatrix(s.tile.at).bytes, 16))
        .int('wTable', img.data(Int32Array.from(positions), 16)).int('bias', img.data(padded(s.epi.bias, s.out.C, go.cp), 16))
        .epilogue(s.epi, epiResidual(s, outBase)).int('CH', CH).int('V', v).int('M', m).int('S', sc).int('tab', tab).int('psV', psV).int('psM', psM).int('pool', s.pool ? 2 : 1).int('dense', s.dense ? 1 : 0)
        .int('coLo', 0).int('coHi', go.cp);
    },
    conv: (s) => {
      const gi = geometry(s.in);
      const go = geometry(s.out);
      const cinG = s.in.C / s.groups;
      const coutG = s.out.C / s.groups;
      const inBase = addr(s.in) + gi.origin - s.pads[0]! * gi.row - s.pads[1]! * gi.pix;
      const outBase = addr(s.out) + go.origin;
      const [dh, dw] = s.dilations as [number, number];
      const bias = img.data(padded(s.epi.bias, s.out.C, go.cp), 16);
      if (s.groups > 1 && cinG === 1 && coutG === 1) {
        summary.push(`${s.node}: depthwise ${s.kh}x${s.kw} conv, ${s.in.C} channels, stride ${s.strides.join('x')}`);
        const taps = new Int32Array(s.kh * s.kw);
        for (let ky = 0; ky < s.kh; ky++) for (let kx = 0; kx < s.kw; kx++) taps[ky * s.kw + kx] = ky * dh * gi.row + kx * dw * gi.pix;
        return new Desc('depthwise')
          .int('inBase', inBase).int('inImg', gi.img).int('inRowStep', s.strides[0]! * gi.row).int('inPixStep', s.strides[1]! * gi.pix).int('taps', img.data(taps, 16)).int('ntaps', taps.length)
          .int('cp', gi.cp).int('w', img.data(packDepthwise(s.weight, s.in.C, s.kh, s.kw, gi.cp), 16))
          .int('outBase', outBase).int('outImg', go.img).int('outRow', go.row).int('outPix', go.pix).int('outH', s.out.H).int('outW', s.out.W).int('bias', bias)
          .epilogue(s.epi, epiResidual(s, outBase));
      }
      const coutg = s.groups === 1 ? go.cp : coutG;
      const koff = new Int32Array(s.kh * s.kw * cinG);
      for (let ky = 0; ky < s.kh; ky++) for (let kx = 0; kx < s.kw; kx++) for (let ci = 0; ci < cinG; ci++) {
        koff[(ky * s.kw + kx) * cinG + ci] = ky * dh * gi.row + kx * dw * gi.pix + ci * 4;
      }
      summary.push(`${s.node}: dense ${s.kh}x${s.kw} conv ${s.in.C}->${s.out.C}, stride ${s.strides.join('x')}${s.groups > 1 ? `, ${s.groups} groups` : ''}`);
      return new Desc('conv')
        .int('inBase', inBase).int('inImg', gi.img).int('inRowStep', s.strides[0]! * gi.row).int('inPixStep', s.strides[1]! * gi.pix).int('koff', img.data(koff, 16)).int('K', koff.length)
        .int('groups', s.groups).int('inGroupStep', cinG * 4).int('w', img.data(packConv(s.weight, s.out.C, cinG, s.kh, s.kw, s.groups, coutg), 16)).int('coutg', coutg)
        .int('outBase', outBase).int('outImg', go.img).int('outRow', go.row).int('outPix', go.pix).int('outH', s.out.H).int('outW', s.out.W).int('bias', bias)
        .epilogue(s.epi, epiResidual(s, outBase)).int('imagesAsPixels', 0).int('part', 0).int('parts', threads);
    },
    fc: (s) => {
      const b = base(s.in);
      const gi = geometry(b);
      const go = geometry(s.out);
      const K = count(s.in);
      // The input read in memory order (a flattened NCHW view of an NHWC activation jumps a
      // pixel per element otherwise); the weight rows follow the same order.
      const order = Int32Array.from({ length: K }, (_, k) => k).sort((a, b) => elementOffset(s.in, a) - elementOffset(s.in, b));
      const koff = Int32Array.from(order, (k) => elementOffset(s.in, k));
      const O = s.out.C;
      const weight = new Float32Array(K * O);
      order.forEach((k, i) => weight.set(s.weight.subarray(k * O, (k + 1) * O), i * O));
      const outBase = addr(s.out) + go.origin;
      summary.push(`${s.node}: fully connected ${K}->${s.out.C}`);
      return new Desc('conv')
        .int('inBase', addr(b)).int('inImg', gi.img).int('inRowStep', 0).int('inPixStep', gi.img).int('koff', img.data(koff, 16)).int('K', K)
        .int('groups', 1).int('inGroupStep', 0).int('w', img.data(packFc(weight, K, O, go.cp), 16)).int('coutg', go.cp)
        .int('outBase', outBase).int('outImg', go.img).int('outRow', go.row).int('outPix', go.img).int('outH', 1).int('outW', 1).int('bias', img.data(padded(s.epi.bias, s.out.C, go.cp), 16))
        .epilogue(s.epi, epiResidual(s, outBase)).int('imagesAsPixels', 1).int('part', 0).int('parts', threads);
    },
    pool: (s) => {
      const gi = geometry(s.in);
      const go = geometry(s.out);
      summary.push(`${s.node}: ${s.mode === 'max' ? 'max' : 'average'} pool ${s.kernel.join('x')} stride ${s.strides.join('x')}`);
      return new Desc('pool')
        .int('inBase', addr(s.in) + gi.origin).int('inImg', gi.img).int('inRow', gi.row).int('inPix', gi.pix).int('H', s.in.H).int('W', s.in.W).int('cp', gi.cp)
        .int('outBase', addr(s.out) + go.origin).int('outImg', go.img).int('outRow', go.row).int('outPix', go.pix).int('outH', s.out.H).int('outW', s.out.W)
        .int('kh', s.kernel[0]!).int('kw', s.kernel[1]!).int('sh', s.strides[0]!).int('sw', s.strides[1]!).int('padTop', s.pads[0]!).int('padLeft', s.pads[1]!)
        .int('mode', s.mode === 'max' ? 0 : s.mode === 'avg' ? 1 : 2).clamp(s.epi);
    },
    binary: (s) => {
      if (s.b.kind !== 'act') throw new Error('binary with a constant operand reached the layout');
      const ga = geometry(s.a);
      const gb = geometry(s.b);
      const go = geometry(s.out);
      const bcast = s.b.H === 1 && s.b.W === 1 && (s.a.H !== 1 || s.a.W !== 1);
      summary.push(`${s.node}: elementwise ${s.fn}${bcast ? ' (per channel)' : ''}`);
      return new Desc('binary')
        .int('aBase', addr(s.a) + ga.origin).int('aImg', ga.img).int('aRow', ga.row).int('aPix', ga.pix)
        .int('bBase', addr(s.b) + gb.origin).int('bImg', gb.img).int('bRow', bcast ? 0 : gb.row).int('bPix', bcast ? 0 : gb.pix).int('bVec', 16)
        .int('oBase', addr(s.out) + go.origin).int('oImg', go.img).int('oRow', go.row).int('oPix', go.pix).int('H', s.a.H).int('W', s.a.W).int('cp', ga.cp)
        .int('op', BINARY[s.fn]).clamp(s.epi);
    },
    unary: (s) => {
      const ga = geometry(s.a);
      const go = geometry(s.out);
      const d = new Desc('unary')
        .int('aBase', addr(s.a) + ga.origin).int('aImg', ga.img).int('aRow', ga.row).int('aPix', ga.pix)
        .int('oBase', addr(s.out) + go.origin).int('oImg', go.img).int('oRow', go.row).int('oPix', go.pix).int('H', s.a.H).int('W', s.a.W).int('cp', ga.cp)
        .int('fn', UNARY[s.fn]).clamp(s.epi);
      if (s.fn === 'affine') d.int('p1', img.data(padded(s.scale, s.a.C, ga.cp, 1), 16)).int('p2', img.data(padded(s.shift, s.a.C, ga.cp), 16));
      else d.float('p1', s.p1).float('p2', s.p2);
      summary.push(`${s.node}: elementwise ${s.fn}${s.epi.activated ? ' + clamp' : ''}`);
      return d;
    },
    copy: (s) => {
      const from = base(s.from);
      const go = geometry(s.out);
      const n = s.pairs ? s.pairs.src.length : count(s.out);
      const pairs: [number, number][] = [];
      for (let e = 0; e < n; e++) {
        const src = s.pairs ? s.pairs.src[e]! : e;
        pairs.push([src < 0 ? -1 : elementOffset(s.from, src), offsetOf(s.out, s.pairs ? s.pairs.dst[e]! : e)]);
      }
      summary.push(`${s.node}: copy (${s.from.kind === 'view' ? 'view' : 'layout'}) ${n} values`);
      return copyDesc(addr(from), geometry(from).img, addr(s.out), go.img, pairs);
    },
    softmax: (s) => {
      const gi = geometry(s.in);
      const go = geometry(s.out);
      summary.push(`${s.node}: softmax over ${s.in.C}`);
      return new Desc('softmax').int('src', addr(s.in) + gi.origin).int('srcImg', gi.img).int('dst', addr(s.out) + go.origin).int('dstImg', go.img).int('F', s.in.C);
    },
  };
  for (const s of steps) {
    descriptors.push((BUILDERS[s.op] as (x: Step) => Placeable)(s));
    subs.push(subFor(s));
    if (s.op === 'winograd') {
      const over = winogradOverhang(s);
      if (over.rows > 0 || over.cols > 0) {
        descriptors.push(zeroOutside(s.out));
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
    output = { address: addr(outV), stride: geometry(outV).img / 4, perImage: perImageOut, dims: lowered.output.dims };
  } else {
    const stagingOut = img.alloc(B * perImageOut * 4);
    const pairs: [number, number][] = Array.from({ length: perImageOut }, (_, e) => [elementOffset(outV, e), e * 4]);
    descriptors.push(copyDesc(addr(base(outV)), geometry(base(outV)).img, stagingOut, perImageOut * 4, pairs));
    subs.push(subs.at(-1) ?? B);
    output = { address: stagingOut, stride: perImageOut, perImage: perImageOut, dims: lowered.output.dims };
  }

  const { entries, barrier } = threadEntries(descriptors, threads, scratchStride, img, opts.barrierTimeoutMs ?? 60_000);
  // Consecutive steps whose preferred sub-batches are within a factor of 2 run together, on the
  // smallest of them, so one sub-batch's activations pass from step to step while in cache.
  const segments: Segment[] = [];
  for (let i = 0; i < descriptors.length;) {
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
  if (memoryBytes > 2 ** 31) throw new SwpruneError('E_MODEL', `the runtime needs ${Math.round(memoryBytes / 2 ** 20)} MiB for a batch of ${B}; use a smaller batch`);
  return {
    batch: B, memoryBytes, image: img.finish(), segments, threads, barrier,
    input: { address: stagingIn, perImage: perImageIn, dims: logicalDimsOfInput(lowered), layout: lowered.input.layout },
    output, summary,
  };
}

/** Steps that share their work out between threads (runtime.wat, Threads). */
const SHARED_WORK: ReadonlySet<KernelKind> = new Set(['winograd', 'conv']);

/**
 * The program entries of steps i..j-1 for each thread: for a step that shares its work out,
 * thread t's copy of its descriptor (a Winograd layer: thread t's range of output channels and
 * its own scratch; a dense convolution: part t);
 * for the others, the descriptor in thread 0's program only. With several threads a barrier
 * follows every step but between two of thread 0's own, and ends every program. One thread:
 * the descriptors as they are.
 */
function threadEntries(descriptors: readonly Placeable[], threads: number, scratchStride: number, img: Image, timeoutMs: number): { entries: (i: number, j: number) => number[][]; barrier: number } {
  const place = (d: Placeable) => img.data(d.bytes(), 16);
  if (threads === 1) {
    const own = descriptors.map(place);
    return { entries: (i, j) => [own.slice(i, j)], barrier: 0 };
  }
  const shared = descriptors.map((d) => SHARED_WORK.has(d.kind));
  const copies = descriptors.map((d, k) => Array.from({ length: threads }, (_, t) => {
    if (!shared[k]) return t === 0 ? place(d) : -1;
    if (d.kind === 'winograd') {
      const w = d as unknown as Desc<'winograd'>;
      const c = w.copy();
      for (const f of ['V', 'M', 'S', 'tab'] as const) c.int(f, w.read(f) + t * scratchStride);
      // Output channels in groups of 4, as evenly as they go.
      const groups = w.read('coutp') / 4;
      return place(c.int('coLo', 4 * Math.floor((t * groups) / threads)).int('coHi', 4 * Math.floor(((t + 1) * groups) / threads)));
    }
    return place((d as unknown as Desc<'conv'>).copy().int('part', t));
  }));
  const state = img.alloc(64);
  const barrier = place(new Desc('barrier').int('state', state).int('threads', threads).int('timeout', Math.max(1, Math.round(timeoutMs))));
  const entries = (i: number, j: number) => Array.from({ length: threads }, (_, t) => {
    const list: number[] = [];
    for (let k = i; k < j; k++) {
      if (copies[k]![t]! >= 0) list.push(copies[k]![t]!);
      if (k === j - 1 || shared[k] || shared[k + 1]) list.push(barrier);
    }
    return list;
  });
  return { entries, barrier: state };
}

function logicalDimsOfInput(l: Lowered): number[] {
  const a = l.input.act;
  if (a.rank === 2) return [a.C];
  return l.input.layout === 'NHWC' ? [a.H, a.W, a.C] : [a.C, a.H, a.W];
}

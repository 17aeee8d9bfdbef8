/**
 * One descriptor encoder per kernel kind: a step, placed in the memory image (its activations'
 * geometry and addresses, the shared Winograd scratch), becomes its kernel's descriptor, with
 * the weights and tables it points at written into the image. The layout (layout.ts) decides
 * where everything lives; the encoders only read that.
 */
import { isF4x4, tileGrid } from '../../winograd/tiles.js';
import { Desc, type Image, type Placeable } from './image.js';
import type { Act, Epilogue, Step, StepOf, View } from './types.js';
import {
  ceil4,
  densePositionMatrix,
  packConv,
  packDepthwise,
  packFc,
  padded,
  positionMatrix,
  sparseConvMatrix,
  transformMatrix,
} from './weights.js';

const UNARY = { none: 0, sigmoid: 1, tanh: 2, hardSigmoid: 3, hardSwish: 4, exp: 5, affine: 6, abs: 7, sqrt: 8, neg: 9, silu: 10 } as const;
const BINARY = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5 } as const;

/** Where an activation lives and how it is laid out (bytes). */
export interface Geometry {
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

/** What the encoders read of the layout. */
export interface Placement {
  readonly img: Image;
  /** Threads sharing the memory (LayoutOptions.threads). */
  readonly threads: number;
  /** Images per call of the module (LayoutOptions.batch). */
  readonly batch: number;
  /** Address of thread 0's Winograd scratch (0: none). */
  readonly scratch: number;
  /** One line per step, for --verbose and tests. */
  readonly summary: string[];
  geometry(a: Act): Geometry;
}

export const base = (v: Act | View): Act => (v.kind === 'act' ? v : v.base);
export const count = (v: Act | View) => (v.kind === 'act' ? v.C * v.H * v.W : v.index.length);
export const addr = (p: Placement, a: Act) => p.geometry(a).addr;

/** Byte offset of logical element e (NCHW order) of a, from its image's first byte. */
export function offsetOf(p: Placement, a: Act, e: number): number {
  const g = p.geometry(a);
  const HW = a.H * a.W;
  const c = Math.floor(e / HW);
  const h = Math.floor((e % HW) / a.W);
  const w = e % a.W;
  return g.origin + h * g.row + w * g.pix + c * 4;
}

export const elementOffset = (p: Placement, v: Act | View, e: number) =>
  v.kind === 'act' ? offsetOf(p, v, e) : offsetOf(p, v.base, v.index[e]!);

const epiResidual = (p: Placement, s: Step & { epi: Epilogue }, outAddr: number) =>
  s.epi.residual ? addr(p, s.epi.residual) + p.geometry(s.epi.residual).origin - outAddr : 0;

export const winogradTiles = (s: StepOf<'winograd'>) => {
  const { tilesH, tilesW } = tileGrid((s.pool ?? s.out).H, (s.pool ?? s.out).W, s.tile.m);
  return { ty: tilesH, tx: tilesW };
};

/** True when the layer's tile is F(4x4,3x3) exactly: runtime.wat's hand-written transforms apply. */
const handWritten = (s: StepOf<'winograd'>) => isF4x4(s.tile.t, s.tile.m, s.tile.bt.values, s.tile.at.values);

/**
 * Tiles per chunk of a Winograd layer: 32 (8 vectors). Measured on both bench nets: 64 was no
 * faster on the 16-64 channel layers and 8% slower on the 256 channel ones (a chunk's V and M
 * outgrow the second-level cache). A plan whose calls have fewer tiles than that in a layer
 * (batch x tiles per image) makes its chunks only as large as those tiles (winogradScratch).
 */
const CHUNK_TILES = 32;

/** Rows and columns a Winograd layer's whole output tiles reach past its output (its epilogue stores whole tiles). */
export const winogradOverhang = (s: StepOf<'winograd'>) => {
  const { ty, tx } = winogradTiles(s);
  const mo = s.pool ? s.tile.m / 2 : s.tile.m;
  return { rows: ty * mo - s.out.H, cols: tx * mo - s.out.W };
};

/**
 * A Winograd layer's scratch in a plan for `batch` images: tiles per chunk, V and M and their
 * position strides, the transform scratch S and the tile table. A chunk is CHUNK_TILES tiles, or
 * the batch's tiles (rounded up to 4) when fewer: each channel's row of V and M is a chunk long,
 * so a deep layer at batch 1 (ResNet-18's 7x7 layers, 4 tiles) reads 16 bytes of each 128-byte
 * row with chunks of 32, and its 512 channels' rows of one position no longer fit the
 * first-level cache. 4-tile rows: 3 layers of 512 channels at 7x7, 80%, 1.25x faster on one
 * thread (1.32x on a team of 2); 16-tile rows at 14x14 and 256 channels, 1.08x. Which tiles
 * a row holds does not change how a tile's values are summed: the bits are the same.
 */
export function winogradScratch(s: StepOf<'winograd'>, batch: number) {
  const T2 = s.tile.t * s.tile.t;
  const { ty, tx } = winogradTiles(s);
  const CH = Math.min(CHUNK_TILES, ceil4(batch * ty * tx));
  // One row of CH floats per channel; positions 64 bytes more than that apart (runtime.wat).
  const psV = ceil4(s.in.C) * CH * 4 + 64;
  const psM = ceil4(s.out.C) * CH * 4 + 64;
  const S = (4 * T2 + T2 + 4 * s.tile.m * s.tile.m + 4) * 16;
  return { CH, V: T2 * psV, M: T2 * psM, psV, psM, S, tab: CH * 8 };
}

/**
 * A Winograd layer's work per group of 4 output channels, in multiply-adds per vector of tiles:
 * each output channel's entries over all positions (every input channel in a dense product),
 * plus T^2 for its output transform. A team shares the layer's output channels out by it
 * (layout.ts): after pruning, channels keep different numbers of nonzeros.
 */
export function winogradWork(s: StepOf<'winograd'>, coutp: number): number[] {
  const T2 = s.tile.t * s.tile.t;
  const perChannel = new Array<number>(coutp).fill(0);
  for (let co = 0; co < s.out.C; co++) perChannel[co] = T2;
  for (const w of s.layer.positions) {
    if (s.dense) for (let co = 0; co < s.out.C; co++) perChannel[co]! += w.rows;
    else for (const co of w.colIdx) perChannel[co]!++;
  }
  return Array.from(
    { length: coutp / 4 },
    (_, g) => perChannel[4 * g]! + perChannel[4 * g + 1]! + perChannel[4 * g + 2]! + perChannel[4 * g + 3]!,
  );
}

/** A copy descriptor moving the given (src, dst) byte-offset pairs, 16 bytes at a time when every 4 entries allow it. */
export function copyDesc(p: Placement, src: number, srcImg: number, dst: number, dstImg: number, pairs: [number, number][]): Desc<'copy'> {
  pairs.sort((x, y) => x[1] - y[1]);
  const vector =
    pairs.length % 4 === 0 &&
    pairs.every((x, i) => {
      const q = pairs[i - (i % 4)]!;
      const k = i % 4;
      return q[1] % 16 === 0 && x[1] === q[1] + 4 * k && (q[0] < 0 ? x[0] < 0 : q[0] % 16 === 0 && x[0] === q[0] + 4 * k);
    });
  const used = vector ? pairs.filter((_, i) => i % 4 === 0) : pairs;
  const table = new Int32Array(used.length * 2);
  used.forEach((x, i) => {
    table[2 * i] = x[0] < 0 ? -1 : x[0];
    table[2 * i + 1] = x[1];
  });
  return new Desc('copy')
    .int('src', src)
    .int('srcImg', srcImg)
    .int('dst', dst)
    .int('dstImg', dstImg)
    .int('table', p.img.data(table, 16))
    .int('count', used.length)
    .int('unit', vector ? 16 : 4);
}

/** A zero step clearing everything of a's buffer right of and below its pixels (what whole tiles wrote there). */
export function zeroOutside(p: Placement, a: Act): Desc<'zero'> {
  const g = p.geometry(a);
  const ranges: number[] = [];
  const right = (g.Wp - g.left - a.W) * g.pix;
  if (right > 0) for (let y = 0; y < a.H; y++) ranges.push(g.origin + y * g.row + a.W * g.pix, right);
  const below = (g.Hp - g.top - a.H) * g.row;
  if (below > 0) ranges.push((g.top + a.H) * g.row, below);
  return new Desc('zero')
    .int('base', addr(p, a))
    .int('imgStride', g.img)
    .int('table', p.img.data(Int32Array.from(ranges), 16))
    .int('count', ranges.length / 2);
}

/** A Winograd layer (op winograd): position matrices, transforms, its share of the scratch. */
function encodeWinograd(p: Placement, s: StepOf<'winograd'>): Desc<'winograd'> {
  const gi = p.geometry(s.in);
  const go = p.geometry(s.out);
  const { ty, tx } = winogradTiles(s);
  const T = s.tile.t;
  const { CH, V, M, S, psV, psM } = winogradScratch(s, p.batch);
  const rowBytes = CH * 4;
  const positions = s.layer.positions.map((w) =>
    p.img.data((s.dense ? densePositionMatrix(w, go.cp, s.scale) : positionMatrix(w, go.cp, rowBytes, s.scale, s.layer.group)).bytes, 16),
  );
  const outBase = addr(p, s.out) + go.origin;
  const v = at64(p.scratch);
  const m = at64(v + V);
  const sc = at64(m + M);
  const tab = at64(sc + S);
  p.summary.push(
    `${s.node}: ${s.fromConv ? 'dense 3x3 conv as' : 'sparse'} Winograd ${s.tile.name} ${s.in.C}->${s.out.C}${s.layer.group > 1 ? ` (${s.layer.group} groups)` : ''} ${s.in.H}x${s.in.W}, ${s.layer.positions.reduce((n, q) => n + q.values.length, 0)} ${s.fromConv ? 'weights' : 'nonzeros'}${s.dense && !s.fromConv ? ', dense product' : ''}, chunk ${CH}${handWritten(s) ? '' : ', generic transforms'}${s.pool ? ', 2x2 max pool fused' : ''}`,
  );
  return new Desc('winograd')
    .int('inBase', addr(p, s.in) + gi.origin - s.pads[0]! * gi.row - s.pads[1]! * gi.pix)
    .int('inImg', gi.img)
    .int('inRow', gi.row)
    .int('inPix', gi.pix)
    .int('cinp', gi.cp)
    .int('cin', s.in.C)
    .int('outBase', outBase)
    .int('outImg', go.img)
    .int('outRow', go.row)
    .int('outPix', go.pix)
    .int('coutp', go.cp)
    .int('outH', s.out.H)
    .int('outW', s.out.W)
    .int('tilesY', ty)
    .int('tilesX', tx)
    .int('T', T)
    .int('m', s.tile.m)
    .int('kind', handWritten(s) ? 1 : 0)
    .int('bt', p.img.data(transformMatrix(s.tile.bt).bytes, 16))
    .int('at', p.img.data(transformMatrix(s.tile.at).bytes, 16))
    .int('wTable', p.img.data(Int32Array.from(positions), 16))
    .int('bias', p.img.data(padded(s.epi.bias, s.out.C, go.cp), 16))
    .epilogue(s.epi, epiResidual(p, s, outBase))
    .int('CH', CH)
    .int('V', v)
    .int('M', m)
    .int('S', sc)
    .int('tab', tab)
    .int('psV', psV)
    .int('psM', psM)
    .int('pool', s.pool ? 2 : 1)
    .int('dense', s.dense ? 1 : 0)
    .int('coLo', 0)
    .int('coHi', go.cp)
    .int('chunkPart', 0)
    .int('chunkParts', 1)
    .int('ciLo', 0)
    .int('ciHi', gi.cp)
    .int('sync', 0);
}

/** A convolution's window fields (Desc.window): the window origin of output (0, 0), padding before it, and the steps between windows. */
function windowOf(p: Placement, s: StepOf<'conv'>): [number, number, number, number] {
  const gi = p.geometry(s.in);
  return [addr(p, s.in) + gi.origin - s.pads[0]! * gi.row - s.pads[1]! * gi.pix, gi.img, s.strides[0]! * gi.row, s.strides[1]! * gi.pix];
}

/** A dense or grouped convolution (op conv), or a depthwise one (op depthwise): window offsets and packed weights; a sparse one (op sparseConv). */
function encodeConv(p: Placement, s: StepOf<'conv'>): Desc<'conv'> | Desc<'depthwise'> | Desc<'sparseConv'> {
  if (s.sparse) return encodeSparseConv(p, s);
  const gi = p.geometry(s.in);
  const go = p.geometry(s.out);
  const cinG = s.in.C / s.groups;
  const coutG = s.out.C / s.groups;
  const outBase = addr(p, s.out) + go.origin;
  const [dh, dw] = s.dilations as [number, number];
  const bias = p.img.data(padded(s.epi.bias, s.out.C, go.cp), 16);
  if (s.groups > 1 && cinG === 1 && coutG === 1) {
    p.summary.push(`${s.node}: depthwise ${s.kh}x${s.kw} conv, ${s.in.C} channels, stride ${s.strides.join('x')}`);
    const taps = new Int32Array(s.kh * s.kw);
    for (let ky = 0; ky < s.kh; ky++) for (let kx = 0; kx < s.kw; kx++) taps[ky * s.kw + kx] = ky * dh * gi.row + kx * dw * gi.pix;
    return new Desc('depthwise')
      .window(...windowOf(p, s))
      .int('taps', p.img.data(taps, 16))
      .int('ntaps', taps.length)
      .int('cp', gi.cp)
      .int('w', p.img.data(packDepthwise(s.weight, s.in.C, s.kh, s.kw, gi.cp), 16))
      .output(outBase, go, s.out)
      .int('bias', bias)
      .epilogue(s.epi, epiResidual(p, s, outBase));
  }
  const coutg = s.groups === 1 ? go.cp : coutG;
  // Row runs: each window row is kw pixels x C channels contiguous in memory (no padding
  // channels: C a multiple of 4, or the network's input stored unpadded), read with no offset table.
  const rows = s.groups === 1 && (dw === 1 || s.kw === 1) && s.in.C === gi.cp;
  if (rows) {
    const rowTab = Int32Array.from({ length: s.kh }, (_, ky) => ky * dh * gi.row);
    p.summary.push(`${s.node}: dense ${s.kh}x${s.kw} conv ${s.in.C}->${s.out.C}, stride ${s.strides.join('x')}, row runs`);
    return convDesc(p, s, outBase, bias)
      .int('koff', 0)
      .int('K', s.kh * s.kw * gi.cp)
      .int('inGroupStep', 0)
      .int('w', p.img.data(packConv(s.weight, s.out.C, cinG, s.kh, s.kw, 1, coutg, gi.cp), 16))
      .int('rowTab', p.img.data(rowTab, 16))
      .int('kh', s.kh)
      .int('L', s.kw * gi.cp);
  }
  const koff = new Int32Array(s.kh * s.kw * cinG);
  for (let ky = 0; ky < s.kh; ky++)
    for (let kx = 0; kx < s.kw; kx++)
      for (let ci = 0; ci < cinG; ci++) {
        koff[(ky * s.kw + kx) * cinG + ci] = ky * dh * gi.row + kx * dw * gi.pix + ci * 4;
      }
  p.summary.push(
    `${s.node}: dense ${s.kh}x${s.kw} conv ${s.in.C}->${s.out.C}, stride ${s.strides.join('x')}${s.groups > 1 ? `, ${s.groups} groups` : ''}`,
  );
  return convDesc(p, s, outBase, bias)
    .int('koff', p.img.data(koff, 16))
    .int('K', koff.length)
    .int('inGroupStep', cinG * 4)
    .int('w', p.img.data(packConv(s.weight, s.out.C, cinG, s.kh, s.kw, s.groups, coutg), 16))
    .int('rowTab', 0)
    .int('kh', 0)
    .int('L', 0);
}

/**
 * Bytes of gathered window entries (V) a sparse direct convolution's chunk of output pixels
 * may fill. Every output channel's nonzeros read V once per chunk; the weights are read once
 * per chunk. ResNet-18's seven layers that are no Winograd candidates at 80% zeros, one
 * thread, each budget's plan in turns with the dense kernel's in one process (a busy machine):
 * their time over the dense kernel's 0.43 at batch 1 and 0.42 at batch 8 at 64 KiB, 0.40 and
 * 0.54 at 128 KiB, 0.44 and 0.47 at 256 KiB.
 */
const SPARSE_V_BYTES = 64 * 1024;
/** The most output pixels per chunk of a sparse direct convolution (a 1x1 layer's few window entries would allow thousands). */
const SPARSE_CHUNK_MAX = 256;

/**
 * A sparse direct convolution's chunk of output pixels and scratch (runtime.wat, op 10): K
 * window entries (kh * kw * the input's padded channels), CH pixels per chunk (a multiple of
 * 4, at least 8), `row` bytes per row of V (one per window entry) and of M (one per padded
 * output channel): CH floats, and 64 bytes more when that is a multiple of 512 (a power-of-two
 * stride puts the rows a gather step writes in one cache set); the pixel table.
 */
export function sparseConvScratch(s: StepOf<'conv'>) {
  const K = s.kh * s.kw * ceil4(s.in.C);
  const CH = Math.min(SPARSE_CHUNK_MAX, Math.max(8, 4 * Math.floor(SPARSE_V_BYTES / (16 * K))));
  const row = CH * 4 + ((CH * 4) % 512 === 0 ? 64 : 0);
  return { K, CH, row, V: K * row, M: ceil4(s.out.C) * row, tab: CH * 8 };
}

const at64 = (x: number) => Math.ceil(x / 64) * 64;

/**
 * A sparse direct convolution (op sparseConv): the window offset table (one per 4 channels of
 * a window pixel) and the weights as a sparse matrix, a row per output channel of entries
 * (byte offset of the window entry's row of V, weight), zeros left out.
 */
function encodeSparseConv(p: Placement, s: StepOf<'conv'>): Desc<'sparseConv'> {
  const gi = p.geometry(s.in);
  const go = p.geometry(s.out);
  if (s.groups !== 1 || gi.cp !== ceil4(s.in.C))
    throw new Error(`${s.node}: the sparse direct kernel needs groups 1 and padded input channels`);
  const { K, CH, row, V, M } = sparseConvScratch(s);
  const [dh, dw] = s.dilations as [number, number];
  const C = s.in.C;
  const koff = new Int32Array(K / 4);
  for (let ky = 0; ky < s.kh; ky++)
    for (let kx = 0; kx < s.kw; kx++)
      for (let c = 0; c < gi.cp / 4; c++) koff[((ky * s.kw + kx) * gi.cp) / 4 + c] = ky * dh * gi.row + kx * dw * gi.pix + c * 16;
  const mat = sparseConvMatrix(s.weight, s.out.C, C, s.kh, s.kw, go.cp, gi.cp, row);
  const nnz = (mat.bytes.length / 4 - go.cp - 1) / 2;
  const outBase = addr(p, s.out) + go.origin;
  const v = at64(p.scratch);
  const m = at64(v + V);
  const tab = at64(m + M);
  p.summary.push(
    `${s.node}: sparse direct ${s.kh}x${s.kw} conv ${C}->${s.out.C}, stride ${s.strides.join('x')}, ${nnz} nonzeros (${((100 * nnz) / s.weight.length).toFixed(0)}%), chunk ${CH}`,
  );
  return new Desc('sparseConv')
    .window(...windowOf(p, s))
    .int('koff', p.img.data(koff, 16))
    .int('K', K)
    .output(outBase, go, s.out)
    .int('coutp', go.cp)
    .int('mat', p.img.data(mat.bytes, 16))
    .int('bias', p.img.data(padded(s.epi.bias, s.out.C, go.cp), 16))
    .epilogue(s.epi, epiResidual(p, s, outBase))
    .int('CH', CH)
    .int('row', row)
    .int('V', v)
    .int('M', m)
    .int('tab', tab)
    .int('counter', 0);
}

/**
 * Output rows per band of a dense convolution (runtime.wat: each block of 8 output channels
 * runs over a band's pixels, 4 at a time across its rows). The whole image when a group's
 * weights outgrow its input image: the deep strided layers (ResNet-18's 3x3 128->256 and
 * 256->512: 1.2 and 4.7 MB of weights against 0.5 and 0.3 MB of input) otherwise read every
 * weight from beyond the second-level cache once per band. Else the fewest rows whose pixels
 * are a multiple of 4 (1, 2 or 4), so no row ends in pixels of the slower one-pixel block.
 */
function convBand(s: StepOf<'conv'>, inImageBytes: number): number {
  if (s.kh * s.kw * (s.in.C / s.groups) * (s.out.C / s.groups) * 4 > inImageBytes) return s.out.H;
  const W = s.out.W;
  return Math.min(s.out.H, W % 4 === 0 ? 1 : W % 2 === 0 ? 2 : 4);
}

/** A dense convolution's blocks of 8 output channels per group (runtime.wat, op 1; the last may be 4 wide). */
const convBlocks = (coutg: number): number => Math.ceil(coutg / 8);

/** The fields of a dense convolution's descriptor that do not depend on how its window is read. */
function convDesc(p: Placement, s: StepOf<'conv'>, outBase: number, bias: number): Desc<'conv'> {
  const gi = p.geometry(s.in);
  const go = p.geometry(s.out);
  return new Desc('conv')
    .window(...windowOf(p, s))
    .int('groups', s.groups)
    .int('coutg', s.groups === 1 ? go.cp : s.out.C / s.groups)
    .output(outBase, go, s.out)
    .int('bias', bias)
    .epilogue(s.epi, epiResidual(p, s, outBase))
    .int('imagesAsPixels', 0)
    .int('blocks', convBlocks(s.groups === 1 ? go.cp : s.out.C / s.groups))
    .int('counter', 0)
    .int('band', convBand(s, gi.img));
}

/** A fully connected layer, as a convolution whose window is the whole input (op conv). */
function encodeFc(p: Placement, s: StepOf<'fc'>): Desc<'conv'> {
  const b = base(s.in);
  const gi = p.geometry(b);
  const go = p.geometry(s.out);
  const K = count(s.in);
  // The input read in memory order (a flattened NCHW view of an NHWC activation jumps a
  // pixel per element otherwise); the weight rows follow the same order.
  const order = Int32Array.from({ length: K }, (_, k) => k).sort((a, b) => elementOffset(p, s.in, a) - elementOffset(p, s.in, b));
  const koff = Int32Array.from(order, (k) => elementOffset(p, s.in, k));
  const O = s.out.C;
  const weight = new Float32Array(K * O);
  order.forEach((k, i) => {
    weight.set(s.weight.subarray(k * O, (k + 1) * O), i * O);
  });
  const outBase = addr(p, s.out) + go.origin;
  p.summary.push(`${s.node}: fully connected ${K}->${s.out.C}`);
  return new Desc('conv')
    .int('inBase', addr(p, b))
    .int('inImg', gi.img)
    .int('inRowStep', 0)
    .int('inPixStep', gi.img)
    .int('koff', p.img.data(koff, 16))
    .int('K', K)
    .int('groups', 1)
    .int('inGroupStep', 0)
    .int('w', p.img.data(packFc(weight, K, O, go.cp), 16))
    .int('coutg', go.cp)
    .int('outBase', outBase)
    .int('outImg', go.img)
    .int('outRow', go.row)
    .int('outPix', go.img)
    .int('outH', 1)
    .int('outW', 1)
    .int('bias', p.img.data(padded(s.epi.bias, s.out.C, go.cp), 16))
    .epilogue(s.epi, epiResidual(p, s, outBase))
    .int('imagesAsPixels', 1)
    .int('blocks', convBlocks(go.cp))
    .int('counter', 0)
    .int('rowTab', 0)
    .int('kh', 0)
    .int('L', 0)
    .int('band', 1);
}

/** Max or average pooling (op pool). */
function encodePool(p: Placement, s: StepOf<'pool'>): Desc<'pool'> {
  const gi = p.geometry(s.in);
  const go = p.geometry(s.out);
  p.summary.push(`${s.node}: ${s.mode === 'max' ? 'max' : 'average'} pool ${s.kernel.join('x')} stride ${s.strides.join('x')}`);
  return new Desc('pool')
    .int('inBase', addr(p, s.in) + gi.origin)
    .int('inImg', gi.img)
    .int('inRow', gi.row)
    .int('inPix', gi.pix)
    .int('H', s.in.H)
    .int('W', s.in.W)
    .int('cp', gi.cp)
    .int('outBase', addr(p, s.out) + go.origin)
    .int('outImg', go.img)
    .int('outRow', go.row)
    .int('outPix', go.pix)
    .int('outH', s.out.H)
    .int('outW', s.out.W)
    .int('kh', s.kernel[0]!)
    .int('kw', s.kernel[1]!)
    .int('sh', s.strides[0]!)
    .int('sw', s.strides[1]!)
    .int('padTop', s.pads[0]!)
    .int('padLeft', s.pads[1]!)
    .int('mode', s.mode === 'max' ? 0 : s.mode === 'avg' ? 1 : 2)
    .int('rowLo', 0)
    .int('rowHi', s.out.H)
    .clamp(s.epi);
}

/** Elementwise a (op) b (op binary). */
function encodeBinary(p: Placement, s: StepOf<'binary'>): Desc<'binary'> {
  if (s.b.kind !== 'act') throw new Error('binary with a constant operand reached the layout');
  const ga = p.geometry(s.a);
  const gb = p.geometry(s.b);
  const go = p.geometry(s.out);
  const bcast = s.b.H === 1 && s.b.W === 1 && (s.a.H !== 1 || s.a.W !== 1);
  p.summary.push(`${s.node}: elementwise ${s.fn}${bcast ? ' (per channel)' : ''}`);
  return new Desc('binary')
    .int('aBase', addr(p, s.a) + ga.origin)
    .int('aImg', ga.img)
    .int('aRow', ga.row)
    .int('aPix', ga.pix)
    .int('bBase', addr(p, s.b) + gb.origin)
    .int('bImg', gb.img)
    .int('bRow', bcast ? 0 : gb.row)
    .int('bPix', bcast ? 0 : gb.pix)
    .int('bVec', 16)
    .int('oBase', addr(p, s.out) + go.origin)
    .int('oImg', go.img)
    .int('oRow', go.row)
    .int('oPix', go.pix)
    .int('H', s.a.H)
    .int('W', s.a.W)
    .int('cp', ga.cp)
    .int('op', BINARY[s.fn])
    .clamp(s.epi);
}

/** Elementwise functions (op unary). */
function encodeUnary(p: Placement, s: StepOf<'unary'>): Desc<'unary'> {
  const ga = p.geometry(s.a);
  const go = p.geometry(s.out);
  const d = new Desc('unary')
    .int('aBase', addr(p, s.a) + ga.origin)
    .int('aImg', ga.img)
    .int('aRow', ga.row)
    .int('aPix', ga.pix)
    .int('oBase', addr(p, s.out) + go.origin)
    .int('oImg', go.img)
    .int('oRow', go.row)
    .int('oPix', go.pix)
    .int('H', s.a.H)
    .int('W', s.a.W)
    .int('cp', ga.cp)
    .int('fn', UNARY[s.fn])
    .clamp(s.epi);
  if (s.fn === 'affine')
    d.int('p1', p.img.data(padded(s.scale, s.a.C, ga.cp, 1), 16)).int('p2', p.img.data(padded(s.shift, s.a.C, ga.cp), 16));
  else d.float('p1', s.p1).float('p2', s.p2);
  p.summary.push(`${s.node}: elementwise ${s.fn}${s.epi.activated ? ' + clamp' : ''}`);
  return d;
}

/** A copy through an index table (op copy): views, layout changes, Concat, Pad. */
function encodeCopy(p: Placement, s: StepOf<'copy'>): Desc<'copy'> {
  const from = base(s.from);
  const go = p.geometry(s.out);
  const n = s.pairs ? s.pairs.src.length : count(s.out);
  const pairs: [number, number][] = [];
  for (let e = 0; e < n; e++) {
    const src = s.pairs ? s.pairs.src[e]! : e;
    pairs.push([src < 0 ? -1 : elementOffset(p, s.from, src), offsetOf(p, s.out, s.pairs ? s.pairs.dst[e]! : e)]);
  }
  p.summary.push(`${s.node}: copy (${s.from.kind === 'view' ? 'view' : 'layout'}) ${n} values`);
  return copyDesc(p, addr(p, from), p.geometry(from).img, addr(p, s.out), go.img, pairs);
}

/** Softmax over the channels (op softmax). */
function encodeSoftmax(p: Placement, s: StepOf<'softmax'>): Desc<'softmax'> {
  const gi = p.geometry(s.in);
  const go = p.geometry(s.out);
  p.summary.push(`${s.node}: softmax over ${s.in.C}`);
  return new Desc('softmax')
    .int('src', addr(p, s.in) + gi.origin)
    .int('srcImg', gi.img)
    .int('dst', addr(p, s.out) + go.origin)
    .int('dstImg', go.img)
    .int('F', s.in.C);
}

/** The encoder of each step kind. */
export const ENCODERS: { readonly [K in Step['op']]: (p: Placement, s: StepOf<K>) => Placeable } = {
  winograd: encodeWinograd,
  conv: encodeConv,
  fc: encodeFc,
  pool: encodePool,
  binary: encodeBinary,
  unary: encodeUnary,
  copy: encodeCopy,
  softmax: encodeSoftmax,
};

/**
 * Which ONNX op the runtime runs how: one rule per op (keyed "domain/op"), each binding the
 * node's outputs to activations, views or constants and pushing the steps it needs. An op not
 * in the table is a one-line E_UNSUPPORTED_OP error naming it.
 */
import { num, nums, str } from '../../graph/attrs.js';
import type { AttrValue, GraphNode } from '../../graph/ir.js';
import { windowOutSize, windowPads } from '../../graph/window.js';
import * as K from './consts.js';
import { unsupported, viewAsAct, type LowerContext } from './lower.js';
import { logicalDims, noEpilogue, type Act, type BinaryFn, type Const, type UnaryFn, type View } from './types.js';
import { denseWinogradLayer, denseWinogradPays, denseWinogradTile } from './dense-winograd.js';

export type OpRule = (n: GraphNode, ctx: LowerContext) => void;

/** Output size and [top, left, bottom, right] pads of a conv / pool window (src/graph/window.ts). */
function windowGeometry(
  n: GraphNode,
  H: number,
  W: number,
  k: readonly number[],
  s: readonly number[],
  d: readonly number[],
  ceil = false,
) {
  const pads = windowPads(n, [H, W], k, s, d);
  const out = (size: number, i: number) => windowOutSize(size, pads[i]!, pads[i + 2]!, k[i]!, s[i]!, d[i]!, ceil);
  return { pads, outH: out(H, 0), outW: out(W, 1) };
}

const floats = (c: Const) => (c.data instanceof Float32Array ? c.data : Float32Array.from(c.data));

/**
 * A constant that broadcasts over an activation per channel (numpy rules: [C,1,1] or [1,C,1,1]
 * for [N,C,H,W]; [C] or [1,C] for [N,C]) or a single value: one value per channel.
 */
function perChannel(c: Const, x: Act): Float32Array | undefined {
  if (K.size(c.dims) === 1) return new Float32Array(x.C).fill(Number(c.data[0]));
  const tail = x.rank === 4 ? [x.C, 1, 1] : [x.C];
  const lead = c.dims.slice(0, c.dims.length - tail.length);
  const ok =
    c.dims.length >= tail.length && tail.every((d, i) => c.dims[c.dims.length - tail.length + i] === d) && lead.every((d) => d === 1);
  return ok ? floats(c) : undefined;
}

const out0 = (n: GraphNode) => n.outputs[0]!;

/** Folds a node whose inputs are all constants, or says it cannot. */
function foldOr(fold: (cs: Const[], n: GraphNode) => Const, otherwise?: OpRule): OpRule {
  return (n, ctx) => {
    const cs = n.inputs.map((_, i) => ctx.constOf(n, i));
    if (n.inputs.every((name, i) => !name || cs[i])) {
      let c: Const;
      try {
        c = fold(cs as Const[], n);
      } catch (e) {
        throw unsupported(n, `constant folding failed (${(e as Error).message})`);
      }
      ctx.set(out0(n), c);
      return;
    }
    if (!otherwise) throw unsupported(n, `the runtime runs ${n.op} on constants only (shape arithmetic)`);
    otherwise(n, ctx);
  };
}

const intList = (c: Const | undefined): number[] => (c ? Array.from(c.data as ArrayLike<number>, Number) : []);

// ---------------------------------------------------------------------------------------------
// Views: Flatten, Reshape, Transpose of activations move no data.

function viewOf(v: Act | View): View {
  if (v.kind === 'view') return v;
  const dims = logicalDims(v);
  return { kind: 'view', base: v, dims, index: Int32Array.from({ length: K.size(dims) }, (_, i) => i) };
}

function bindView(ctx: LowerContext, name: string, v: View): void {
  ctx.set(name, viewAsAct(v) ?? v);
}

/** Per-image dims of a Reshape target whose first entry is the batch (the batch size, 0, or -1 with the rest fixed). */
function perImageDims(n: GraphNode, target: Const, perImage: number): number[] {
  const t = intList(target);
  const rest = t.slice(1);
  const batchFirst = target.batch?.[0] === true || t[0] === 0 || (t[0] === -1 && !rest.includes(-1));
  if (!batchFirst || rest.includes(0)) throw unsupported(n, `a Reshape to [${t.join(', ')}] (the runtime keeps the batch axis first)`);
  const known = rest.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const dims = rest.map((d) => (d === -1 ? perImage / known : d));
  if (K.size(dims) !== perImage || dims.some((d) => !Number.isInteger(d)))
    throw unsupported(n, `a Reshape of ${perImage} values per image to [${t.join(', ')}]`);
  return dims;
}

const reshape: OpRule = (n, ctx) => {
  const x = ctx.value(n, n.inputs[0]!);
  const target = ctx.constOf(n, 1);
  if (!target) throw unsupported(n, 'a Reshape whose shape is computed at run time from values');
  if (x.kind === 'const') {
    ctx.set(out0(n), { ...x, dims: K.reshapeDims(x.dims, intList(target), num(n, 'allowzero', 0) === 1) });
    return;
  }
  const v = viewOf(x);
  bindView(ctx, out0(n), { ...v, dims: perImageDims(n, target, v.index.length) });
};

const flatten: OpRule = (n, ctx) => {
  const x = ctx.value(n, n.inputs[0]!);
  if (x.kind === 'const') {
    const axis = num(n, 'axis', 1);
    const a = axis < 0 ? axis + x.dims.length : axis;
    ctx.set(out0(n), { ...x, dims: [K.size(x.dims.slice(0, a)), K.size(x.dims.slice(a))] });
    return;
  }
  if (num(n, 'axis', 1) !== 1) throw unsupported(n, `Flatten with axis ${num(n, 'axis', 1)} (the runtime keeps the batch axis first)`);
  const v = viewOf(x);
  bindView(ctx, out0(n), { ...v, dims: [v.index.length] });
};

/** Transpose: of a constant, folded; of an activation or view, a new view (the batch axis stays first). */
const transposeRule: OpRule = (n, ctx) => {
  const perm = Array.isArray(n.attrs.perm) ? (n.attrs.perm as number[]) : undefined;
  const c = ctx.constOf(n, 0);
  if (c) {
    ctx.set(out0(n), K.transpose(c, perm));
    return;
  }
  const v = viewOf(ctx.actOrView(n, 0));
  const full = perm ?? [...Array(v.dims.length + 1).keys()].reverse();
  if (full[0] !== 0) throw unsupported(n, `a Transpose that moves the batch axis (perm [${full.join(', ')}])`);
  const p = full.slice(1).map((a) => a - 1);
  const outDims = p.map((a) => v.dims[a]!);
  const srcStrides = K.strides(v.dims);
  const index = new Int32Array(v.index.length);
  let e = 0;
  K.forEachIndex(outDims, (idx) => {
    let src = 0;
    p.forEach((a, i) => {
      src += idx[i]! * srcStrides[a]!;
    });
    index[e++] = v.index[src]!;
  });
  bindView(ctx, out0(n), { kind: 'view', base: v.base, dims: outDims, index });
};

/** starts, ends, axes, steps of a Slice: constant inputs (opset 10 on) or attributes. */
function sliceArgs(n: GraphNode, ctx: LowerContext) {
  if (n.inputs.length > 1) {
    const arg = (i: number): number[] | undefined => {
      if (!n.inputs[i]) return undefined;
      const c = ctx.constOf(n, i);
      if (!c) throw unsupported(n, 'Slice bounds computed at run time from values');
      if (c.batch?.some((b) => b)) throw unsupported(n, 'Slice bounds that depend on the batch size');
      return intList(c);
    };
    return { starts: arg(1) ?? [], ends: arg(2) ?? [], axes: arg(3), steps: arg(4) };
  }
  return {
    starts: nums(n, 'starts', []),
    ends: nums(n, 'ends', []),
    axes: Array.isArray(n.attrs.axes) ? (n.attrs.axes as number[]) : undefined,
    steps: undefined,
  };
}

/**
 * The part of a view a Slice keeps (any per-image axis, any step): a new index map, no data
 * moved. The batch axis must be kept whole.
 */
function subView(
  n: GraphNode,
  v: View,
  starts: readonly number[],
  ends: readonly number[],
  axes?: readonly number[],
  steps?: readonly number[],
): View {
  const rank = v.dims.length + 1;
  const [s, e, a, st]: number[][] = [[], [], [], []];
  (axes ?? starts.map((_, i) => i)).forEach((a0, i) => {
    const ax = a0 < 0 ? a0 + rank : a0;
    const step = steps?.[i] ?? 1;
    if (ax === 0) {
      if (starts[i] !== 0 || step !== 1 || ends[i]! < 2 ** 31 - 1) throw unsupported(n, 'a Slice of the batch axis');
      return;
    }
    if (ax < 0 || ax >= rank || step === 0) throw unsupported(n, `a Slice along axis ${a0} with step ${step} of a rank-${rank} value`);
    s.push(starts[i]!);
    e.push(ends[i]!);
    a.push(ax - 1);
    st.push(step);
  });
  const ranges = K.sliceRanges(v.dims, s, e, a, st);
  const dims = ranges.map((r) => r.count);
  if (dims.some((d) => d === 0)) throw unsupported(n, 'a Slice that keeps nothing');
  const srcStrides = K.strides(v.dims);
  const index = new Int32Array(K.size(dims));
  let k = 0;
  K.forEachIndex(dims, (idx) => {
    let src = 0;
    idx.forEach((i, d) => {
      src += (ranges[d]!.start + i * ranges[d]!.step) * srcStrides[d]!;
    });
    index[k++] = v.index[src]!;
  });
  return { kind: 'view', base: v.base, dims, index };
}

/** Slice: of a constant, folded; of an activation or view, a view (strided crops of H/W, channel ranges). */
const sliceRule: OpRule = (n, ctx) => {
  const { starts, ends, axes, steps } = sliceArgs(n, ctx);
  const x = ctx.value(n, n.inputs[0]!);
  if (x.kind === 'const') {
    try {
      ctx.set(out0(n), K.slice(x, starts, ends, axes, steps));
    } catch (e) {
      throw unsupported(n, `constant folding failed (${(e as Error).message})`);
    }
    return;
  }
  bindView(ctx, out0(n), subView(n, viewOf(x), starts, ends, axes, steps));
};

/** Split: consecutive slices along one axis (sizes from the input, the attribute, or equal parts). */
const split: OpRule = (n, ctx) => {
  const x = ctx.value(n, n.inputs[0]!);
  const dims = x.kind === 'const' ? x.dims : [0, ...viewOf(x).dims];
  const axis0 = num(n, 'axis', 0);
  const axis = axis0 < 0 ? axis0 + dims.length : axis0;
  if (axis <= 0 && x.kind !== 'const') throw unsupported(n, 'a Split of the batch axis');
  const total = dims[axis]!;
  let sizes: number[];
  if (n.inputs[1]) {
    const c = ctx.constOf(n, 1);
    if (!c) throw unsupported(n, 'Split sizes computed at run time');
    sizes = intList(c);
  } else if (Array.isArray(n.attrs.split)) sizes = [...(n.attrs.split as number[])];
  else {
    const parts = num(n, 'num_outputs', n.outputs.length);
    const each = Math.ceil(total / parts);
    sizes = Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(each, total - i * each)));
  }
  if (sizes.length !== n.outputs.length || sizes.reduce((p, q) => p + q, 0) !== total)
    throw unsupported(n, `a Split of ${total} into [${sizes.join(', ')}] for ${n.outputs.length} outputs`);
  let start = 0;
  n.outputs.forEach((o, i) => {
    const [s, e] = [start, start + sizes[i]!];
    start = e;
    if (!o) return;
    if (x.kind === 'const') ctx.set(o, K.slice(x, [s], [e], [axis]));
    else bindView(ctx, o, subView(n, viewOf(x), [s], [e], [axis]));
  });
};

/** A copy step: out's logical element e = from's element src[e] (0 where src[e] < 0). */
function gather(ctx: LowerContext, n: GraphNode, from: Act | View, out: Act, src: Int32Array): void {
  ctx.push({ op: 'copy', node: n.name, from, out, pairs: { src, dst: Int32Array.from({ length: src.length }, (_, i) => i) } });
}

// ---------------------------------------------------------------------------------------------
// Convolutions and fully connected layers.

const conv: OpRule = (n, ctx) => {
  const x = ctx.act(n, 0);
  const w = ctx.constOf(n, 1);
  if (w?.dims.length !== 4) throw unsupported(n, 'a convolution whose weight is not a constant 4-D tensor');
  const [cout, cinG, kh, kw] = w.dims as [number, number, number, number];
  const groups = num(n, 'group', 1);
  if (cinG * groups !== x.C) throw unsupported(n, `a weight for ${cinG * groups} input channels on ${x.C}`);
  let coutG = cout / groups;
  let input = x;
  let groups_ = groups;
  if (groups > 1 && cinG === 1 && coutG > 1 && coutG % 4 !== 0) {
    // A depthwise layer with a channel multiplier (Keras depth_multiplier): each input channel
    // copied coutG times, then a plain depthwise layer over the cout channels.
    const HW = x.H * x.W;
    input = ctx.newAct(`${n.name}/repeat`, 4, cout, x.H, x.W);
    gather(
      ctx,
      n,
      x,
      input,
      Int32Array.from({ length: cout * HW }, (_, e) => Math.floor(Math.floor(e / HW) / coutG) * HW + (e % HW)),
    );
    [groups_, coutG] = [cout, 1];
  }
  const depthwise = groups_ > 1 && coutG === 1;
  if (groups_ > 1 && !depthwise && coutG % 4 !== 0)
    throw unsupported(n, `a grouped convolution with ${coutG} output channels per group (the runtime needs a multiple of 4, or depthwise)`);
  const strides = nums(n, 'strides', [1, 1]);
  const dilations = nums(n, 'dilations', [1, 1]);
  const g = windowGeometry(n, x.H, x.W, [kh, kw], strides, dilations);
  const b = ctx.constOf(n, 2);
  const out = ctx.newAct(out0(n), 4, cout, g.outH, g.outW);
  const epi = { ...noEpilogue(), ...(b ? { bias: floats(b).slice() } : {}) };
  if (input === x && denseWinogradPays(kh, kw, strides, dilations, groups, g.outH, g.outW)) {
    const layer = denseWinogradLayer(n.name, floats(w), cout, cinG, g.pads);
    ctx.push({
      op: 'winograd',
      node: n.name,
      in: x,
      out,
      layer,
      tile: denseWinogradTile(),
      pads: g.pads,
      dense: true,
      fromConv: true,
      spatial: floats(w),
      epi,
    });
  } else {
    ctx.push({
      op: 'conv',
      node: n.name,
      in: input,
      out,
      weight: floats(w),
      kh,
      kw,
      strides,
      dilations,
      pads: g.pads,
      groups: groups_,
      epi,
    });
  }
  ctx.set(out0(n), out);
};

/**
 * A bundle layer with at least this fraction of its Winograd-domain weights nonzero runs the
 * dense product kernel: per weight it does 2 multiply-adds of 4 tiles for every 1.4 of the
 * sparse kernel's (measured: 321 vs 226 images/s on the VGG-nagadomi-shaped net with every
 * weight present), so it wins above about 70% nonzeros.
 */
const DENSE_PRODUCT_DENSITY = 0.7;

const winogradConv: OpRule = (n, ctx) => {
  const x = ctx.act(n, 0);
  const layer = ctx.bundle?.layers.find((l) => l.name === n.name);
  if (!layer) throw unsupported(n, 'a WinogradConv node without its layer in the bundle');
  const tile = ctx.bundle!.tiles[layer.tile]!;
  if (layer.cin * layer.group !== x.C) throw unsupported(n, `a Winograd layer for ${layer.cin * layer.group} input channels on ${x.C}`);
  const pads = nums(n, 'pads', layer.pads);
  const out = ctx.newAct(
    out0(n),
    4,
    layer.cout,
    x.H + pads[0]! + pads[2]! - layer.kernel + 1,
    x.W + pads[1]! + pads[3]! - layer.kernel + 1,
  );
  const dense =
    layer.group === 1 &&
    layer.positions.reduce((k, p) => k + p.values.length, 0) >= DENSE_PRODUCT_DENSITY * layer.positions.length * layer.cin * layer.cout;
  ctx.push({
    op: 'winograd',
    node: n.name,
    in: x,
    out,
    layer,
    tile,
    pads,
    dense,
    epi: { ...noEpilogue(), ...(layer.biasName ? { bias: layer.bias.slice() } : {}) },
  });
  ctx.set(out0(n), out);
};

/** A fully connected layer: x (2-D logically) times weight [K][O] plus bias. */
function fullyConnected(
  n: GraphNode,
  ctx: LowerContext,
  weight: Float32Array,
  K_: number,
  O: number,
  bias: Float32Array | undefined,
): void {
  const xv = ctx.actOrView(n, 0);
  const k = xv.kind === 'act' ? xv.C * xv.H * xv.W : xv.index.length;
  const rank = xv.kind === 'act' ? (xv.rank === 2 || (xv.H === 1 && xv.W === 1) ? 1 : 3) : xv.dims.length;
  if (rank !== 1 || k !== K_)
    throw unsupported(
      n,
      `a matrix product of [N, ${xv.kind === 'act' ? logicalDims(xv).join(', ') : xv.dims.join(', ')}] by [${K_}, ${O}]`,
    );
  const out = ctx.newAct(out0(n), 2, O, 1, 1);
  ctx.push({
    op: 'fc',
    node: n.name,
    in: xv.kind === 'act' && xv.rank === 4 ? { ...xv, rank: 2 } : xv,
    out,
    weight,
    epi: { ...noEpilogue(), ...(bias ? { bias } : {}) },
  });
  ctx.set(out0(n), out);
}

const gemm: OpRule = (n, ctx) => {
  if (num(n, 'transA', 0) !== 0) throw unsupported(n, 'Gemm with transA=1');
  const B = ctx.constOf(n, 1);
  if (B?.dims.length !== 2) throw unsupported(n, 'a Gemm whose B is not a constant matrix');
  const transB = num(n, 'transB', 0) === 1;
  const [Kd, O] = transB ? [B.dims[1]!, B.dims[0]!] : [B.dims[0]!, B.dims[1]!];
  const alpha = num(n, 'alpha', 1);
  const src = floats(B);
  const w = new Float32Array(Kd * O);
  for (let k = 0; k < Kd; k++) for (let o = 0; o < O; o++) w[k * O + o] = alpha * (transB ? src[o * Kd + k]! : src[k * O + o]!);
  const C = ctx.constOf(n, 2);
  let bias: Float32Array | undefined;
  if (C) {
    const beta = num(n, 'beta', 1);
    const c = floats(C);
    if (c.length !== 1 && c.length !== O) throw unsupported(n, `a Gemm bias of ${c.length} values for ${O} outputs`);
    bias = Float32Array.from({ length: O }, (_, o) => beta * c[c.length === 1 ? 0 : o]!);
  } else if (n.inputs[2]) throw unsupported(n, 'a Gemm whose C is computed at run time');
  fullyConnected(n, ctx, w, Kd, O, bias);
};

const matMul: OpRule = foldOr(
  ([a, b]) => {
    if (a!.dims.length !== 2 || b!.dims.length !== 2) throw new Error('matrix product of constants with rank other than 2');
    const [M, Kd] = a!.dims as [number, number];
    const O = b!.dims[1]!;
    const out = new Float32Array(M * O);
    for (let i = 0; i < M; i++)
      for (let o = 0; o < O; o++) {
        let s = 0;
        for (let k = 0; k < Kd; k++) s += Number(a!.data[i * Kd + k]) * Number(b!.data[k * O + o]);
        out[i * O + o] = s;
      }
    return K.constant([M, O], out, false);
  },
  (n, ctx) => {
    const B = ctx.constOf(n, 1);
    if (B?.dims.length !== 2) throw unsupported(n, 'a MatMul whose second operand is not a constant matrix');
    fullyConnected(n, ctx, floats(B), B.dims[0]!, B.dims[1]!, undefined);
  },
);

// ---------------------------------------------------------------------------------------------
// Normalisation, activations, elementwise arithmetic.

const batchNorm: OpRule = (n, ctx) => {
  const x = ctx.act(n, 0);
  const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => ctx.constOf(n, i));
  if (!gamma || !beta || !mean || !variance) throw unsupported(n, 'BatchNormalization with statistics computed at run time');
  const eps = num(n, 'epsilon', 1e-5);
  const g = floats(gamma);
  const scale = Float32Array.from(floats(variance), (v, c) => g[c]! / Math.sqrt(v + eps));
  const m = floats(mean);
  const b = floats(beta);
  const shift = Float32Array.from(scale, (s, c) => b[c]! - m[c]! * s);
  if (scale.length !== x.C) throw unsupported(n, `BatchNormalization of ${scale.length} channels on ${x.C}`);
  ctx.affine(n, scale, shift);
};

const relu: OpRule = (n, ctx) => ctx.clamp(n, 0, Infinity, 1);

const leakyRelu: OpRule = (n, ctx) => {
  const alpha = num(n, 'alpha', 0.01);
  if (alpha < 0 || alpha > 1) throw unsupported(n, `LeakyRelu with alpha ${alpha} (the runtime takes 0 <= alpha <= 1)`);
  ctx.clamp(n, -Infinity, Infinity, alpha);
};

const clip: OpRule = (n, ctx) => {
  const lo = n.inputs[1] ? ctx.constOf(n, 1) : undefined;
  const hi = n.inputs[2] ? ctx.constOf(n, 2) : undefined;
  if ((n.inputs[1] && !lo) || (n.inputs[2] && !hi)) throw unsupported(n, 'Clip bounds computed at run time');
  ctx.clamp(n, lo ? Number(lo.data[0]) : num(n, 'min', -Infinity), hi ? Number(hi.data[0]) : num(n, 'max', Infinity), 1);
};

function unaryRule(fn: UnaryFn, p1 = (_n: GraphNode) => 0, p2 = (_n: GraphNode) => 0): OpRule {
  return foldOr(
    ([c]) => {
      const f = { exp: Math.exp, abs: Math.abs, sqrt: Math.sqrt, neg: (v: number) => -v } as Record<string, (v: number) => number>;
      if (!f[fn]) throw new Error(`${fn} of a constant`);
      return K.constant(c!.dims, Float32Array.from(c!.data as ArrayLike<number>, f[fn]!), false);
    },
    (n, ctx) => {
      const x = ctx.act(n, 0);
      const out = ctx.newAct(out0(n), x.rank, x.C, x.H, x.W);
      ctx.push({ op: 'unary', node: n.name, a: x, out, fn, p1: p1(n), p2: p2(n), epi: noEpilogue() });
      ctx.set(out0(n), out);
    },
  );
}

const ARITH: Record<string, { fn: BinaryFn; f: (a: number, b: number) => number }> = {
  Add: { fn: 'add', f: (a, b) => a + b },
  Sub: { fn: 'sub', f: (a, b) => a - b },
  Mul: { fn: 'mul', f: (a, b) => a * b },
  Div: { fn: 'div', f: (a, b) => a / b },
  Max: { fn: 'max', f: Math.max },
  Min: { fn: 'min', f: Math.min },
};

function arithmetic(op: keyof typeof ARITH): OpRule {
  const { fn, f } = ARITH[op]!;
  const intDiv = (a: number, b: number) => (op === 'Div' ? Math.trunc(a / b) : f(a, b));
  return foldOr(
    ([a, b]) => K.binary(a!, b!, a!.int && b!.int ? intDiv : f, op),
    (n, ctx) => {
      const ca = ctx.constOf(n, 0);
      const cb = ctx.constOf(n, 1);
      if (ca || cb) {
        // activation (op) constant: per-channel or scalar constants become an affine step or a clamp
        const xi = ca ? 1 : 0;
        const x = ctx.act(n, xi);
        const c = perChannel((ca ?? cb)!, x);
        if (!c) throw unsupported(n, `${op} with a constant of shape [${(ca ?? cb)!.dims.join(', ')}] that is not one value per channel`);
        const xFirst = xi === 0;
        if (fn === 'max' || fn === 'min') {
          if (!c.every((v) => v === c[0])) throw unsupported(n, `${op} with a different constant per channel`);
          const nn = { ...n, inputs: [n.inputs[xi]!] };
          ctx.clamp(nn, fn === 'max' ? c[0]! : -Infinity, fn === 'min' ? c[0]! : Infinity, 1);
          return;
        }
        const nn = { ...n, inputs: [n.inputs[xi]!] };
        if (fn === 'add') ctx.affine(nn, undefined, c);
        else if (fn === 'mul') ctx.affine(nn, c, undefined);
        else if (fn === 'sub') ctx.affine(nn, xFirst ? undefined : c.map(() => -1), xFirst ? c.map((v) => -v) : c);
        else if (xFirst)
          ctx.affine(
            nn,
            c.map((v) => 1 / v),
            undefined,
          );
        else throw unsupported(n, 'a constant divided by an activation');
        return;
      }
      let a = ctx.act(n, 0);
      let b = ctx.act(n, 1);
      const same = (p: Act, q: Act) => p.C === q.C && p.H === q.H && p.W === q.W;
      if (fn === 'add' && same(a, b) && ctx.residualAdd(n, a, b)) return;
      if (fn === 'mul' && same(a, b) && ctx.selfGate(n, a, b)) return;
      if (!same(a, b)) {
        const bcast = (p: Act, q: Act) => q.H === 1 && q.W === 1 && (q.C === p.C || q.C === 1);
        if (!bcast(a, b)) {
          if (bcast(b, a) && (fn === 'add' || fn === 'mul' || fn === 'max' || fn === 'min')) [a, b] = [b, a];
          else
            throw unsupported(
              n,
              `${op} of [${logicalDims(a).join(', ')}] and [${logicalDims(b).join(', ')}] (the runtime broadcasts one value per channel)`,
            );
        }
      }
      const out = ctx.newAct(out0(n), a.rank, a.C, a.H, a.W);
      ctx.push({ op: 'binary', node: n.name, a, b, out, fn, epi: noEpilogue() });
      ctx.set(out0(n), out);
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Pooling, softmax, concatenation, padding.

function poolRule(kind: 'max' | 'avg' | 'globalMax' | 'globalAvg'): OpRule {
  return (n, ctx) => {
    const x = ctx.act(n, 0);
    if (x.rank !== 4) throw unsupported(n, 'pooling of a 2-D value');
    let kernel: readonly number[];
    let strides: readonly number[];
    let pads: readonly number[];
    let outH: number;
    let outW: number;
    let mode: 'max' | 'avg' | 'avgIncludePad' = kind === 'max' || kind === 'globalMax' ? 'max' : 'avg';
    if (kind === 'globalMax' || kind === 'globalAvg') {
      [kernel, strides, pads, outH, outW] = [[x.H, x.W], [1, 1], [0, 0, 0, 0], 1, 1];
    } else {
      kernel = nums(n, 'kernel_shape', []);
      if (kernel.length !== 2) throw unsupported(n, `a ${kernel.length}-D pooling window`);
      if (nums(n, 'dilations', [1, 1]).some((d) => d !== 1)) throw unsupported(n, 'dilated pooling');
      strides = nums(n, 'strides', [1, 1]);
      const g = windowGeometry(n, x.H, x.W, kernel, strides, [1, 1], num(n, 'ceil_mode', 0) === 1);
      [pads, outH, outW] = [g.pads, g.outH, g.outW];
      if (kind === 'avg' && num(n, 'count_include_pad', 0) === 1) mode = 'avgIncludePad';
      const plain2x2 = kernel.every((k) => k === 2) && strides.every((k) => k === 2) && pads.every((p) => p === 0);
      if (kind === 'max' && plain2x2 && outH === Math.floor(x.H / 2) && outW === Math.floor(x.W / 2) && ctx.maxPool2x2(n)) return;
    }
    const out = ctx.newAct(out0(n), 4, x.C, outH, outW);
    ctx.push({ op: 'pool', node: n.name, in: x, out, mode, kernel, strides, pads, epi: noEpilogue() });
    ctx.set(out0(n), out);
  };
}

/** ReduceMean / ReduceMax over H and W (keepdims or not): a global pooling step. */
function reduceRule(mode: 'avg' | 'max'): OpRule {
  return (n, ctx) => {
    const x = ctx.act(n, 0);
    const rank = x.rank === 4 ? 4 : 2;
    const axes = (axesOf(n, ctx, 1) ?? []).map((a) => (a < 0 ? a + rank : a)).sort((p, q) => p - q);
    if (x.rank !== 4 || axes.join(',') !== '2,3')
      throw unsupported(n, `${n.op} over axes [${axes.join(', ')}] of a rank-${rank} value (the runtime reduces over H and W)`);
    const out = ctx.newAct(out0(n), num(n, 'keepdims', 1) === 1 ? 4 : 2, x.C, 1, 1);
    ctx.push({ op: 'pool', node: n.name, in: x, out, mode, kernel: [x.H, x.W], strides: [1, 1], pads: [0, 0, 0, 0], epi: noEpilogue() });
    ctx.set(out0(n), out);
  };
}

const softmax: OpRule = (n, ctx) => {
  const x = ctx.act(n, 0);
  const axis = num(n, 'axis', ctx.graph.opset >= 13 ? -1 : 1);
  if (!(x.rank === 2 || (x.H === 1 && x.W === 1)) || (axis !== -1 && axis !== 1))
    throw unsupported(n, `Softmax over axis ${axis} of a [N, ${logicalDims(x).join(', ')}] value`);
  const out = ctx.newAct(out0(n), 2, x.C, 1, 1);
  ctx.push({ op: 'softmax', node: n.name, in: x, out });
  ctx.set(out0(n), out);
};

/** Concat along channels: one copy per input (views are read in place, not materialised first). */
const concat: OpRule = foldOr(
  (cs, n) => K.concat(cs, num(n, 'axis', 0)),
  (n, ctx) => {
    const axis = num(n, 'axis', 1);
    const xs = n.inputs.map((_, i) => {
      const v = ctx.actOrView(n, i);
      const dims = v.kind === 'act' ? logicalDims(v) : v.dims;
      return dims.length === 3 || dims.length === 1
        ? { v, C: dims[0]!, H: dims[1] ?? 1, W: dims[2] ?? 1, rank: dims.length === 3 ? 4 : 2 }
        : { v: ctx.act(n, i), ...shapeOf(ctx.act(n, i)) };
    });
    const first = xs[0]!;
    if (
      (axis !== 1 && axis !== -3 && !(first.rank === 2 && axis === -1)) ||
      xs.some((x) => x.H !== first.H || x.W !== first.W || x.rank !== first.rank)
    ) {
      throw unsupported(n, `Concat along axis ${axis} (the runtime concatenates channels)`);
    }
    const C = xs.reduce((s, x) => s + x.C, 0);
    const out = ctx.newAct(out0(n), first.rank as 2 | 4, C, first.H, first.W);
    const HW = first.H * first.W;
    let c0 = 0;
    for (const x of xs) {
      const n_ = x.C * HW;
      const src = Int32Array.from({ length: n_ }, (_, i) => i);
      const dst = Int32Array.from({ length: n_ }, (_, i) => c0 * HW + i);
      ctx.push({ op: 'copy', node: n.name, from: x.v, out, pairs: { src, dst } });
      c0 += x.C;
    }
    ctx.set(out0(n), out);
  },
);

const shapeOf = (a: Act) => ({ C: a.C, H: a.H, W: a.W, rank: a.rank });

/** Pad of C, H and W (constant zero, reflect, edge; negative amounts crop): a copy through an index table. */
const pad: OpRule = (n, ctx) => {
  const x = ctx.act(n, 0);
  const mode = str(n, 'mode', 'constant');
  const p = n.inputs[1] ? ctx.constOf(n, 1) : undefined;
  if (n.inputs[1] && !p) throw unsupported(n, 'Pad amounts computed at run time');
  let pads = p ? intList(p) : [...nums(n, 'pads', [])];
  const axesC = n.inputs[3] ? ctx.constOf(n, 3) : undefined;
  if (n.inputs[3]) {
    // opset 18: pads for the listed axes only
    if (!axesC) throw unsupported(n, 'Pad axes computed at run time');
    const full = new Array<number>(8).fill(0);
    intList(axesC).forEach((a0, i) => {
      const a = a0 < 0 ? a0 + 4 : a0;
      full[a] = pads[i]!;
      full[a + 4] = pads[i + pads.length / 2]!;
    });
    pads = full;
  }
  const value = n.inputs[2] ? ctx.constOf(n, 2) : undefined;
  if ((value && Number(value.data[0]) !== 0) || num(n, 'value', 0) !== 0) throw unsupported(n, 'Pad with a nonzero constant');
  if (mode !== 'constant' && mode !== 'edge' && mode !== 'reflect') throw unsupported(n, `Pad mode "${mode}"`);
  if (x.rank !== 4 || pads.length !== 8 || pads[0] || pads[4])
    throw unsupported(n, `Pad [${pads.join(', ')}] (the runtime pads C, H and W of 4-D values)`);
  const [f, t, l, bk, b, r] = [pads[1]!, pads[2]!, pads[3]!, pads[5]!, pads[6]!, pads[7]!];
  if ([f, t, l, bk, b, r].every((v) => v === 0)) {
    ctx.set(out0(n), x);
    return;
  }
  const [C, H, W] = [x.C + f + bk, x.H + t + b, x.W + l + r];
  if (C <= 0 || H <= 0 || W <= 0) throw unsupported(n, `Pad [${pads.join(', ')}] of [${logicalDims(x).join(', ')}] leaves nothing`);
  if (
    mode === 'reflect' &&
    (
      [
        [f, bk, x.C],
        [t, b, x.H],
        [l, r, x.W],
      ] as const
    ).some(([lo, hi, size]) => Math.max(lo, hi) >= size)
  ) {
    throw unsupported(n, 'a reflect Pad as wide as the value');
  }
  const at = (i: number, size: number): number => {
    if (mode === 'constant') return i >= 0 && i < size ? i : -1;
    if (mode === 'edge') return Math.min(Math.max(i, 0), size - 1);
    let j = i;
    while (j < 0 || j >= size) j = j < 0 ? -j : 2 * (size - 1) - j;
    return j;
  };
  const src = new Int32Array(C * H * W);
  let e = 0;
  for (let c = 0; c < C; c++)
    for (let y = 0; y < H; y++)
      for (let xx = 0; xx < W; xx++) {
        const [sc, sy, sx] = [at(c - f, x.C), at(y - t, x.H), at(xx - l, x.W)];
        src[e++] = sc < 0 || sy < 0 || sx < 0 ? -1 : (sc * x.H + sy) * x.W + sx;
      }
  const out = ctx.newAct(out0(n), 4, C, H, W);
  gather(ctx, n, x, out, src);
  ctx.set(out0(n), out);
};

// ---------------------------------------------------------------------------------------------
// Constants and shape arithmetic (folded), aliases.

const alias: OpRule = (n, ctx) => ctx.set(out0(n), ctx.value(n, n.inputs[0]!));

const constantRule: OpRule = (n, ctx) => {
  const v = n.attrs.value as AttrValue | undefined;
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const p = v as { dims: readonly number[]; data: Float32Array | BigInt64Array | Int32Array };
    ctx.set(
      out0(n),
      p.data instanceof Float32Array
        ? K.constant(p.dims, p.data, false)
        : K.constant(p.dims, Array.from(p.data as ArrayLike<number | bigint>, Number), true),
    );
    return;
  }
  const known: Record<string, () => Const> = {
    value_float: () => K.constant([], Float32Array.of(num(n, 'value_float', 0)), false),
    value_floats: () => K.constant([nums(n, 'value_floats', []).length], Float32Array.from(nums(n, 'value_floats', [])), false),
    value_int: () => K.constant([], [num(n, 'value_int', 0)], true),
    value_ints: () => K.constant([nums(n, 'value_ints', []).length], [...nums(n, 'value_ints', [])], true),
  };
  const key = Object.keys(known).find((k) => k in n.attrs);
  if (!key) throw unsupported(n, 'a Constant without a value');
  ctx.set(out0(n), known[key]!());
};

const shape: OpRule = (n, ctx) => {
  const x = ctx.value(n, n.inputs[0]!);
  if (x.kind === 'const') {
    ctx.set(out0(n), K.constant([x.dims.length], [...x.dims], true));
    return;
  }
  const dims = x.kind === 'act' ? logicalDims(x) : [...x.dims];
  ctx.set(out0(n), K.constant([dims.length + 1], [0, ...dims], true, [true, ...dims.map(() => false)]));
};

const axesOf = (n: GraphNode, ctx: LowerContext, index: number): number[] | undefined =>
  n.inputs[index] ? intList(ctx.constOf(n, index)) : Array.isArray(n.attrs.axes) ? [...(n.attrs.axes as number[])] : undefined;

const constOnly =
  (f: (n: GraphNode, ctx: LowerContext, cs: Const[]) => Const): OpRule =>
  (n, ctx) => {
    const cs = n.inputs.map((_, i) => ctx.constOf(n, i));
    if (!cs[0]) throw unsupported(n, `the runtime runs ${n.op} on constants only (shape arithmetic)`);
    try {
      ctx.set(out0(n), f(n, ctx, cs as Const[]));
    } catch (e) {
      throw unsupported(n, `constant folding failed (${(e as Error).message})`);
    }
  };

export const OP_RULES: Readonly<Record<string, OpRule>> = {
  '/Conv': conv,
  'ai.swprune/WinogradConv': winogradConv,
  '/Gemm': gemm,
  '/MatMul': matMul,
  '/BatchNormalization': batchNorm,
  '/Relu': relu,
  '/LeakyRelu': leakyRelu,
  '/Clip': clip,
  '/Sigmoid': unaryRule('sigmoid'),
  '/Tanh': unaryRule('tanh'),
  '/HardSigmoid': unaryRule(
    'hardSigmoid',
    (n) => num(n, 'alpha', 0.2),
    (n) => num(n, 'beta', 0.5),
  ),
  '/HardSwish': unaryRule(
    'hardSwish',
    () => 1 / 6,
    () => 0.5,
  ),
  '/Exp': unaryRule('exp'),
  '/Abs': unaryRule('abs'),
  '/Sqrt': unaryRule('sqrt'),
  '/Neg': unaryRule('neg'),
  '/Add': arithmetic('Add'),
  '/Sub': arithmetic('Sub'),
  '/Mul': arithmetic('Mul'),
  '/Div': arithmetic('Div'),
  '/Max': arithmetic('Max'),
  '/Min': arithmetic('Min'),
  '/MaxPool': poolRule('max'),
  '/AveragePool': poolRule('avg'),
  '/GlobalMaxPool': poolRule('globalMax'),
  '/GlobalAveragePool': poolRule('globalAvg'),
  '/ReduceMean': reduceRule('avg'),
  '/ReduceMax': reduceRule('max'),
  '/Softmax': softmax,
  '/Concat': concat,
  '/Pad': pad,
  '/Flatten': flatten,
  '/Reshape': reshape,
  '/Transpose': transposeRule,
  '/Slice': sliceRule,
  '/Split': split,
  '/Dropout': alias,
  '/Identity': alias,
  '/Cast': (n, ctx) => {
    const v = ctx.value(n, n.inputs[0]!);
    ctx.set(out0(n), v.kind === 'const' ? { ...v, int: num(n, 'to', 1) !== 1 && num(n, 'to', 1) !== 11 && num(n, 'to', 1) !== 10 } : v);
  },
  '/Constant': constantRule,
  '/Shape': shape,
  '/Gather': constOnly((n, _ctx, [c, idx]) => {
    if (!idx) throw new Error('indices computed at run time');
    return K.gather(c!, idx, num(n, 'axis', 0));
  }),
  '/Unsqueeze': constOnly((n, ctx, [c]) => K.unsqueeze(c!, axesOf(n, ctx, 1) ?? [])),
  '/Squeeze': constOnly((n, ctx, [c]) => K.squeeze(c!, axesOf(n, ctx, 1))),
  '/ConstantOfShape': constOnly((n, _ctx, [s]) => {
    const v = n.attrs.value as { data?: ArrayLike<number | bigint> } | undefined;
    const fill = v?.data ? Number(v.data[0]) : 0;
    const dims = intList(s);
    return K.constant(dims, new Array<number>(K.size(dims)).fill(fill), !(v?.data instanceof Float32Array));
  }),
};

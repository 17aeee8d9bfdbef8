/**
 * Graph -> steps: walks the network's nodes in order, folds constant subgraphs, turns views
 * (Flatten, Reshape, Transpose) into index maps, and fuses what can run inside a neighbour's
 * loops: BatchNormalization and per-channel affine constants into the weights, activations and
 * residual adds into the epilogue of the step that writes the value. What each op becomes is
 * the table in op-rules.ts.
 */
import { SwpruneError } from '../../errors.js';
import type { Graph, GraphNode, Param } from '../../graph/ir.js';
import type { WinogradLayers } from '../../bundle/decode.js';
import { constant, size } from './consts.js';
import { OP_RULES } from './op-rules.js';
import { hasEpilogue, logicalDims, type Act, type Const, type Step, type UnaryFn, type Value, type View } from './types.js';

/** What lowering gives the layout: the steps, the graph input and the output values. */
export interface Lowered {
  readonly steps: Step[];
  readonly input: { readonly act: Act; readonly layout: 'NCHW' | 'NHWC'; readonly name: string };
  readonly output: { readonly value: Act | View; readonly name: string; readonly dims: readonly number[] };
}

export const unsupported = (n: GraphNode, what: string) =>
  new SwpruneError(
    'E_UNSUPPORTED_OP',
    `node "${n.name}" (${n.op}): ${what}; the swprune runtime cannot run this bundle (swprune report falls back to the dense executor)`,
  );

/** The lowering state the op rules work with. */
export class LowerContext {
  readonly steps: Step[] = [];
  private readonly values = new Map<string, Value>();
  private readonly uses = new Map<string, number>();
  private readonly latestName = new Map<number, string>();
  private readonly producers = new Map<number, number>();
  private readonly materialized = new Map<View, Act>();
  private nextId = 0;

  constructor(
    readonly graph: Graph,
    readonly bundle: WinogradLayers | undefined,
  ) {
    for (const n of graph.nodes) for (const i of n.inputs) if (i) this.uses.set(i, (this.uses.get(i) ?? 0) + 1);
    for (const o of graph.outputs) this.uses.set(o.name, (this.uses.get(o.name) ?? 0) + 2);
  }

  /** Binds a value name (a node output). */
  set(name: string, v: Value): void {
    this.values.set(name, v);
    if (v.kind === 'act') this.latestName.set(v.id, name);
  }

  has(name: string): boolean {
    return this.values.has(name) || this.graph.params.has(name);
  }

  value(n: GraphNode, name: string): Value {
    const v = this.values.get(name);
    if (v) return v;
    const p = this.graph.params.get(name);
    if (p) return paramConst(p);
    throw unsupported(n, `its input "${name}" is not produced by any node`);
  }

  /** The constant behind an input, or undefined when it is computed at run time. */
  constOf(n: GraphNode, index: number): Const | undefined {
    const name = n.inputs[index];
    if (!name) return undefined;
    const v = this.value(n, name);
    return v.kind === 'const' ? v : undefined;
  }

  /** An input that must be an activation: views are materialised by a copy step. */
  act(n: GraphNode, index: number): Act {
    const v = this.value(n, n.inputs[index]!);
    if (v.kind === 'act') return v;
    if (v.kind === 'const') throw unsupported(n, `input ${index} is a constant where the runtime expects an activation`);
    const direct = viewAsAct(v);
    if (direct) return direct;
    let a = this.materialized.get(v);
    if (!a) {
      a =
        v.dims.length === 3
          ? this.newAct(`${n.name}/view`, 4, v.dims[0]!, v.dims[1]!, v.dims[2]!)
          : this.newAct(`${n.name}/view`, 2, size(v.dims), 1, 1);
      this.push({ op: 'copy', node: n.name, from: v, out: a });
      this.materialized.set(v, a);
    }
    return a;
  }

  /** An activation or a view (for steps that read through an index map: fully connected, output). */
  actOrView(n: GraphNode, index: number): Act | View {
    const v = this.value(n, n.inputs[index]!);
    if (v.kind === 'const') throw unsupported(n, `input ${index} is a constant where the runtime expects an activation`);
    return v;
  }

  newAct(name: string, rank: 2 | 4, C: number, H: number, W: number): Act {
    return { kind: 'act', id: this.nextId++, name, rank, C, H, W };
  }

  push(s: Step): void {
    this.producers.set(s.out.id, this.steps.length);
    this.steps.push(s);
  }

  /** The step that writes act (undefined for the graph input). */
  producer(a: Act): { step: Step; index: number } | undefined {
    const i = this.producers.get(a.id);
    return i === undefined ? undefined : { step: this.steps[i]!, index: i };
  }

  /** True when `name` (currently naming act) is read by exactly one node and is no graph output. */
  soleUse(a: Act, name: string): boolean {
    return this.latestName.get(a.id) === name && this.uses.get(name) === 1;
  }

  /**
   * Applies y = clamp(x) (lo, hi, alpha: see runtime.wat) to input 0 of n: fused into the
   * epilogue of the step that writes it when nothing else reads it, else its own step.
   */
  clamp(n: GraphNode, lo: number, hi: number, alpha: number): void {
    const name = n.inputs[0]!;
    const x = this.act(n, 0);
    const p = this.producer(x);
    if (p && hasEpilogue(p.step) && !p.step.epi.activated && this.soleUse(x, name)) {
      Object.assign(p.step.epi, { lo, hi, alpha, activated: true });
      this.set(n.outputs[0]!, x);
      return;
    }
    const out = this.newAct(n.outputs[0]!, x.rank, x.C, x.H, x.W);
    this.push({ op: 'unary', node: n.name, a: x, out, fn: 'none', p1: 0, p2: 0, epi: { lo, hi, alpha, activated: true } });
    this.set(n.outputs[0]!, out);
  }

  /**
   * y = x * scale[c] + shift[c] on input 0 of n (BatchNormalization, arithmetic with per-channel
   * constants): folded into the weights and bias of the convolution / fully connected step that
   * writes x when nothing else reads it and it has no activation or residual yet, else its own step.
   */
  affine(n: GraphNode, scale: Float32Array | undefined, shift: Float32Array | undefined): void {
    const name = n.inputs[0]!;
    const x = this.act(n, 0);
    const p = this.producer(x);
    const s = p?.step;
    // (Not through a fused max pooling: a negative scale does not commute with max.)
    if (
      s &&
      (s.op === 'conv' || s.op === 'winograd' || s.op === 'fc') &&
      !s.epi.activated &&
      !s.epi.residual &&
      !(s.op === 'winograd' && s.pool) &&
      this.soleUse(x, name)
    ) {
      foldAffine(s, x.C, scale, shift);
      this.set(n.outputs[0]!, x);
      return;
    }
    const out = this.newAct(n.outputs[0]!, x.rank, x.C, x.H, x.W);
    this.push({
      op: 'unary',
      node: n.name,
      a: x,
      out,
      fn: 'affine',
      p1: 0,
      p2: 0,
      scale: scale ?? new Float32Array(x.C).fill(1),
      shift: shift ?? new Float32Array(x.C),
      epi: { lo: -Infinity, hi: Infinity, alpha: 1, activated: false },
    });
    this.set(n.outputs[0]!, out);
  }

  /**
   * MaxPool 2x2, stride 2, no padding on input 0 of n, fused into the Winograd layer that
   * writes it (its epilogue takes the max of each 2x2 block of an output tile; max commutes
   * with the per-channel bias and the monotone clamp, not with a residual add) when nothing else reads the layer's
   * output. Returns false when it cannot be fused.
   */
  maxPool2x2(n: GraphNode): boolean {
    const x = this.act(n, 0);
    const p = this.producer(x);
    if (
      p?.step.op !== 'winograd' ||
      p.step.pool ||
      p.step.epi.residual ||
      p.step.tile.m % 2 !== 0 ||
      p.step.epi.alpha < 0 ||
      !this.soleUse(x, n.inputs[0]!)
    )
      return false;
    const out = this.newAct(n.outputs[0]!, 4, x.C, Math.floor(x.H / 2), Math.floor(x.W / 2));
    p.step.pool = { H: x.H, W: x.W };
    p.step.out = out;
    this.producers.set(out.id, p.index);
    this.set(n.outputs[0]!, out);
    return true;
  }

  /**
   * x * f(x) where f(x) is a sigmoid or hard sigmoid step on x read by nothing else (SiLU,
   * HardSwish as exporters write them): that step computes x * f(x) instead, one pass over x
   * rather than two. Returns false when a and b are not such a pair.
   */
  selfGate(n: GraphNode, a: Act, b: Act): boolean {
    for (const [g, x, name] of [
      [b, a, n.inputs[1]!],
      [a, b, n.inputs[0]!],
    ] as const) {
      const p = this.producer(g);
      if (p?.step.op !== 'unary' || p.step.a.id !== x.id || p.step.epi.activated || !this.soleUse(g, name)) continue;
      const gated = SELF_GATED[p.step.fn];
      if (!gated) continue;
      p.step.fn = gated;
      this.set(n.outputs[0]!, g);
      return true;
    }
    return false;
  }

  /**
   * a + b for two activations of one shape: fused as the residual of the step that writes one
   * of them when that step comes after the other operand is written (so it can read it), reads
   * nothing else and has no activation yet. Returns false when neither can take it.
   */
  residualAdd(n: GraphNode, a: Act, b: Act): boolean {
    for (const [x, other, name] of [
      [a, b, n.inputs[0]!],
      [b, a, n.inputs[1]!],
    ] as const) {
      const p = this.producer(x);
      if (!p || (p.step.op !== 'conv' && p.step.op !== 'winograd' && p.step.op !== 'fc')) continue;
      if (p.step.epi.activated || p.step.epi.residual || !this.soleUse(x, name)) continue;
      const q = this.producer(other);
      if (q && q.index > p.index) continue;
      if (other.id === x.id) continue;
      p.step.epi.residual = other;
      this.set(n.outputs[0]!, x);
      return true;
    }
    return false;
  }
}

/** The elementwise function x * f(x) for a gate f. */
const SELF_GATED: Partial<Record<UnaryFn, UnaryFn>> = { sigmoid: 'silu', hardSigmoid: 'hardSwish' };

/** A graph parameter as a constant. */
function paramConst(p: Param): Const {
  if (p.data instanceof Float32Array) return constant(p.dims, p.data, false);
  return constant(p.dims, Array.from(p.data as ArrayLike<number | bigint>, Number), true);
}

/** A view that is its activation as stored (identity index over the activation's logical dims). */
export function viewAsAct(v: View): Act | undefined {
  const b = v.base;
  const dims = logicalDims(b);
  const same = v.dims.length === dims.length && v.dims.every((d, i) => d === dims[i]);
  const flat1x1 = v.dims.length === 1 && b.H === 1 && b.W === 1 && v.dims[0] === b.C;
  // [N, C] seen as [N, C, 1, 1] (a squeeze-excitation vector reshaped to scale channels): the same storage.
  const as1x1 = b.rank === 2 && v.dims.length === 3 && v.dims[0] === b.C && v.dims[1] === 1 && v.dims[2] === 1;
  if (!same && !flat1x1 && !as1x1) return undefined;
  for (let i = 0; i < v.index.length; i++) if (v.index[i] !== i) return undefined;
  return flat1x1 && b.rank === 4 ? { ...b, rank: 2 } : as1x1 ? { ...b, rank: 4 } : b;
}

/** Multiplies output channel c of the step's weights by scale[c] and maps its bias b to b * scale + shift. */
function foldAffine(
  s: Extract<Step, { op: 'conv' | 'winograd' | 'fc' }>,
  C: number,
  scale: Float32Array | undefined,
  shift: Float32Array | undefined,
): void {
  const bias = s.epi.bias ?? new Float32Array(C);
  const nb = new Float32Array(C);
  for (let c = 0; c < C; c++) nb[c] = Math.fround(bias[c]! * (scale ? scale[c]! : 1) + (shift ? shift[c]! : 0));
  s.epi.bias = nb;
  if (!scale) return;
  if (s.op === 'winograd') {
    const prev = s.scale;
    s.scale = Float32Array.from(scale, (v, c) => (prev ? prev[c]! * v : v));
  } else if (s.op === 'conv') {
    const per = s.weight.length / C;
    const w = s.weight.slice();
    for (let c = 0; c < C; c++) for (let k = 0; k < per; k++) w[c * per + k] = w[c * per + k]! * scale[c]!;
    s.weight = w;
  } else {
    const w = s.weight.slice();
    for (let k = 0; k < w.length / C; k++) for (let c = 0; c < C; c++) w[k * C + c] = w[k * C + c]! * scale[c]!;
    s.weight = w;
  }
}

/**
 * Lowers a network (with the bundle's Winograd layers, when it comes from one) to steps.
 * Errors name the node and op the runtime cannot run.
 */
export function lower(graph: Graph, bundle?: WinogradLayers): Lowered {
  if (graph.inputs.length !== 1)
    throw new SwpruneError('E_UNSUPPORTED_OP', `the runtime runs networks with one input; this one has ${graph.inputs.length}`);
  if (graph.outputs.length < 1) throw new SwpruneError('E_MODEL', 'the network has no output');
  const ctx = new LowerContext(graph, bundle);
  const gi = graph.inputs[0]!;
  const dims = gi.dims.slice(1);
  if (dims.some((d) => d === null) || (dims.length !== 3 && dims.length !== 1)) {
    throw new SwpruneError(
      'E_UNSUPPORTED_OP',
      `the runtime needs an input of fixed shape [N, C, H, W] or [N, F]; "${gi.name}" is [${gi.dims.map((d) => d ?? '?').join(', ')}]`,
    );
  }
  const layout = gi.layout === 'NHWC' ? 'NHWC' : 'NCHW';
  const [C, H, W] =
    dims.length === 1 ? [dims[0]!, 1, 1] : layout === 'NHWC' ? [dims[2]!, dims[0]!, dims[1]!] : (dims as [number, number, number]);
  const input = ctx.newAct(gi.name, dims.length === 1 ? 2 : 4, C, H, W);
  if (layout === 'NHWC') {
    // The graph sees [N, H, W, C]: a view of the NCHW activation (its Transpose undoes it).
    const index = new Int32Array(C * H * W);
    let e = 0;
    for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) index[e++] = (c * H + h) * W + w;
    ctx.set(gi.name, { kind: 'view', base: input, dims: [H, W, C], index });
  } else ctx.set(gi.name, input);

  for (const n of graph.nodes) {
    const key = `${n.domain}/${n.op}`;
    const rule = OP_RULES[key];
    if (!rule) throw unsupported(n, `the runtime does not run ${n.domain ? `${n.domain}.` : ''}${n.op}`);
    rule(n, ctx);
  }

  const go = graph.outputs[0]!;
  const out = ctx.value({ name: go.name, op: 'output', domain: '', inputs: [], outputs: [], attrs: {} }, go.name);
  if (out.kind === 'const') throw new SwpruneError('E_UNSUPPORTED_OP', `the network's output "${go.name}" is a constant`);
  const outDims = out.kind === 'act' ? logicalDims(out) : [...out.dims];
  return { steps: ctx.steps, input: { act: input, layout, name: gi.name }, output: { value: out, name: go.name, dims: outDims } };
}

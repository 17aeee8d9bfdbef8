import type { AttrValue, Graph, GraphNode, Param } from './ir.js';
import { windowOutSize, windowPads } from './window.js';

/**
 * Static shapes for a batch of one, from the graph alone (no tensors): what validation needs
 * to check channel agreement and activation sizes before anything is compiled. Only the ops
 * whose shape rule is simple and certain are followed (the convolution/normalisation/pooling/
 * dense chains of CNNs); any other op's outputs are unknown, and a check on an unknown shape
 * is skipped — a guess here must never refuse a model that runs.
 */
export type Shape = readonly number[];

const ints = (v: AttrValue | undefined): readonly number[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'number') ? (v as number[]) : undefined;
const int = (v: AttrValue | undefined, dflt: number): number => (typeof v === 'number' ? v : dflt);
const product = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** An integer constant input (a Reshape's shape, a Pad's pads) as numbers, when it is a param. */
export function constantInts(p: Param | undefined): number[] | undefined {
  if (!p || p.data instanceof Float32Array) return undefined;
  return Array.from(p.data as ArrayLike<number | bigint>, Number);
}

/** Spatial output dims of a Conv/MaxPool/AveragePool on input `x` [N, C, ...spatial]. */
function windowed(n: GraphNode, x: Shape, kernel: readonly number[], channels: number): Shape | undefined {
  const spatial = x.length - 2;
  if (kernel.length !== spatial) return undefined;
  const strides = ints(n.attrs.strides) ?? kernel.map(() => 1);
  const dilations = ints(n.attrs.dilations) ?? kernel.map(() => 1);
  const pads = windowPads(n, x.slice(2), kernel, strides, dilations);
  const ceil = int(n.attrs.ceil_mode, 0) === 1;
  const out = kernel.map((k, i) => windowOutSize(x[2 + i]!, pads[i]!, pads[i + spatial]!, k, strides[i] ?? 1, dilations[i] ?? 1, ceil));
  return out.every((d) => Number.isInteger(d) && d > 0) ? [x[0]!, channels, ...out] : undefined;
}

/** Numpy broadcasting of two shapes; undefined when they do not broadcast. */
function broadcast(a: Shape, b: Shape): Shape | undefined {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(Math.max(x, y));
  }
  return out;
}

type Rule = (n: GraphNode, inputs: readonly (Shape | undefined)[], params: ReadonlyMap<string, Param>) => Shape | undefined;

const same: Rule = (_, [x]) => x;
const binary: Rule = (_, shapes) => {
  if (shapes.length === 0 || shapes.some((s) => !s)) return undefined;
  return (shapes as Shape[]).reduce<Shape | undefined>((acc, s) => acc && broadcast(acc, s), shapes[0]);
};

/** swprune's WinogradConv: a stride-1 convolution with an r x r kernel, pads [t, l, b, r]. */
const winogradConv: Rule = (n, [x], params) => {
  const w = params.get(n.inputs[1] ?? '');
  const r = int(n.attrs.kernel, 3);
  const p = ints(n.attrs.pads) ?? [0, 0, 0, 0];
  if (!x || !w || x.length !== 4) return undefined;
  return [x[0]!, w.dims[0]!, x[2]! + p[0]! + p[2]! - r + 1, x[3]! + p[1]! + p[3]! - r + 1];
};

/** Shape rules by op (default domain). Ops not here give unknown outputs. */
const RULES: Readonly<Record<string, Rule>> = {
  Conv: (n, [x], params) => {
    const w = params.get(n.inputs[1] ?? '');
    if (!x || !w || w.dims.length !== x.length) return undefined;
    return windowed(n, x, w.dims.slice(2), w.dims[0]!);
  },
  MaxPool: (n, [x]) => (x ? windowed(n, x, ints(n.attrs.kernel_shape) ?? [], x[1]!) : undefined),
  AveragePool: (n, [x]) => (x ? windowed(n, x, ints(n.attrs.kernel_shape) ?? [], x[1]!) : undefined),
  GlobalAveragePool: (_, [x]) => x && [...x.slice(0, 2), ...x.slice(2).map(() => 1)],
  GlobalMaxPool: (_, [x]) => x && [...x.slice(0, 2), ...x.slice(2).map(() => 1)],
  BatchNormalization: same,
  Flatten: (n, [x]) => {
    if (!x) return undefined;
    const axis = int(n.attrs.axis, 1);
    const a = axis < 0 ? axis + x.length : axis;
    return [product(x.slice(0, a)), product(x.slice(a))];
  },
  Gemm: (n, [a], params) => {
    const b = params.get(n.inputs[1] ?? '');
    if (!a || !b || a.length !== 2 || b.dims.length !== 2) return undefined;
    const m = int(n.attrs.transA, 0) ? a[1]! : a[0]!;
    return [m, int(n.attrs.transB, 0) ? b.dims[0]! : b.dims[1]!];
  },
  Reshape: (n, [x], params) => {
    const target = constantInts(params.get(n.inputs[1] ?? ''));
    if (!x || !target) return undefined;
    const dims = target.map((d, i) => (d === 0 && int(n.attrs.allowzero, 0) === 0 ? x[i]! : d));
    const known = product(dims.filter((d) => d !== -1));
    const free = dims.filter((d) => d === -1).length;
    if (free > 1 || known <= 0 || product(x) % known !== 0) return undefined;
    return dims.map((d) => (d === -1 ? product(x) / known : d));
  },
  Transpose: (n, [x]) => {
    const perm = ints(n.attrs.perm) ?? (x ? x.map((_, i) => x.length - 1 - i) : undefined);
    return x && perm && perm.length === x.length ? perm.map((p) => x[p]!) : undefined;
  },
  Concat: (n, shapes) => {
    if (shapes.some((s) => !s)) return undefined;
    const all = shapes as Shape[];
    const axis = int(n.attrs.axis, 1);
    const a = axis < 0 ? axis + all[0]!.length : axis;
    if (all.some((s) => s.length !== all[0]!.length)) return undefined;
    return all[0]!.map((d, i) => (i === a ? all.reduce((sum, s) => sum + s[i]!, 0) : d));
  },
  Add: binary,
  Sub: binary,
  Mul: binary,
  Div: binary,
  Sum: binary,
  Max: binary,
  Min: binary,
};
for (const op of [
  'Relu',
  'LeakyRelu',
  'Sigmoid',
  'Tanh',
  'Clip',
  'Dropout',
  'Identity',
  'Elu',
  'Selu',
  'Celu',
  'HardSigmoid',
  'HardSwish',
  'Softplus',
  'Softsign',
  'Mish',
  'Gelu',
  'PRelu',
  'Softmax',
  'LogSoftmax',
  'Abs',
  'Neg',
  'Exp',
  'Sqrt',
  'Erf',
  'ThresholdedRelu',
]) {
  (RULES as Record<string, Rule>)[op] = same;
}

/**
 * Shapes (batch of one) of every value whose shape follows from the graph's static input
 * dims through the ops above; params have their own dims. A dynamic input dimension other
 * than the batch leaves the values that depend on it unknown.
 */
export function staticShapes(graph: Graph, onNode?: (node: GraphNode, inputs: readonly (Shape | undefined)[]) => void): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  for (const p of graph.params.values()) shapes.set(p.name, p.dims);
  for (const input of graph.inputs) {
    const dims = input.dims.map((d, i) => (i === 0 && d === null ? 1 : d));
    if (dims.every((d): d is number => d !== null && d > 0)) shapes.set(input.name, dims);
  }
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((name) => (name === '' ? undefined : shapes.get(name)));
    onNode?.(node, inputs);
    const rule =
      node.domain === '' ? RULES[node.op] : node.domain === 'ai.swprune' && node.op === 'WinogradConv' ? winogradConv : undefined;
    const out = rule?.(node, inputs, graph.params);
    if (out?.every((d) => Number.isInteger(d) && d > 0)) shapes.set(node.outputs[0]!, out);
  }
  return shapes;
}

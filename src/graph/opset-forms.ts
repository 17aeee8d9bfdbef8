import { constantOf, paramOf } from './constant.js';
import type { AttrValue, Graph, GraphNode, Param } from './ir.js';

/**
 * Arguments that ONNX moved from attributes to inputs across opsets. The IR's canonical form
 * is the newer one (inputs: they may be computed at run time, as PyTorch's Slice ends are);
 * `toCanonicalForms` brings older nodes to it on load and `toOpsetForms` writes them back as
 * their opset needs. One table, both directions.
 */
interface MovedArg {
  /** Input position in the newer form. */
  readonly index: number;
  readonly attr: string;
  readonly kind: 'ints' | 'float';
}

interface Moved {
  /** First opset with the input form. */
  readonly since: number;
  readonly args: readonly MovedArg[];
}

const axes: readonly MovedArg[] = [{ index: 1, attr: 'axes', kind: 'ints' }];
const REDUCE_18 = [
  'ReduceMean',
  'ReduceMax',
  'ReduceMin',
  'ReduceProd',
  'ReduceL1',
  'ReduceL2',
  'ReduceLogSum',
  'ReduceLogSumExp',
  'ReduceSumSquare',
];

const MOVED_ARGS: Readonly<Record<string, Moved>> = {
  Slice: {
    since: 10,
    args: [
      { index: 1, attr: 'starts', kind: 'ints' },
      { index: 2, attr: 'ends', kind: 'ints' },
      { index: 3, attr: 'axes', kind: 'ints' },
    ],
  },
  Pad: {
    since: 11,
    args: [
      { index: 1, attr: 'pads', kind: 'ints' },
      { index: 2, attr: 'value', kind: 'float' },
    ],
  },
  Clip: {
    since: 11,
    args: [
      { index: 1, attr: 'min', kind: 'float' },
      { index: 2, attr: 'max', kind: 'float' },
    ],
  },
  Dropout: { since: 12, args: [{ index: 1, attr: 'ratio', kind: 'float' }] },
  Split: { since: 13, args: [{ index: 1, attr: 'split', kind: 'ints' }] },
  Squeeze: { since: 13, args: axes },
  Unsqueeze: { since: 13, args: axes },
  ReduceSum: { since: 13, args: axes },
  ...Object.fromEntries(REDUCE_18.map((op) => [op, { since: 18, args: axes }])),
};

const movedOf = (n: GraphNode) => (n.domain === '' ? MOVED_ARGS[n.op] : undefined);

/** Unique param name for a node's argument. */
function argName(n: GraphNode, attr: string, params: ReadonlyMap<string, Param>): string {
  let name = `${n.name}/${attr}`;
  for (let k = 1; params.has(name); k++) name = `${n.name}/${attr}_${k}`;
  return name;
}

/**
 * Older-opset nodes in the input form: each moved attribute becomes a constant input (a new
 * param), absent ones an omitted input (''). Nodes already in input form are kept as they are.
 */
export function toCanonicalForms(graph: Graph): Graph {
  const params = new Map(graph.params);
  let changed = false;
  const nodes = graph.nodes.map((n) => {
    const moved = movedOf(n);
    if (!moved?.args.some((a) => a.attr in n.attrs)) return n;
    changed = true;
    const inputs = [...n.inputs];
    const attrs: Record<string, AttrValue> = { ...n.attrs };
    for (const arg of moved.args) {
      const v = attrs[arg.attr];
      delete attrs[arg.attr];
      while (inputs.length <= arg.index) inputs.push('');
      if (v === undefined) continue;
      const name = argName(n, arg.attr, params);
      const values = typeof v === 'number' ? [v] : (v as number[]);
      params.set(
        name,
        paramOf(
          name,
          arg.kind === 'ints' ? { kind: 'int', dims: [values.length], data: values } : { kind: 'float', dims: [], data: values },
        ),
      );
      inputs[arg.index] = name;
    }
    while (inputs.length > 1 && inputs.at(-1) === '') inputs.pop();
    return { ...n, inputs, attrs };
  });
  return changed ? { ...graph, nodes, params } : graph;
}

/**
 * The graph as its opset writes it: inputs that are attributes before `since` become
 * attributes again (they must be constants). Unchanged nodes keep their identity (the ONNX
 * writer keeps their original bytes); params only the moved inputs used are dropped.
 */
export function toOpsetForms(graph: Graph): Graph {
  const consumed = new Set<string>();
  let changed = false;
  const nodes = graph.nodes.map((n) => {
    const moved = movedOf(n);
    if (!moved || graph.opset >= moved.since || !moved.args.some((a) => (n.inputs[a.index] ?? '') !== '')) return n;
    changed = true;
    const attrs: Record<string, AttrValue> = { ...n.attrs };
    for (const arg of moved.args) {
      const name = n.inputs[arg.index] ?? '';
      if (name === '') continue;
      const p = graph.params.get(name);
      if (!p)
        throw new Error(`node "${n.name}" (${n.op}) cannot be written at opset ${graph.opset}: its ${arg.attr} is computed at run time`);
      const c = constantOf(p);
      attrs[arg.attr] = arg.kind === 'ints' ? c.data : c.data[0]!;
      consumed.add(name);
    }
    const inputs = n.inputs.slice(0, Math.min(...moved.args.map((a) => a.index)));
    return { ...n, inputs, attrs };
  });
  if (!changed) return graph;
  const used = new Set(nodes.flatMap((n) => n.inputs));
  const params = new Map([...graph.params].filter(([name]) => !consumed.has(name) || used.has(name)));
  return { ...graph, nodes, params };
}

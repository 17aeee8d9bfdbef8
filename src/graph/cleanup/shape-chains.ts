import { constantOf, paramOf } from '../constant.js';
import type { Graph, GraphNode, Param } from '../ir.js';

/**
 * Reshape(x, Concat(..., Unsqueeze(Gather(Shape(x), i)), ..., constants)) where each run-time
 * element i is x's own dimension i — the flatten `x.view(x.size(0), -1)` older exports write —
 * becomes Reshape(x, constant) with 0 ("copy the input's dimension") in those places. The
 * batch size stays dynamic and the shape chain goes (dead-code removal), leaving a graph whose
 * shapes are constants.
 */
export function foldShapeChains(graph: Graph): Graph {
  const producer = new Map<string, GraphNode>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  const params = new Map(graph.params);
  let changed = false;
  const nodes = graph.nodes.map((n) => {
    if (n.op !== 'Reshape' || n.domain !== '' || n.attrs.allowzero === 1 || !n.inputs[1] || params.has(n.inputs[1])) return n;
    const shape = shapeOf(n.inputs[0]!, n.inputs[1], producer, params);
    if (!shape) return n;
    let name = `${n.name}/shape`;
    for (let k = 1; params.has(name); k++) name = `${n.name}/shape_${k}`;
    params.set(name, paramOf(name, { kind: 'int', dims: [shape.length], data: shape }));
    changed = true;
    return { ...n, inputs: [n.inputs[0]!, name] };
  });
  return changed ? { ...graph, nodes, params } : graph;
}

/** The constant target shape (0 for x's own dims), or undefined when the chain is not that pattern. */
function shapeOf(
  x: string,
  shapeName: string,
  producer: ReadonlyMap<string, GraphNode>,
  params: ReadonlyMap<string, Param>,
): number[] | undefined {
  const concat = producer.get(shapeName);
  if (concat?.op !== 'Concat' || (concat.attrs.axis ?? 0) !== 0) return undefined;
  const out: number[] = [];
  for (const piece of concat.inputs) {
    const p = params.get(piece);
    if (p) {
      if (p.data instanceof Float32Array || p.dims.length > 1) return undefined;
      out.push(...constantOf(p).data);
      continue;
    }
    const dim = ownDimension(x, piece, producer, params);
    if (dim === undefined || dim !== out.length) return undefined;
    out.push(0);
  }
  return out;
}

/** i when `name` is [x.shape[i]] (Gather of Shape(x) with a scalar index, unsqueezed, or a 1-element index). */
function ownDimension(
  x: string,
  name: string,
  producer: ReadonlyMap<string, GraphNode>,
  params: ReadonlyMap<string, Param>,
): number | undefined {
  let n = producer.get(name);
  let scalar = false;
  if (n?.op === 'Unsqueeze') {
    const axes = n.inputs[1] ? params.get(n.inputs[1]) : undefined;
    if (!axes || constantOf(axes).data.join() !== '0') return undefined;
    n = producer.get(n.inputs[0]!);
    scalar = true;
  }
  if (n?.op !== 'Gather' || (n.attrs.axis ?? 0) !== 0) return undefined;
  const index = params.get(n.inputs[1]!);
  if (!index || index.dims.length !== (scalar ? 0 : 1) || index.data.length !== 1) return undefined;
  const shape = producer.get(n.inputs[0]!);
  if (shape?.op !== 'Shape' || shape.inputs[0] !== x || shape.attrs.start !== undefined || shape.attrs.end !== undefined) return undefined;
  const i = Number(index.data[0]);
  return i >= 0 ? i : undefined;
}

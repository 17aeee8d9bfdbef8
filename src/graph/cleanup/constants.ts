import { paramOf } from '../constant.js';
import type { Graph, GraphNode, Param } from '../ir.js';

/**
 * Constant nodes become params named by their output (what initializers are), so that every
 * later pass and the executor see one kind of constant. A Constant that is a graph output stays.
 */
export function constantsToParams(graph: Graph): Graph {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const params = new Map(graph.params);
  const nodes: GraphNode[] = [];
  for (const n of graph.nodes) {
    const p = n.op === 'Constant' && n.domain === '' && !outputs.has(n.outputs[0]!) ? constantValue(n) : undefined;
    if (p) params.set(p.name, p);
    else nodes.push(n);
  }
  return nodes.length === graph.nodes.length ? graph : { ...graph, nodes, params };
}

/** The Constant's value as a param, or undefined for forms swprune does not fold (strings, sparse). */
function constantValue(n: GraphNode): Param | undefined {
  const name = n.outputs[0]!;
  const a = n.attrs;
  if (a.value && typeof a.value === 'object' && !Array.isArray(a.value)) {
    const v = a.value as Param;
    return { ...v, name, dims: [...v.dims], data: v.data.slice() };
  }
  if (typeof a.value_float === 'number') return paramOf(name, { kind: 'float', dims: [], data: [a.value_float] });
  if (typeof a.value_int === 'number') return paramOf(name, { kind: 'int', dims: [], data: [a.value_int] });
  if (Array.isArray(a.value_floats))
    return paramOf(name, { kind: 'float', dims: [a.value_floats.length], data: a.value_floats as number[] });
  if (Array.isArray(a.value_ints)) return paramOf(name, { kind: 'int', dims: [a.value_ints.length], data: a.value_ints as number[] });
  return undefined;
}

import { constantOf, paramOf, type Constant } from '../constant.js';
import type { Graph, GraphNode } from '../ir.js';
import { FOLD_OPS } from './fold-ops.js';

/**
 * Folds every node whose inputs are all constants (params) and whose op FOLD_OPS computes:
 * its outputs become params named as the outputs, the node goes. One pass in topological
 * order folds whole constant subgraphs (a constant chain's later nodes see the earlier ones'
 * results). `Identity` of a param is folded into a copy, which also gives every consumer of
 * an initializer PyTorch shared through Identity nodes its own parameter. Nodes producing a
 * graph output stay.
 */
export function foldConstants(graph: Graph): Graph {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const params = new Map(graph.params);
  const nodes: GraphNode[] = [];
  for (const n of graph.nodes) {
    const folded = n.domain === '' && !n.outputs.some((o) => outputs.has(o)) ? fold(n, params) : undefined;
    if (!folded) {
      nodes.push(n);
      continue;
    }
    folded.forEach((c, i) => {
      const name = n.outputs[i];
      if (name) params.set(name, paramOf(name, c));
    });
  }
  return nodes.length === graph.nodes.length ? graph : { ...graph, nodes, params };
}

function fold(n: GraphNode, params: ReadonlyMap<string, import('../ir.js').Param>): Constant[] | undefined {
  const f = FOLD_OPS[n.op];
  if (!f || n.inputs.length === 0) return undefined;
  if (!n.inputs.every((name) => name === '' || params.has(name))) return undefined;
  const inputs = n.inputs.map((name) => (name === '' ? undefined : constantOf(params.get(name)!)));
  try {
    const out = f(inputs, n);
    return out && out.length >= n.outputs.filter((o) => o !== '').length ? out : undefined;
  } catch {
    return undefined; // a malformed constant subgraph: leave it to the executor's error
  }
}

import { copyParam } from '../constant.js';
import type { Graph, GraphNode, Param } from '../ir.js';
import { isParameterInput } from '../parameter-inputs.js';

/**
 * Gives every use of a learned parameter its own param. A param read in a parameter position
 * (a weight, a bias, batch-norm statistics) and anywhere else too would be trained as one
 * variable for all of its uses, or be trained in one place and read stale in another; PyTorch
 * had separate parameters there (its exporter merged identical tensors). The first use keeps
 * the name, each later use gets a copy named "<param>/<node>".
 */
export function unshareParameters(graph: Graph): Graph {
  const uses = new Map<string, number>();
  const learned = new Set<string>();
  for (const n of graph.nodes) {
    n.inputs.forEach((x, i) => {
      if (!graph.params.has(x)) return;
      uses.set(x, (uses.get(x) ?? 0) + 1);
      if (isParameterInput(n, i)) learned.add(x);
    });
  }
  const shared = new Set([...learned].filter((x) => uses.get(x)! > 1));
  if (shared.size === 0) return graph;
  const params = new Map(graph.params);
  const seen = new Set<string>();
  const nodes = graph.nodes.map((n): GraphNode => {
    let changed = false;
    const inputs = n.inputs.map((x) => {
      if (!shared.has(x)) return x;
      if (!seen.has(x)) {
        seen.add(x);
        return x;
      }
      let name = `${x}/${n.name}`;
      for (let k = 1; params.has(name); k++) name = `${x}/${n.name}_${k}`;
      params.set(name, copyParam(graph.params.get(x) as Param, name));
      changed = true;
      return name;
    });
    return changed ? { ...n, inputs } : n;
  });
  return { ...graph, nodes, params };
}

import type { Graph } from '../ir.js';

/**
 * Removes nodes none of whose outputs is used (by a later node or as a graph output) and params
 * no node uses. Graph ops have no side effects, so this changes nothing the graph computes.
 */
export function removeDeadCode(graph: Graph): Graph {
  const live = new Set(graph.outputs.map((o) => o.name));
  const kept = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i]!;
    if (!n.outputs.some((o) => live.has(o))) continue;
    kept.push(n);
    for (const x of n.inputs) if (x !== '') live.add(x);
  }
  kept.reverse();
  const params = new Map([...graph.params].filter(([name]) => live.has(name)));
  if (kept.length === graph.nodes.length && params.size === graph.params.size) return graph;
  return { ...graph, nodes: kept, params };
}

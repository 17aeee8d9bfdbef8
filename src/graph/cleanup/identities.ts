import type { Graph, GraphNode } from '../ir.js';

/**
 * Removes Identity nodes on activations: their consumers read the Identity's input instead.
 * (Identities of params are folded into copies by foldConstants.) An Identity whose output is
 * a graph output stays, so the output keeps its name.
 */
export function removeIdentities(graph: Graph): Graph {
  const outputs = new Set(graph.outputs.map((o) => o.name));
  const alias = new Map<string, string>();
  const resolve = (name: string) => alias.get(name) ?? name;
  const nodes: GraphNode[] = [];
  for (const n of graph.nodes) {
    const inputs = n.inputs.map(resolve);
    const renamed = inputs.some((x, i) => x !== n.inputs[i]) ? { ...n, inputs } : n;
    if (n.op === 'Identity' && n.domain === '' && !outputs.has(n.outputs[0]!)) alias.set(n.outputs[0]!, inputs[0]!);
    else nodes.push(renamed);
  }
  return alias.size === 0 ? graph : { ...graph, nodes };
}

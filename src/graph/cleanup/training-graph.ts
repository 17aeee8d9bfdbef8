import type { AttrValue, Graph, GraphNode } from '../ir.js';

/**
 * A model exported in training mode (PyTorch TrainingMode.TRAINING) is a training graph:
 * BatchNormalization computes batch statistics (opset >= 14 `training_mode=1`; before, its
 * extra running-statistics outputs) and Dropout is live (its `training_mode` input). swprune
 * evaluates such a model as model.eval() would — running statistics, no dropout — and trains
 * it with its own training mode, so these nodes become their inference form (also what is
 * written back, which any runtime then evaluates the same way). Returns the graph and a
 * message saying so when anything changed.
 */
export function toInferenceGraph(graph: Graph): { graph: Graph; warning?: string } {
  const used = new Set([...graph.nodes.flatMap((n) => n.inputs), ...graph.outputs.map((o) => o.name)]);
  let bn = 0;
  let dropout = 0;
  const nodes = graph.nodes.map((n): GraphNode => {
    if (n.domain !== '') return n;
    const extraUsed = n.outputs.slice(1).some((o) => o !== '' && used.has(o));
    if (n.op === 'BatchNormalization' && (n.attrs.training_mode === 1 || n.outputs.length > 1) && !extraUsed) {
      bn++;
      const attrs: Record<string, AttrValue> = { ...n.attrs };
      delete attrs.training_mode;
      return { ...n, outputs: [n.outputs[0]!], attrs };
    }
    if (n.op === 'Dropout' && (n.inputs[2] ?? '') !== '' && !extraUsed) {
      dropout++;
      const inputs = n.inputs.slice(0, 2);
      while (inputs.length > 1 && inputs.at(-1) === '') inputs.pop();
      return { ...n, inputs, outputs: [n.outputs[0]!] };
    }
    return n;
  });
  if (bn === 0 && dropout === 0) return { graph };
  const what = [
    bn ? `${bn} BatchNormalization node${bn > 1 ? 's' : ''} computing batch statistics` : '',
    dropout ? `${dropout} live Dropout node${dropout > 1 ? 's' : ''}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return {
    graph: { ...graph, nodes },
    warning: `the model was exported in training mode (${what}); swprune evaluates it as model.eval() would (running statistics, no dropout) and writes it back in that inference form`,
  };
}

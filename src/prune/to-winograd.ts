import { WINOGRAD_CONV, type Graph, type GraphNode, type Param } from '../graph/ir.js';
import { windowPads } from '../graph/window.js';
import { winogradWeight } from '../winograd/winograd-weight.js';
import type { PruneTarget } from './targets.js';

/**
 * Replaces each target Conv by a `WinogradConv` node (domain ai.swprune) whose trainable
 * weight is W = G g G^T, computed in float64 and stored float32 in ONNX layout
 * [Cout, Cin/group, T, T]. Attributes: tile (T), m, kernel (r), pads [top, left, bottom, right]
 * (the Conv's explicit pads; stride-1 'SAME' auto_pad resolved), and group when the Conv is
 * grouped (cin of the target is then the input channels per group). The bias input is kept.
 */
export function toWinogradGraph(graph: Graph, targets: readonly PruneTarget[]): Graph {
  const byNode = new Map(targets.map((t) => [t.node, t]));
  const params = new Map(graph.params);
  const nodes: GraphNode[] = graph.nodes.map((n) => {
    const t = byNode.get(n);
    if (!t) return n;
    const { tile, cout, cin } = t;
    const g = graph.params.get(t.weight)!.data as Float32Array;
    const perPosition = winogradWeight(tile, g, cout, cin); // [T*T, Cin, Cout]
    const T2 = tile.T * tile.T;
    const data = new Float32Array(perPosition.length);
    for (let q = 0; q < T2; q++)
      for (let ci = 0; ci < cin; ci++)
        for (let co = 0; co < cout; co++) data[(co * cin + ci) * T2 + q] = perPosition[(q * cin + ci) * cout + co]!;
    const name = `${t.weight}.winograd`;
    const param: Param = { name, dims: [cout, cin, tile.T, tile.T], data };
    params.set(name, param);
    if (!graph.nodes.some((other) => other !== n && other.inputs.includes(t.weight))) params.delete(t.weight);
    return {
      name: n.name,
      ...WINOGRAD_CONV,
      inputs: [n.inputs[0]!, name, ...(n.inputs[2] ? [n.inputs[2]] : [])],
      outputs: n.outputs,
      attrs: { tile: tile.T, m: tile.m, kernel: tile.r, pads: explicitPads(n, tile.r), ...groupAttr(n) },
    };
  });
  return { ...graph, nodes, params };
}

/** The Conv's group, when it has more than one. */
function groupAttr(n: GraphNode): { group?: number } {
  const g = n.attrs.group;
  return typeof g === 'number' && g > 1 ? { group: g } : {};
}

/**
 * ONNX pads [top, left, bottom, right] of a stride-1, undilated r x r conv, SAME_* auto_pad
 * resolved (at stride 1 they do not depend on the input size, so any size will do).
 */
const explicitPads = (n: GraphNode, r: number): number[] => windowPads(n, [r, r], [r, r], [1, 1], [1, 1]);

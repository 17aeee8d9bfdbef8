import type { CompiledModel } from '../exec/compile.js';
import { isWinogradConv, type Graph, type GraphNode } from '../graph/ir.js';
import { winogradCandidate } from '../prune/candidates.js';

/** One row of `swprune inspect` (JSON field names are part of the interface: docs/json.md). */
export interface LayerInfo {
  readonly name: string;
  readonly op: string;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly winogradCandidate: boolean;
  /** Why a conv is not a candidate ('' for candidates and non-convolutions). */
  readonly reason: string;
  readonly params: number;
  /** Multiply-accumulates per image. */
  readonly macs: number;
}

export interface InspectReport {
  readonly layers: readonly LayerInfo[];
  readonly totals: { readonly params: number; readonly macs: number; readonly winogradCandidates: number; readonly candidateMacs: number };
}

/** Ops shown as layers: the ones with weights or real work. */
const LAYER_OPS = new Set(['Conv', 'WinogradConv', 'Gemm', 'MatMul', 'BatchNormalization', 'MaxPool', 'AveragePool', 'GlobalAveragePool']);

const prod = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/**
 * Multiply-accumulates per image of one node, from its logical output shape (batch 1):
 *   Conv: outH*outW*Cout * Cin/group * kh*kw     (WinogradConv: the same, as direct convolution)
 *   Gemm/MatMul: rows * K * N
 */
function macsOf(node: GraphNode, graph: Graph, out: readonly number[], inShape: readonly number[]): number {
  const w = graph.params.get(node.inputs[1] ?? '');
  if (node.op === 'Conv' && w) return prod(out.slice(1)) * prod(w.dims.slice(1));
  if (isWinogradConv(node) && w) {
    const r = (node.attrs.kernel as number) ?? 3;
    return prod(out.slice(1)) * (w.dims[1] ?? 0) * r * r;
  }
  if ((node.op === 'Gemm' || node.op === 'MatMul') && inShape.length >= 2) return prod(out) * inShape[inShape.length - 1]!;
  return 0;
}

/** The layer table of a compiled model (what `inspect` shows). */
export function layerTable(model: CompiledModel): InspectReport {
  const { graph } = model;
  const shapes = model.valueShapes();
  const layers: LayerInfo[] = graph.nodes
    .filter((n) => LAYER_OPS.has(n.op))
    .map((n) => {
      const inputShape = shapes.get(n.inputs[0]!) ?? [];
      const outputShape = shapes.get(n.outputs[0]!) ?? [];
      const verdict = winogradCandidate(n, graph);
      const params = n.inputs.slice(1).reduce((s, name) => s + (graph.params.get(name)?.data.length ?? 0), 0);
      return {
        name: n.name,
        op: n.op,
        inputShape,
        outputShape,
        winogradCandidate: verdict.candidate,
        reason: n.op === 'Conv' && !verdict.candidate ? (verdict.reason ?? '') : '',
        params,
        macs: macsOf(n, graph, outputShape, inputShape),
      };
    });
  const candidates = layers.filter((l) => l.winogradCandidate);
  return {
    layers,
    totals: {
      params: layers.reduce((s, l) => s + l.params, 0),
      macs: layers.reduce((s, l) => s + l.macs, 0),
      winogradCandidates: candidates.length,
      candidateMacs: candidates.reduce((s, l) => s + l.macs, 0),
    },
  };
}

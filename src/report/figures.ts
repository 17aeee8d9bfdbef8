import { type Graph, type GraphNode, isWinogradConv } from '../graph/ir.js';
import type { LayerInfo } from './layer-table.js';
import { getTile } from '../winograd/tiles.js';

/** One row of `swprune report` (JSON field names are part of the interface: docs/json.md). */
export interface ReportLayer {
  readonly name: string;
  /** 'winograd' for Winograd layers; other layers with weights keep their op ('Conv', 'Gemm'...). */
  readonly kind: string;
  readonly tile: string | null;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  /** Exact zeros of the spatial kernel g, where the model has one (a spatial-form input). */
  readonly spatialSparsity: number | null;
  readonly winogradSparsity: number | null;
  /** T x T: the fraction of kernels whose W[i][j] is exactly zero. */
  readonly zeroPattern: readonly (readonly number[])[] | null;
  readonly winogradWeights: number;
  /** Multiplications per image: direct convolution, dense Winograd, sparse Winograd (zeros skipped). */
  readonly macs: { readonly direct: number; readonly denseWinograd: number | null; readonly sparseWinograd: number | null };
}

export interface MacTotals {
  readonly direct: number;
  readonly denseWinograd: number;
  readonly sparseWinograd: number;
}

export interface ReportOverall {
  /** Size-weighted over the Winograd layers. */
  readonly winogradSparsity: number;
  readonly winogradLayers: number;
  /** Over the Winograd layers. */
  readonly macs: MacTotals;
  /** Over the whole network: other layers count their direct multiplications in every column. */
  readonly network: MacTotals;
}

/**
 * Per-layer figures of a model in Winograd form. `layers` is the inspect table of that model
 * (shapes, direct multiply-accumulates per image); `spatial` gives the spatial sparsity of
 * layers that came from spatial kernels. Transforms are not counted in the Winograd columns:
 * they are the per-tile additions the multiplication counts of the method leave out.
 */
export function reportFigures(graph: Graph, layers: readonly LayerInfo[], spatial: ReadonlyMap<string, number>): { layers: ReportLayer[]; overall: ReportOverall } {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const rows = layers
    .filter((l) => l.macs > 0)
    .map((l): ReportLayer => {
      const node = byName.get(l.name)!;
      if (!isWinogradConv(node)) {
        return { name: l.name, kind: l.op, tile: null, inputShape: l.inputShape, outputShape: l.outputShape, spatialSparsity: null, winogradSparsity: null,
          zeroPattern: null, winogradWeights: 0, macs: { direct: l.macs, denseWinograd: null, sparseWinograd: null } };
      }
      return winogradRow(node, graph, l, spatial.get(l.name) ?? null);
    });
  const wino = rows.filter((r) => r.kind === 'winograd');
  const sum = (rs: readonly ReportLayer[], f: (r: ReportLayer) => number) => rs.reduce((s, r) => s + f(r), 0);
  const weights = sum(wino, (r) => r.winogradWeights);
  const macs = {
    direct: sum(wino, (r) => r.macs.direct),
    denseWinograd: sum(wino, (r) => r.macs.denseWinograd!),
    sparseWinograd: sum(wino, (r) => r.macs.sparseWinograd!),
  };
  const others = sum(rows.filter((r) => r.kind !== 'winograd'), (r) => r.macs.direct);
  return {
    layers: rows,
    overall: {
      winogradSparsity: sum(wino, (r) => r.winogradSparsity! * r.winogradWeights) / Math.max(weights, 1),
      winogradLayers: wino.length,
      macs,
      network: { direct: macs.direct + others, denseWinograd: macs.denseWinograd + others, sparseWinograd: macs.sparseWinograd + others },
    },
  };
}

function winogradRow(node: GraphNode, graph: Graph, l: LayerInfo, spatialSparsity: number | null): ReportLayer {
  const tile = getTile(node.attrs.tile as number, node.attrs.kernel as number);
  const { T, m } = tile;
  const w = graph.params.get(node.inputs[1]!)!.data as Float32Array;
  const kernels = w.length / (T * T);
  const zeros = new Array<number>(T * T).fill(0);
  for (let k = 0; k < w.length; k++) if (w[k] === 0) zeros[k % (T * T)]!++;
  const [, , outH = 1, outW = 1] = l.outputShape;
  const tiles = Math.ceil(outH / m) * Math.ceil(outW / m);
  const nonzeros = w.length - zeros.reduce((a, b) => a + b, 0);
  return {
    name: l.name, kind: 'winograd', tile: tile.name, inputShape: l.inputShape, outputShape: l.outputShape, spatialSparsity,
    winogradSparsity: 1 - nonzeros / w.length,
    zeroPattern: Array.from({ length: T }, (_, i) => zeros.slice(i * T, (i + 1) * T).map((z) => z / kernels)),
    winogradWeights: w.length,
    macs: { direct: l.macs, denseWinograd: tiles * w.length, sparseWinograd: tiles * nonzeros },
  };
}

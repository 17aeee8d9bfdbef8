import type { Accuracy } from '../eval/evaluate.js';
import { isWinogradConv, type Graph, type GraphNode } from '../graph/ir.js';
import type { ReportHistory } from './history.js';
import type { LayerInfo } from './layer-table.js';
import { convMultiplications } from '../winograd/multiplications.js';
import { getTile } from '../winograd/tiles.js';
import { winogradSparsity, zeroCount } from '../winograd/winograd-weight.js';

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
export function reportFigures(
  graph: Graph,
  layers: readonly LayerInfo[],
  spatial: ReadonlyMap<string, number>,
): { layers: ReportLayer[]; overall: ReportOverall } {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const rows = layers
    .filter((l) => l.macs > 0)
    .map((l): ReportLayer => {
      const node = byName.get(l.name)!;
      if (!isWinogradConv(node)) {
        return {
          name: l.name,
          kind: l.op,
          tile: null,
          inputShape: l.inputShape,
          outputShape: l.outputShape,
          spatialSparsity: null,
          winogradSparsity: null,
          zeroPattern: null,
          winogradWeights: 0,
          macs: { direct: l.macs, denseWinograd: null, sparseWinograd: null },
        };
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
  const others = sum(
    rows.filter((r) => r.kind !== 'winograd'),
    (r) => r.macs.direct,
  );
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
  const { T } = tile;
  const weight = graph.params.get(node.inputs[1]!)!;
  const w = weight.data as Float32Array;
  const kernels = w.length / (T * T);
  // W is [Cout, Cin/group, T, T]: position (i, j) of every kernel is k % T².
  const zeros = new Array<number>(T * T).fill(0);
  for (let k = 0; k < w.length; k++) if (w[k] === 0) zeros[k % (T * T)]!++;
  const [, , outH = 1, outW = 1] = l.outputShape;
  const [cout = 0, cin = 0] = weight.dims;
  const counts = convMultiplications({ outH, outW, cin, cout }, tile, w.length - zeroCount(w));
  return {
    name: l.name,
    kind: 'winograd',
    tile: tile.name,
    inputShape: l.inputShape,
    outputShape: l.outputShape,
    spatialSparsity,
    winogradSparsity: winogradSparsity(w),
    zeroPattern: Array.from({ length: T }, (_, i) => zeros.slice(i * T, (i + 1) * T).map((z) => z / kernels)),
    winogradWeights: w.length,
    macs: { direct: l.macs, denseWinograd: counts.denseWinograd, sparseWinograd: counts.sparseWinograd },
  };
}

/** The result of `report` (what `--json` writes, docs/json.md). */
export interface Report {
  readonly command: 'report';
  readonly model: string;
  readonly data: string;
  readonly bundle: { readonly path: string; readonly bytes: number; readonly sourceSha256: string };
  readonly backend: string;
  readonly layers: readonly ReportLayer[];
  readonly overall: ReportOverall;
  /**
   * Computed by running the written bundle through the deployment runtime (swprune/runtime);
   * when the runtime cannot run it, the dense executor's (accuracySource says which).
   */
  readonly accuracy: Accuracy & { readonly loss: number };
  readonly accuracySource: 'runtime' | 'dense executor';
  /** The same model on the dense executor, for comparison. */
  readonly denseAccuracy: Accuracy & { readonly loss: number };
  readonly testExamples: number;
  /** The stages of the runs that produced the model, when their logs were given. */
  readonly history?: ReportHistory;
  /**
   * Measured speed on batches of test images: the bundle through the runtime (null when it
   * cannot run it); the same network with every layer dense through the same runtime on the
   * same threads (what the bundle is to be compared with; null when the runtime cannot run
   * it); and the same model through swprune's dense executor (the one training uses).
   * `measuredInTurns`: the bundle and the dense network were timed in one process, alternating
   * calls on the same images (their ratio is not the drift of a machine whose speed swings
   * between two measurements); false when one of them was not measured.
   */
  readonly speed: {
    readonly measuredInTurns: boolean;
    readonly bundle: {
      readonly examplesPerSecond: number;
      readonly batch: number;
      readonly threads: number;
      readonly batch1MsPerImage: number;
    } | null;
    readonly denseRuntime: {
      readonly examplesPerSecond: number;
      readonly batch: number;
      readonly threads: number;
      readonly batch1MsPerImage: number;
    } | null;
    readonly dense: { readonly examplesPerSecond: number; readonly batch: number; readonly threads: number; readonly backend: string };
  };
}

import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BackendChoice } from '../backend/select.js';
import { readBundle } from '../bundle/read.js';
import { encodeBundle } from '../bundle/write.js';
import { startBackend } from '../cli/backend.js';
import type { CliIO } from '../cli/io.js';
import { formatCount, formatPercent, formatTable } from '../cli/table.js';
import { openDataset, type DataFlags, type Dataset } from '../data/index.js';
import { SwpruneError, usageError } from '../errors.js';
import { compileGraph, imageInputShape, type CompiledModel } from '../exec/compile.js';
import type { Graph } from '../graph/ir.js';
import { inspectModel } from '../report/layer-table.js';
import { writeFileAtomic } from '../io/atomic.js';
import { writeJson } from '../io/json.js';
import { loadModel } from '../io/load.js';
import { layerSparsity } from '../prune/sparsity.js';
import { selectTargets } from '../prune/targets.js';
import { toWinogradGraph } from '../prune/to-winograd.js';
import { reportFigures, type ReportLayer, type ReportOverall } from '../report/figures.js';
import { renderReportHtml } from '../report/html.js';
import { compileBundle } from '../sparse/bundle-model.js';
import { testAccuracy } from '../train/retrain.js';
import type { Accuracy } from '../train/staged.js';

export interface ReportOptions extends DataFlags {
  readonly model: string;
  readonly data: string;
  readonly out: string;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  readonly tile: number;
  readonly limit?: number;
  readonly batchSize: number;
  readonly backend: BackendChoice;
  readonly json?: string;
  readonly html?: string;
}

/** The fields of `swprune report --json` (docs/json.md). */
export interface Report {
  readonly command: 'report';
  readonly model: string;
  readonly data: string;
  readonly bundle: { readonly path: string; readonly bytes: number; readonly sourceSha256: string };
  readonly backend: string;
  readonly layers: readonly ReportLayer[];
  readonly overall: ReportOverall;
  /** Computed by running the written bundle through the sparse Winograd inference path. */
  readonly accuracy: Accuracy & { readonly loss: number };
  /** The same model on the dense executor, for comparison. */
  readonly denseAccuracy: Accuracy & { readonly loss: number };
  readonly testExamples: number;
}

/** `swprune report`: figures, the sparse bundle, and accuracy measured from the bundle. */
export async function runReport(opts: ReportOptions, io: CliIO): Promise<Report> {
  if (!opts.out.endsWith('.swb')) throw usageError(`-o must be a .swb bundle file, got ${opts.out}`);
  if (resolve(opts.out) === resolve(opts.model)) throw usageError('-o must differ from the input model');
  const loaded = loadModel(opts.model);
  const dataset = openDataset(opts, { ...imageInputShape(loaded.graph), classes: loaded.graph.outputs[0]?.dims.at(-1) ?? null }, (l) => io.stderr.write(`${l}\n`));
  const { graph, spatial } = winogradForm(loaded.graph, opts.tile);
  const backend = await startBackend(opts.backend, io.stderr);

  // Write the bundle, then read it back: everything below runs from the file.
  writeFileAtomic(opts.out, encodeBundle(graph, sourceBytes(loaded.path)));
  const bundle = readBundle(opts.out);
  checkRoundTrip(graph, bundle.graph, opts.out);

  const dense = compileGraph(graph);
  let figures: ReturnType<typeof reportFigures>;
  let denseAccuracy: Report['denseAccuracy'];
  try {
    figures = reportFigures(graph, inspectModel(dense).layers, spatial);
    denseAccuracy = await measure(dense, dataset, opts, io, 'dense executor');
  } finally {
    dense.dispose();
  }
  const sparse = compileBundle(bundle);
  let accuracy: Report['accuracy'];
  try {
    accuracy = await measure(sparse, dataset, opts, io, 'bundle (sparse)');
  } finally {
    sparse.dispose();
  }
  const report: Report = {
    command: 'report', model: opts.model, data: opts.data, backend: backend.name,
    bundle: { path: opts.out, bytes: statSync(opts.out).size, sourceSha256: bundle.sourceSha256 },
    layers: figures.layers, overall: figures.overall, accuracy, denseAccuracy, testExamples: dataset.test.size(opts.limit),
  };
  io.stdout.write(formatReport(report));
  if (opts.json) writeJson(opts.json, report);
  if (opts.html) writeFileAtomic(opts.html, new TextEncoder().encode(renderReportHtml(report)));
  return report;
}

/**
 * The model in Winograd form: a Winograd-form ONNX (from `swprune winograd`) as it is; a
 * spatial model with every candidate of `tile` converted (W = G g G^T), keeping each layer's
 * spatial sparsity for the figures.
 */
function winogradForm(graph: Graph, tile: number): { graph: Graph; spatial: Map<string, number> } {
  if (graph.nodes.some((n) => n.op === 'WinogradConv')) return { graph, spatial: new Map() };
  const targets = selectTargets(graph, { tile });
  const spatial = new Map(layerSparsity(graph, targets, () => 0).map((l) => [l.name, l.spatialSparsity!]));
  return { graph: toWinogradGraph(graph, targets), spatial };
}

/** The bytes the bundle's source hash covers: the model file (model.json for tfjs). */
function sourceBytes(path: string): Uint8Array {
  const file = statSync(path).isDirectory() ? `${path}/model.json` : path;
  return readFileSync(file);
}

/** Every parameter decoded from the bundle must be bit-identical to the model's. */
function checkRoundTrip(expected: Graph, decoded: Graph, path: string): void {
  for (const [name, p] of expected.params) {
    if (!(p.data instanceof Float32Array)) continue;
    const q = decoded.params.get(name);
    const same = q && q.data.length === p.data.length && Buffer.from(q.data.buffer, q.data.byteOffset, q.data.byteLength).equals(Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength));
    if (!same) throw new SwpruneError('E_IO', `audit failed: parameter ${name} read back from ${path} differs from the model's`);
  }
}

async function measure(model: CompiledModel, dataset: Dataset, opts: ReportOptions, io: CliIO, label: string) {
  const r = await testAccuracy(model, dataset, opts.batchSize, io.stderr, label, opts.limit);
  return { ...r.accuracy, loss: r.loss };
}

const mega = (n: number | null) => (n === null ? '-' : `${(n / 1e6).toFixed(2)}M`);
const pct = (x: number | null) => (x === null ? '-' : formatPercent(x, 1));

function formatReport(r: Report): string {
  const table = formatTable(
    [{ header: 'layer' }, { header: 'kind' }, { header: 'shape' }, { header: 'spatial', align: 'right' }, { header: 'winograd', align: 'right' },
      { header: 'direct', align: 'right' }, { header: 'dense W', align: 'right' }, { header: 'sparse W', align: 'right' }],
    r.layers.map((l) => [l.name, l.tile ?? l.kind, `${l.inputShape.slice(1).join('x')} -> ${l.outputShape.slice(1).join('x')}`, pct(l.spatialSparsity),
      pct(l.winogradSparsity), mega(l.macs.direct), mega(l.macs.denseWinograd), mega(l.macs.sparseWinograd)]),
  );
  const o = r.overall;
  return (
    table +
    `\nWinograd layers: ${o.winogradLayers}, Winograd-domain sparsity ${formatPercent(o.winogradSparsity, 1)}; multiplications per image ` +
    `${mega(o.macs.direct)} direct, ${mega(o.macs.denseWinograd)} dense Winograd, ${mega(o.macs.sparseWinograd)} sparse Winograd ` +
    `(${(o.macs.direct / Math.max(o.macs.sparseWinograd, 1)).toFixed(1)}x fewer than direct)\n` +
    `whole network: ${mega(o.network.direct)} direct -> ${mega(o.network.sparseWinograd)} with sparse Winograd layers\n` +
    `accuracy from the bundle (sparse Winograd): top-1 ${formatPercent(r.accuracy.top1)}, top-5 ${formatPercent(r.accuracy.top5)}; ` +
    `dense executor: top-1 ${formatPercent(r.denseAccuracy.top1)}, top-5 ${formatPercent(r.denseAccuracy.top5)} (${formatCount(r.testExamples)} test images)\n` +
    `wrote ${r.bundle.path} (${formatCount(r.bundle.bytes)} bytes)\n`
  );
}

import * as tf from '@tensorflow/tfjs';
import { readFileSync, statSync } from 'node:fs';
import { readBundle } from '../bundle/read.js';
import type { Dataset } from '../data/index.js';
import { encodeBundle } from '../bundle/write.js';
import { msg, opt, SwpruneError, usageError } from '../errors.js';
import { evaluate } from '../eval/evaluate.js';
import { compileGraph, type CompiledModel } from '../exec/compile.js';
import { hasWinogradConv, type Graph, type GraphNode } from '../graph/ir.js';
import { writeFileAtomic } from '../io/atomic.js';
import { readJson, writeJson } from '../io/json.js';
import { layerSparsity } from '../prune/sparsity.js';
import { selectTargets } from '../prune/targets.js';
import { toWinogradGraph } from '../prune/to-winograd.js';
import { reportFigures, type Report } from '../report/figures.js';
import { reportHistory } from '../report/history.js';
import { renderReportHtml } from '../report/html.js';
import { layerTable } from '../report/layer-table.js';
import { examplesPerSecond } from '../eval/run-function.js';
import { loadBundleFile, loadGraph, type Runtime } from '../runtime/index.js';
import type { BackendInfo } from '../backend/select.js';
import { threadCount } from '../backend/threads.js';
import { ignoreEvents, type EventSink } from './events.js';
import { openModelAndData, output, startCompute } from './open.js';
import { DEFAULTS, type CommonOptions, type DataOptions } from './options.js';
import { checkDataFitsRuntime, measureSpeedsInTurns, runtimeAccuracy, SPEED_BATCH } from './run.js';

export interface ReportOptions extends DataOptions, CommonOptions {
  /** A spatial model (ONNX or TensorFlow.js) or a Winograd-form ONNX from `winograd`. */
  readonly model: string;
  /** The sparse Winograd bundle to write (.swb). */
  readonly out: string;
  /** For a spatial model: the Winograd tile its convolutions use. */
  readonly tile?: number;
  /** Also write a self-contained HTML page. */
  readonly html?: string;
  /** The `--json` logs of the spatial/winograd runs that produced the model, in order (the HTML charts them). */
  readonly history?: readonly string[];
}

export type { Report } from '../report/figures.js';

/** `report`: figures, the sparse bundle, and accuracy measured from the bundle. */
export async function runReport(opts: ReportOptions, sink: EventSink = ignoreEvents): Promise<Report> {
  if (!opts.out.endsWith('.swb')) throw usageError(msg`${opt('out')} must be a .swb bundle file, got ${opts.out}`);
  const { loaded, dataset } = openModelAndData(opts, sink, () => [
    output('out', opts.out, 'the bundle'),
    output('html', opts.html, 'the HTML page'),
    output('json', opts.json, 'the JSON result'),
  ]);
  const { graph, spatial } = winogradForm(loaded.graph, opts.tile ?? DEFAULTS.tile);
  const history = opts.history
    ? reportHistory(
        opts.history.map((p) => readJson(p, 'history')),
        opts.history,
      )
    : undefined;
  const backend = await startCompute(loaded, opts, sink);

  // Write the bundle, then read it back: everything below runs from the file.
  writeFileAtomic(opts.out, encodeBundle(graph, sourceBytes(loaded.path)));
  const bundle = readBundle(opts.out);
  checkRoundTrip(graph, bundle.graph, opts.out);

  const dense = compileGraph(graph);
  let figures: ReturnType<typeof reportFigures>;
  let denseAccuracy: Report['denseAccuracy'];
  let denseSpeed: Report['speed']['dense'];
  try {
    figures = reportFigures(graph, layerTable(dense).layers, spatial);
    const r = await evaluate(dense, dataset.test, {
      batchSize: opts.batchSize ?? DEFAULTS.batchSize,
      limit: opts.limit,
      progress: { task: { kind: 'evaluate', subject: 'dense executor' }, sink },
      engine: 'executor',
    });
    denseAccuracy = { ...r.accuracy, loss: r.loss };
    denseSpeed = await executorSpeed(dense, dataset.test.shape, await firstTestImages(dataset), backend);
  } finally {
    dense.dispose();
  }

  // The bundle through the deployment runtime, from the file just written, and the same network
  // with every layer dense through the same runtime and threads (the comparison the bundle is
  // for): both open at once, their speeds measured in turns on the same images.
  const threads = threadCount();
  const runtime = await unlessUnsupported(
    () => loadBundleFile(opts.out, { threads }),
    (e) =>
      sink({
        kind: 'warning',
        message: [`the runtime cannot run this bundle (${e.message}); the bundle's accuracy is the dense executor's`],
      }),
  );
  let accuracy = denseAccuracy;
  let speed: Pick<Report['speed'], 'bundle' | 'denseRuntime' | 'measuredInTurns'>;
  let plain: Runtime | undefined;
  try {
    plain = await unlessUnsupported(() => loadGraph(denseNetwork(loaded.graph), undefined, { threads }));
    if (runtime) {
      checkDataFitsRuntime(dataset, runtime);
      const r = await runtimeAccuracy(runtime, dataset, opts, 'bundle (runtime)', sink);
      accuracy = { ...r.accuracy, loss: r.loss };
    }
    speed = await runtimeSpeeds(runtime, plain, dataset, threads);
  } finally {
    await runtime?.close();
    await plain?.close();
  }
  const report: Report = {
    command: 'report',
    model: opts.model,
    data: opts.data,
    backend: backend.name,
    bundle: { path: opts.out, bytes: statSync(opts.out).size, sourceSha256: bundle.sourceSha256 },
    layers: figures.layers,
    overall: figures.overall,
    accuracy,
    accuracySource: runtime ? 'runtime' : 'dense executor',
    denseAccuracy,
    testExamples: dataset.test.size(opts.limit),
    speed: { ...speed, dense: denseSpeed },
    ...(history ? { history } : {}),
  };
  if (opts.json) writeJson(opts.json, report);
  if (opts.html) writeFileAtomic(opts.html, new TextEncoder().encode(renderReportHtml(report)));
  return report;
}

/** `load()`, or undefined when the runtime does not run the network (E_UNSUPPORTED_OP, passed to `unsupported`). */
async function unlessUnsupported(
  load: () => Promise<Runtime>,
  unsupported: (e: SwpruneError) => void = () => {},
): Promise<Runtime | undefined> {
  try {
    return await load();
  } catch (e) {
    if (!(e instanceof SwpruneError) || e.code !== 'E_UNSUPPORTED_OP') throw e;
    unsupported(e);
    return undefined;
  }
}

/**
 * The speed of the bundle's runtime and of the dense network's (either may be missing), in
 * turns when there are both (measureSpeedsInTurns): both networks take the same images in the
 * same layout, as they have the same input.
 */
async function runtimeSpeeds(
  bundle: Runtime | undefined,
  dense: Runtime | undefined,
  dataset: Dataset,
  threads: number,
): Promise<Pick<Report['speed'], 'bundle' | 'denseRuntime' | 'measuredInTurns'>> {
  const timed = [bundle, dense].filter((r): r is Runtime => r !== undefined);
  const speeds = timed.length
    ? await measureSpeedsInTurns(
        timed.map((r) => (x, n) => r.run(x, n)),
        dataset,
        timed[0]!.inputLayout,
        threads,
      )
    : [];
  const figures = (r: Runtime | undefined) => {
    const s = r && speeds[timed.indexOf(r)];
    return s
      ? { examplesPerSecond: s.batched.examplesPerSecond, batch: s.batched.batch, threads, batch1MsPerImage: s.batch1.msPerImage }
      : null;
  };
  return { bundle: figures(bundle), denseRuntime: figures(dense), measuredInTurns: timed.length === 2 };
}

/** Up to SPEED_BATCH test images, NHWC as the executor takes them. */
async function firstTestImages(dataset: {
  test: { batches(o: { batchSize: number }): AsyncIterable<{ x: Float32Array; size: number }> };
}): Promise<{ x: Float32Array; n: number }> {
  for await (const b of dataset.test.batches({ batchSize: SPEED_BATCH })) return { x: b.x.slice(), n: b.size };
  return { x: new Float32Array(0), n: 0 };
}

/** Images per second of the dense executor on a batch of test images (outputs read back). */
async function executorSpeed(
  model: CompiledModel,
  shape: { height: number; width: number; channels: number },
  images: { x: Float32Array; n: number },
  backend: BackendInfo,
): Promise<Report['speed']['dense']> {
  const run = async (x: Float32Array, n: number) => {
    const y = tf.tidy(() => model.forward(tf.tensor4d(x, [n, shape.height, shape.width, shape.channels])));
    try {
      return (await y.data()) as Float32Array;
    } finally {
      y.dispose();
    }
  };
  const threads = backend.threads;
  return { examplesPerSecond: await examplesPerSecond(run, images.x, images.n), batch: images.n, threads, backend: backend.name };
}

/**
 * The model in Winograd form: a Winograd-form ONNX (from `swprune winograd`) as it is; a
 * spatial model with every candidate of `tile` converted (W = G g G^T), keeping each layer's
 * spatial sparsity for the figures.
 */
function winogradForm(graph: Graph, tile: number): { graph: Graph; spatial: Map<string, number> } {
  if (hasWinogradConv(graph)) return { graph, spatial: new Map() };
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
    const same =
      q &&
      q.data.length === p.data.length &&
      Buffer.from(q.data.buffer, q.data.byteOffset, q.data.byteLength).equals(
        Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength),
      );
    if (!same) throw new SwpruneError('E_IO', `audit failed: parameter ${name} read back from ${path} differs from the model's`);
  }
}

/**
 * The network with every layer dense, for its speed: a spatial model as it is (the runtime runs
 * its 3x3 convolutions as dense F(4x4,3x3) layers); a Winograd-form one with each WinogradConv
 * as the r x r convolution it stands for, zero weights (a dense kernel's time does not depend
 * on their values).
 */
export function denseNetwork(graph: Graph): Graph {
  if (!hasWinogradConv(graph)) return graph;
  const params = new Map(graph.params);
  const nodes = graph.nodes.map((n): GraphNode => {
    if (n.op !== 'WinogradConv') return n;
    const w = graph.params.get(n.inputs[1]!)!;
    const r = n.attrs.kernel as number;
    const name = `${n.inputs[1]!}.dense`;
    params.set(name, { name, dims: [w.dims[0]!, w.dims[1]!, r, r], data: new Float32Array(w.dims[0]! * w.dims[1]! * r * r) });
    const group = n.attrs.group as number | undefined;
    return {
      name: n.name,
      op: 'Conv',
      domain: '',
      inputs: [n.inputs[0]!, name, ...n.inputs.slice(2)],
      outputs: n.outputs,
      attrs: { kernel_shape: [r, r], pads: [...(n.attrs.pads as number[])], ...(group ? { group } : {}) },
    };
  });
  for (const n of graph.nodes)
    if (n.op === 'WinogradConv' && !nodes.some((m) => m.inputs.includes(n.inputs[1]!))) params.delete(n.inputs[1]!);
  return { ...graph, nodes, params };
}

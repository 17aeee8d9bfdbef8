import { statSync } from 'node:fs';
import { checkDataFitsModel, loadDataset, parseDataSpec, type Dataset } from '../data/index.js';
import type { Accuracy } from '../eval/evaluate.js';
import { evaluateRun, examplesPerSecond, type BatchFunction } from '../eval/run-function.js';
import { SwpruneError } from '../errors.js';
import { writeJson } from '../io/json.js';
import { loadBundleFile, type Runtime } from '../runtime/index.js';
import { ignoreEvents, type EventSink } from './events.js';
import { guardRun, output } from './open.js';
import { setThreads } from '../backend/threads.js';
import { DEFAULTS, type CommonOptions, type DataOptions } from './options.js';

export interface RunOptions extends DataOptions, Pick<CommonOptions, 'threads'> {
  /** A sparse Winograd bundle (.swb) from `report`. */
  readonly model: string;
  /** Also write the result as JSON to this file (docs/json.md). */
  readonly json?: string;
}

/** How fast the runtime ran the bundle: one image at a time and in batches. */
export interface RuntimeSpeed {
  readonly threads: number;
  /** Latency of one image (a batch of 1), and the images per second that makes. */
  readonly batch1: { readonly msPerImage: number; readonly examplesPerSecond: number };
  /** Throughput on batches of `batch` images. */
  readonly batched: { readonly batch: number; readonly examplesPerSecond: number };
}

export interface RunResult {
  readonly command: 'run';
  readonly model: string;
  readonly data: string;
  readonly runtime: { readonly threads: number; readonly batch: number; readonly memoryBytes: number; readonly steps: readonly string[] };
  /** Measured through the runtime on the test split. */
  readonly accuracy: Accuracy & { readonly loss: number };
  readonly testExamples: number;
  readonly speed: RuntimeSpeed;
}

/** Batches for the speed figures. */
export const SPEED_BATCH = 64;

/** The runtime's input layout for a dataset's shape, checked against the model's input. */
export function checkDataFitsRuntime(dataset: Dataset, runtime: Runtime): void {
  const s = runtime.inputShape;
  const [h, w, c] = runtime.inputLayout === 'NHWC' ? [s[0], s[1], s[2]] : [s[1], s[2], s[0]];
  checkDataFitsModel(dataset, { height: h ?? null, width: w ?? null, channels: c ?? null, classes: runtime.outputShape.at(-1) ?? null });
}

/** Accuracy of a runtime on the dataset's test split (progress as events). */
export async function runtimeAccuracy(runtime: Runtime, dataset: Dataset, opts: DataOptions, subject: string, sink: EventSink) {
  return evaluateRun((x, n) => runtime.run(x, n), runtime.outputShape.at(-1)!, dataset.test, {
    batchSize: opts.batchSize ?? DEFAULTS.batchSize, limit: opts.limit, layout: runtime.inputLayout, progress: { task: { kind: 'evaluate', subject }, sink },
  });
}

/** Latency at batch 1 and throughput at batch SPEED_BATCH of `run` on the first test images. */
export async function measureSpeed(run: BatchFunction, dataset: Dataset, layout: 'NCHW' | 'NHWC', threads: number): Promise<RuntimeSpeed> {
  const images = await firstImages(dataset, layout);
  const n = images.length / (dataset.imageShape.height * dataset.imageShape.width * dataset.imageShape.channels);
  const one = await examplesPerSecond(run, images, 1);
  return { threads, batch1: { msPerImage: 1000 / one, examplesPerSecond: one }, batched: { batch: n, examplesPerSecond: await examplesPerSecond(run, images, n) } };
}

/** Up to SPEED_BATCH test images, in `layout`. */
async function firstImages(dataset: Dataset, layout: 'NCHW' | 'NHWC'): Promise<Float32Array> {
  for await (const batch of dataset.test.batches({ batchSize: SPEED_BATCH })) {
    const { height: H, width: W, channels: C } = batch.shape;
    if (layout === 'NHWC' || C === 1) return batch.x.slice();
    const out = new Float32Array(batch.x.length);
    for (let i = 0; i < batch.size; i++) for (let p = 0; p < H * W; p++) for (let c = 0; c < C; c++) out[(i * C + c) * H * W + p] = batch.x[(i * H * W + p) * C + c]!;
    return out;
  }
  return new Float32Array(0);
}

/**
 * `run`: a bundle through the deployment runtime (swprune/runtime, no TensorFlow.js): its
 * accuracy on the test split and its measured speed.
 */
/** The bundle must be a regular file: a folder, device or FIFO is one line, not a read that never ends. */
function readableFile(path: string): void {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st && !st.isFile()) throw new SwpruneError('E_MODEL', `${path} is ${st.isDirectory() ? 'a folder' : 'not a regular file'}; pass a .swb bundle file (swprune report -o <file.swb>)`);
}

export async function runBundle(opts: RunOptions, sink: EventSink = ignoreEvents): Promise<RunResult> {
  guardRun([opts.model], opts, [output('json', opts.json, 'the JSON result')]);
  readableFile(opts.model);
  const dataset = loadDataset(parseDataSpec(opts.data), { mean: opts.mean, std: opts.std });
  const threads = setThreads(opts.threads);
  const runtime = await loadBundleFile(opts.model, { threads });
  try {
    checkDataFitsRuntime(dataset, runtime);
    const r = await runtimeAccuracy(runtime, dataset, opts, 'bundle (runtime)', sink);
    const speed = await measureSpeed((x, n) => runtime.run(x, n), dataset, runtime.inputLayout, threads);
    const result: RunResult = {
      command: 'run', model: opts.model, data: opts.data,
      runtime: { threads, batch: runtime.batch, memoryBytes: runtime.memoryBytes, steps: runtime.steps },
      accuracy: { ...r.accuracy, loss: r.loss }, testExamples: r.examples, speed,
    };
    if (opts.json) writeJson(opts.json, result);
    return result;
  } finally {
    await runtime.close();
  }
}

import { statSync } from 'node:fs';
import { checkDataFitsModel, type Dataset } from '../data/index.js';
import type { Accuracy } from '../eval/evaluate.js';
import { evaluateRun, examplesPerSecondInTurns, type BatchFunction } from '../eval/run-function.js';
import { SwpruneError } from '../errors.js';
import { writeJson } from '../io/json.js';
import { loadBundleFile, loadOnnxFile, type Runtime, type RuntimeProfile } from '../runtime/index.js';
import { ignoreEvents, type EventSink } from './events.js';
import { guardRun, openData, output, type ModelInput } from './open.js';
import { setThreads } from '../backend/threads.js';
import { DEFAULTS, type CommonOptions, type DataOptions } from './options.js';

export interface RunOptions extends DataOptions, Pick<CommonOptions, 'threads'> {
  /** A sparse Winograd bundle (.swb) from `report`; or a standard ONNX model (.onnx), run dense on the same runtime for comparison. */
  readonly model: string;
  /** Also write the result as JSON to this file (docs/json.md). */
  readonly json?: string;
  /** Also profile calls of this many images (true: 1 and SPEED_BATCH): each step's time, summed by kind of kernel (Runtime.profile). */
  readonly profile?: number | boolean;
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
  readonly runtime: {
    readonly threads: number;
    readonly batch: number;
    readonly team: boolean;
    readonly splitFrom: number | null;
    readonly memoryBytes: number;
    readonly steps: readonly string[];
  };
  /** Measured through the runtime on the test split. */
  readonly accuracy: Accuracy & { readonly loss: number };
  readonly testExamples: number;
  readonly speed: RuntimeSpeed;
  /** With `profile`: where a call's time goes, one profile per call size, on the first test images. */
  readonly profiles?: readonly RuntimeProfile[];
}

export type { RuntimeProfile };

/** Batches for the speed figures. */
export const SPEED_BATCH = 64;

/** The runtime's input layout for a dataset's shape, checked against the model's input. */
/** The image input and classes a runtime's network takes, as the dataset must fit them. */
function runtimeInput(runtime: Runtime): ModelInput {
  const s = runtime.inputShape;
  const [h, w, c] = runtime.inputLayout === 'NHWC' ? [s[0], s[1], s[2]] : [s[1], s[2], s[0]];
  return { height: h ?? null, width: w ?? null, channels: c ?? null, classes: runtime.outputShape.at(-1) ?? null };
}

/** Fails when the dataset does not fit the runtime's network (as checkDataFitsModel). */
export function checkDataFitsRuntime(dataset: Dataset, runtime: Runtime): void {
  checkDataFitsModel(dataset, runtimeInput(runtime));
}

/** Accuracy of a runtime on the dataset's test split (progress as events). */
export async function runtimeAccuracy(runtime: Runtime, dataset: Dataset, opts: DataOptions, subject: string, sink: EventSink) {
  return evaluateRun((x, n) => runtime.run(x, n), runtime.outputShape.at(-1)!, dataset.test, {
    batchSize: opts.batchSize ?? DEFAULTS.batchSize,
    limit: opts.limit,
    layout: runtime.inputLayout,
    progress: { task: { kind: 'evaluate', subject }, sink },
  });
}

/** Latency at batch 1 and throughput at batch SPEED_BATCH of `run` on the first test images. */
export async function measureSpeed(run: BatchFunction, dataset: Dataset, layout: 'NCHW' | 'NHWC', threads: number): Promise<RuntimeSpeed> {
  return (await measureSpeedsInTurns([run], dataset, layout, threads))[0]!;
}

/**
 * measureSpeed for several functions taking the same images in `layout` (say a bundle and the
 * same network dense, through the same runtime on `threads` threads), timed in turns
 * (examplesPerSecondInTurns): first at batch 1, then at batch SPEED_BATCH. Their ratios are
 * then not the drift of a machine whose speed swings within seconds.
 */
export async function measureSpeedsInTurns(
  runs: readonly BatchFunction[],
  dataset: Dataset,
  layout: 'NCHW' | 'NHWC',
  threads: number,
): Promise<RuntimeSpeed[]> {
  const images = await firstImages(dataset, layout);
  const n = images.length / (dataset.imageShape.height * dataset.imageShape.width * dataset.imageShape.channels);
  const one = await examplesPerSecondInTurns(runs, images, 1);
  const batched = await examplesPerSecondInTurns(runs, images, n);
  return runs.map((_, i) => ({
    threads,
    batch1: { msPerImage: 1000 / one[i]!, examplesPerSecond: one[i]! },
    batched: { batch: n, examplesPerSecond: batched[i]! },
  }));
}

/** Up to SPEED_BATCH test images, in `layout`. */
async function firstImages(dataset: Dataset, layout: 'NCHW' | 'NHWC'): Promise<Float32Array> {
  for await (const batch of dataset.test.batches({ batchSize: SPEED_BATCH })) {
    const { height: H, width: W, channels: C } = batch.shape;
    if (layout === 'NHWC' || C === 1) return batch.x.slice();
    const out = new Float32Array(batch.x.length);
    for (let i = 0; i < batch.size; i++)
      for (let p = 0; p < H * W; p++) for (let c = 0; c < C; c++) out[(i * C + c) * H * W + p] = batch.x[(i * H * W + p) * C + c]!;
    return out;
  }
  return new Float32Array(0);
}

/** The bundle (or ONNX model) must be a regular file: a folder, device or FIFO is one line, not a read that never ends. */
function readableFile(path: string): void {
  const st = statSync(path, { throwIfNoEntry: false });
  if (st && !st.isFile())
    throw new SwpruneError(
      'E_MODEL',
      `${path} is ${st.isDirectory() ? 'a folder' : 'not a regular file'}; pass a .swb bundle (swprune report -o <file.swb>) or an .onnx file`,
    );
}

/**
 * `run`: a bundle through the deployment runtime (swprune/runtime, no TensorFlow.js): its
 * accuracy on the test split and its measured speed. A standard ONNX model runs on the same
 * runtime with every layer dense: the dense model's figures under the same conditions.
 */
export async function runBundle(opts: RunOptions, sink: EventSink = ignoreEvents): Promise<RunResult> {
  guardRun([opts.model], opts, [output('json', opts.json, 'the JSON result')]);
  readableFile(opts.model);
  const threads = setThreads(opts.threads);
  const onnx = opts.model.toLowerCase().endsWith('.onnx');
  const runtime = await (onnx ? loadOnnxFile : loadBundleFile)(opts.model, { threads });
  try {
    // Shaped for the network's input (an image folder's resize and crop), checked against it.
    const dataset = openData(opts, runtimeInput(runtime), sink);
    const r = await runtimeAccuracy(runtime, dataset, opts, onnx ? 'model (runtime)' : 'bundle (runtime)', sink);
    const speed = await measureSpeed((x, n) => runtime.run(x, n), dataset, runtime.inputLayout, threads);
    const profiles = opts.profile
      ? await profileRuntime(runtime, dataset, opts.profile === true ? [1, SPEED_BATCH] : [opts.profile], sink)
      : undefined;
    const result: RunResult = {
      command: 'run',
      model: opts.model,
      data: opts.data,
      runtime: {
        threads,
        batch: runtime.batch,
        team: runtime.team,
        splitFrom: runtime.splitFrom,
        memoryBytes: runtime.memoryBytes,
        steps: runtime.steps,
      },
      accuracy: { ...r.accuracy, loss: r.loss },
      testExamples: r.examples,
      speed,
      ...(profiles ? { profiles } : {}),
    };
    if (opts.json) writeJson(opts.json, result);
    return result;
  } finally {
    await runtime.close();
  }
}

/** Profiles of calls of each size in `images` on the first test images (repeated when a call takes more than there are). */
async function profileRuntime(runtime: Runtime, dataset: Dataset, images: readonly number[], sink: EventSink): Promise<RuntimeProfile[]> {
  const first = await firstImages(dataset, runtime.inputLayout);
  const perImage = runtime.inputShape.reduce((a, b) => a * b, 1);
  const profiles: RuntimeProfile[] = [];
  for (const n of images) {
    sink({ kind: 'note', message: [`profiling calls of ${n} image${n > 1 ? 's' : ''} (each step on its own, the median of 5)`] });
    const input = new Float32Array(n * perImage);
    for (let i = 0; i < n && first.length; i++)
      input.set(first.subarray((i * perImage) % first.length, ((i * perImage) % first.length) + perImage), i * perImage);
    profiles.push(await runtime.profile(n, { input }));
  }
  return profiles;
}

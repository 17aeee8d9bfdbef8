import { startBackend } from '../backend/start.js';
import { setThreads } from '../backend/threads.js';
import type { BackendInfo } from '../backend/select.js';
import { checkDataFitsModel, loadDataset, parseDataSpec, type Dataset } from '../data/index.js';
import { SwpruneError } from '../errors.js';
import { imageInputShape } from '../exec/compile.js';
import type { LoadedModel } from '../graph/ir.js';
import { removeStaleTemps } from '../io/atomic.js';
import { loadModel, modelFiles } from '../io/load.js';
import { guardOutputs, type PathRef } from '../io/output-guard.js';
import type { LayerSparsity } from '../prune/pruner.js';
import type { TrainingSettings } from '../train/config.js';
import { ignoreEvents, type EventSink } from './events.js';
import { DEFAULTS, type CommonOptions, type DataOptions, type TrainingOptions } from './options.js';

/**
 * The opening every command shares: read the model and the dataset and check that they fit
 * each other, before any slow work (no backend yet: a bad path fails at once). The dataset is
 * shaped for the model's input (an image folder's crop and channels, an array file's layout);
 * its notes go to `sink` now, and each image skipped as unreadable as a warning when it happens.
 */
export function openModelAndData(
  opts: { readonly model: string } & DataOptions & RunInputs,
  sink: EventSink = ignoreEvents,
  outputs: (loaded: LoadedModel) => readonly (PathRef | undefined)[] = () => [],
): { loaded: LoadedModel; dataset: Dataset } {
  const loaded = loadModel(opts.model);
  const written = outputs(loaded);
  guardRun(loaded, opts, written);
  removeTemps(written);
  const model = { ...imageInputShape(loaded.graph), classes: loaded.graph.outputs[0]?.dims.at(-1) ?? null };
  return { loaded, dataset: openData(opts, model, sink) };
}

/** What a dataset must fit: the model's image input (null: any) and its output classes. */
export interface ModelInput {
  readonly height: number | null;
  readonly width: number | null;
  readonly channels: number | null;
  readonly classes: number | null;
}

/** The dataset of `opts`, shaped for and checked against the model's input (see openModelAndData). */
export function openData(opts: DataOptions, model: ModelInput, sink: EventSink = ignoreEvents): Dataset {
  const dataset = loadDataset(parseDataSpec(opts.data), {
    mean: opts.mean,
    std: opts.std,
    resize: opts.resize,
    crop: opts.crop,
    strict: opts.strict,
    workers: opts.workers,
    model,
    onSkip: (s, total) =>
      sink({ kind: 'warning', message: [`skipped ${s.path}: unreadable image (${s.reason}); ${total} skipped so far`] }),
  });
  checkDataFitsModel(dataset, model);
  for (const note of dataset.notes) sink({ kind: 'note', message: [note] });
  return dataset;
}

/** The files besides the model and the dataset a command reads. */
export interface RunInputs {
  readonly data?: string;
  readonly targetsFrom?: string;
  readonly history?: readonly string[];
}

/** An output file of a command: the option it came from, the path, what it is. */
export const output = (option: string, path: string | undefined, what: string): PathRef | undefined =>
  path === undefined ? undefined : { option, path, what };

/**
 * The output guard for one run (src/io/output-guard.ts), before any slow work: the inputs are
 * the model's files (model file, external data or weight shards; or the files given, e.g. a
 * bundle), the dataset (a file, or a folder no output may be written in), --targets-from and
 * --history files.
 */
export function guardRun(model: LoadedModel | readonly string[], opts: RunInputs, outputs: readonly (PathRef | undefined)[]): void {
  const files = Array.isArray(model) ? model : modelFiles(model as LoadedModel);
  const inputs: PathRef[] = files.map((path, i) => ({
    option: 'model',
    path,
    what: i === 0 ? 'the input model' : 'a weight file of the input model',
  }));
  const folders: PathRef[] = [];
  if (opts.data !== undefined) {
    const colon = opts.data.indexOf(':');
    const data = { option: 'data', path: opts.data.slice(colon + 1), what: 'the dataset' };
    inputs.push(data);
    folders.push(data);
  }
  if (opts.targetsFrom !== undefined) inputs.push({ option: 'targetsFrom', path: opts.targetsFrom, what: 'the sensitivity file read' });
  for (const h of opts.history ?? []) inputs.push({ option: 'history', path: h, what: 'a run log read' });
  guardOutputs({ inputs, folders, outputs: outputs.filter((o): o is PathRef => o !== undefined) });
}

/**
 * Removes the temporary files killed writes left beside these outputs (`.<name>.swprune-tmp-*`
 * of processes that are gone): when a run starts or resumes, and when it succeeds.
 */
export function removeTemps(outputs: readonly (PathRef | undefined)[]): void {
  for (const o of outputs) if (o) removeStaleTemps(o.path);
}

/** Starts the compute backend, then reports it and the model reader's warnings. */
export async function startCompute(loaded: LoadedModel, opts: CommonOptions, sink: EventSink): Promise<BackendInfo> {
  setThreads(opts.threads);
  const backend = await startBackend(opts.backend ?? DEFAULTS.backend);
  sink({ kind: 'backend', backend });
  for (const w of loaded.warnings) sink({ kind: 'warning', message: [w] });
  return backend;
}

/** The training settings of a run: the options given, defaults for the rest. */
export function trainingSettings(o: TrainingOptions & Pick<DataOptions, 'batchSize' | 'limit'>): TrainingSettings {
  return {
    momentum: o.momentum ?? DEFAULTS.momentum,
    weightDecay: o.weightDecay ?? DEFAULTS.weightDecay,
    optimizer: o.optimizer ?? DEFAULTS.optimizer,
    lrSchedule: o.lrSchedule ?? DEFAULTS.lrSchedule,
    batchSize: o.batchSize ?? DEFAULTS.trainBatchSize,
    seed: o.seed ?? DEFAULTS.seed,
    limit: o.limit,
    augment: o.augment ?? DEFAULTS.augment,
  };
}

/**
 * The written file must hold exactly the sparsity the run computed: `audited` is read back
 * from the file at `path`, `computed` is the run's own; a difference is an I/O error.
 */
export function auditSparsity(audited: readonly LayerSparsity[], computed: readonly LayerSparsity[], path: string): void {
  audited.forEach((a, i) => {
    const c = computed[i]!;
    if (a.winogradSparsity !== c.winogradSparsity || a.spatialSparsity !== c.spatialSparsity) {
      throw new SwpruneError(
        'E_IO',
        `audit failed: ${a.name} in ${path} has Winograd sparsity ${a.winogradSparsity}, but the run computed ${c.winogradSparsity}`,
      );
    }
  });
}

import { startBackend } from '../backend/start.js';
import { setThreads } from '../backend/threads.js';
import type { BackendInfo } from '../backend/select.js';
import { checkDataFitsModel, loadDataset, parseDataSpec, type Dataset } from '../data/index.js';
import { SwpruneError } from '../errors.js';
import { imageInputShape } from '../exec/compile.js';
import type { LoadedModel } from '../graph/ir.js';
import { loadModel } from '../io/load.js';
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
export function openModelAndData(opts: { readonly model: string } & DataOptions, sink: EventSink = ignoreEvents): { loaded: LoadedModel; dataset: Dataset } {
  const loaded = loadModel(opts.model);
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
    onSkip: (s, total) => sink({ kind: 'warning', message: [`skipped ${s.path}: unreadable image (${s.reason}); ${total} skipped so far`] }),
  });
  checkDataFitsModel(dataset, model);
  for (const note of dataset.notes) sink({ kind: 'note', message: [note] });
  return dataset;
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
      throw new SwpruneError('E_IO', `audit failed: ${a.name} in ${path} has Winograd sparsity ${a.winogradSparsity}, but the run computed ${c.winogradSparsity}`);
    }
  });
}

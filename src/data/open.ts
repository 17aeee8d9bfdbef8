import { checkDataFitsModel, loadDataset, parseDataSpec, type Dataset, type ModelShape } from './dataset.js';

/** What every command that reads data takes (`--data`, `--mean`, `--std`, and for image folders `--resize`, `--crop`, `--strict`, `--workers`). */
export interface DataFlags {
  readonly data: string;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  readonly resize?: number;
  readonly crop?: number;
  readonly strict?: boolean;
  readonly workers?: number;
}

/**
 * Opens `--data` for a model: parses the spec, loads the dataset shaped for the model's input
 * (image folders and arrays take their size, channels and layout from it), checks that it fits,
 * and tells `warn` the dataset's notes and, as they happen, every image skipped as unreadable.
 */
export function openDataset(flags: DataFlags, model: ModelShape, warn: (line: string) => void): Dataset {
  const dataset = loadDataset(parseDataSpec(flags.data), {
    mean: flags.mean,
    std: flags.std,
    resize: flags.resize,
    crop: flags.crop,
    strict: flags.strict,
    workers: flags.workers,
    model,
    onSkip: (s, total) => warn(`warning: skipped ${s.path}: unreadable image (${s.reason}); ${total} skipped so far`),
  });
  checkDataFitsModel(dataset, model);
  for (const note of dataset.notes) warn(`note: ${note}`);
  return dataset;
}

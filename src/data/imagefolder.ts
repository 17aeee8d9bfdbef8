import { availableParallelism } from 'node:os';
import { SwpruneError } from '../errors.js';
import type { SkippedImage } from './batch-job.js';
import { folderLayout, scanClassFolder, type ClassFolder } from './folder-scan.js';
import { FolderSplit } from './folder-split.js';
import { deriveSeed, mulberry32, permutation } from './rng.js';
import type { DataSplit, ImageShape } from './split.js';
import { evalTransform, trainTransform } from './transform.js';

/** ImageNet's normalisation (torchvision's reference scripts), per channel count. */
export const IMAGENET_NORM: Record<number, { mean: number[]; std: number[] }> = {
  3: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  // Grey models: the means of ImageNet's three.
  1: { mean: [0.449], std: [0.226] },
};

/** torchvision's ImageNet evaluation resizes to 256 for a 224 crop. */
const RESIZE_RATIO = 256 / 224;

/** The fraction of each class held out as the test split when the folder has no val/ or test/. */
const HOLD_OUT = 0.1;

/** Decoding threads by default: the cores left beside the training thread, 1 to 4. */
const defaultWorkers = () => Math.max(1, Math.min(4, availableParallelism() - 1));

export interface ImageFolderOptions {
  /** The model's input (null: not fixed by the model). */
  readonly model: { height: number | null; width: number | null; channels: number | null };
  /** Shorter side after resizing, for evaluation; default crop * 256/224. */
  readonly resize?: number;
  /** Crop size (square); default the model's input size, 224 when the model does not fix it. */
  readonly crop?: number;
  readonly mean: (channels: number) => number[];
  readonly std: (channels: number) => number[];
  readonly workers?: number;
  readonly prefetch?: number;
  readonly strict?: boolean;
  readonly onSkip?: (skipped: SkippedImage, total: number) => void;
}

export interface ImageFolderData {
  readonly classes: number;
  readonly classNames: readonly string[];
  readonly shape: ImageShape;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly train: DataSplit;
  readonly test: DataSplit;
  /** What a user should know: the preprocessing, where the test split came from. */
  readonly notes: readonly string[];
}

/**
 * `imagefolder:DIR`: torchvision's ImageFolder layout. Classes are train/'s folder names in
 * sorted order (the indices a model trained with ImageFolder outputs); images stream from disk
 * (FolderSplit) through torchvision's standard preprocessing at the model's input size.
 */
export function loadImageFolder(dir: string, o: ImageFolderOptions): ImageFolderData {
  const channels = o.model.channels ?? 3;
  if (![1, 3, 4].includes(channels)) {
    throw new SwpruneError(
      'E_DATA',
      `the model takes ${channels}-channel images; image files give 1 (grey), 3 (RGB) or 4 (RGBA) channels; use a model with 1, 3 or 4 input channels`,
    );
  }
  const notes: string[] = [];
  let height = o.crop ?? o.model.height;
  let width = o.crop ?? o.model.width;
  if (height === null || width === null) {
    height = width = 224;
    notes.push('the model does not fix its input size: cropping to 224x224');
  }
  const resize = o.resize ?? Math.round(Math.min(height, width) * RESIZE_RATIO);
  const layout = folderLayout(dir);
  const trainFolder = layout.train ? scanClassFolder(layout.train, undefined, layout.train) : undefined;
  let test: ClassFolder;
  let train: ClassFolder | undefined = trainFolder;
  if (layout.test) {
    test = scanClassFolder(layout.test, trainFolder?.classes, layout.test);
  } else {
    const split = holdOut(trainFolder!);
    train = split.train;
    test = split.test;
    notes.push(
      `${dir} has no val/ or test/ folder: ${test.labels.length} images (${Math.round(HOLD_OUT * 100)}% of each class, the same every run) are held out as the test split`,
    );
  }
  const classes = test.classes.length;
  const mean = o.mean(channels);
  const std = o.std(channels);
  const shape = { height, width, channels };
  const workers = o.workers ?? defaultWorkers();
  const common = {
    shape,
    mean,
    std,
    evalTransform: evalTransform(resize, height, width),
    workers,
    prefetch: o.prefetch ?? Math.max(2, workers + 1),
    strict: o.strict ?? false,
    onSkip: o.onSkip,
  };
  notes.push(
    `preprocessing: evaluation resizes the shorter side to ${resize} and centre-crops ${height}x${width}; training takes random-resized ${height}x${width} crops with horizontal flips (with --no-augment, the evaluation preprocessing)`,
  );
  return {
    classes,
    classNames: test.classes,
    shape,
    mean,
    std,
    train: train
      ? new FolderSplit(train.files, train.labels, { ...common, trainTransform: trainTransform(height, width) })
      : new MissingSplit(dir, shape),
    test: new FolderSplit(test.files, test.labels, common),
    notes,
  };
}

/**
 * Holds out HOLD_OUT of each class (at least one image of a class with two or more), chosen by a
 * fixed seed: every command (and every --seed) sees the same test split, so evaluating never
 * counts an image another run trained on.
 */
function holdOut(all: ClassFolder): { train: ClassFolder; test: ClassFolder } {
  const byClass = new Map<number, number[]>();
  all.labels.forEach((l, i) => {
    (byClass.get(l) ?? byClass.set(l, []).get(l)!).push(i);
  });
  const random = mulberry32(deriveSeed(0, 0, 4));
  const inTest = new Uint8Array(all.labels.length);
  for (const members of byClass.values()) {
    const k = members.length < 2 ? 0 : Math.max(1, Math.round(members.length * HOLD_OUT));
    const p = permutation(members.length, random);
    for (let j = 0; j < k; j++) inTest[members[p[j]!]!] = 1;
  }
  const pick = (want: number) => {
    const idx = [...all.labels.keys()].filter((i) => inTest[i] === want);
    return { dir: all.dir, classes: all.classes, files: all.files.select(idx), labels: Int32Array.from(idx, (i) => all.labels[i]!) };
  };
  return { train: pick(0), test: pick(1) };
}

/** The train split of a folder that has only val/ (or test/): evaluation works, training says why not. */
class MissingSplit implements DataSplit {
  constructor(
    private readonly dir: string,
    readonly shape: ImageShape,
  ) {}
  readonly count = 0;
  size(): number {
    return 0;
  }
  numBatches(): number {
    return 0;
  }
  // biome-ignore lint/correctness/useYield: a folder without train/ yields nothing; it fails at the first batch
  async *batches(): AsyncGenerator<never> {
    throw new SwpruneError('E_DATA', `${this.dir} has no train/ folder; training needs ${this.dir}/train/<class>/<image>`);
  }
}

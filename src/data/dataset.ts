import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { msg, opt, SwpruneError, usageError } from '../errors.js';
import type { SkippedImage } from './batch-job.js';
import { cifarDir, readCifarFiles, type RawSplit } from './cifar.js';
import { findIdx, readIdx } from './idx.js';
import { IMAGENET_NORM, loadImageFolder } from './imagefolder.js';
import { loadArrays } from './npz.js';
import { MemorySplit, type DataSplit, type ImageShape } from './split.js';

/** `--data kind:PATH`. */
export interface DataSpec {
  readonly kind: DatasetKind;
  /** The folder (or, for npz, the file) the data is in. */
  readonly dir: string;
}

export interface Dataset {
  readonly kind: DatasetKind;
  readonly dir: string;
  readonly classes: number;
  /**
   * `exact`: the kind has a fixed class list and the model must output exactly `classes`;
   * `within`: labels 0..classes-1 must be among the model's outputs (image folders, arrays).
   */
  readonly classRange: 'exact' | 'within';
  readonly imageShape: ImageShape;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly train: DataSplit;
  readonly test: DataSplit;
  /** Things the user should be told (preprocessing chosen, a held-out test split). */
  readonly notes: readonly string[];
}

/** The model a dataset is loaded for: its input (null where not fixed) and its class count. */
export interface ModelShape {
  readonly height: number | null;
  readonly width: number | null;
  readonly channels: number | null;
  readonly classes: number | null;
}

export interface LoadOptions {
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  /** The model's input and outputs: image folders and arrays take their shape from it. */
  readonly model?: ModelShape;
  /** Image folders: shorter side after resizing (evaluation). */
  readonly resize?: number;
  /** Image folders: crop size. */
  readonly crop?: number;
  /** Image folders: stop at an unreadable image instead of skipping it. */
  readonly strict?: boolean;
  /** Image folders: decoding worker threads (0: on the main thread). */
  readonly workers?: number;
  /** Image folders: batches decoded ahead. */
  readonly prefetch?: number;
  /** Image folders: told about each image skipped as unreadable, with the count so far. */
  readonly onSkip?: (skipped: SkippedImage, total: number) => void;
}

type Loaded = Omit<Dataset, 'kind' | 'dir'>;

interface KindSpec {
  /** What PATH is: a folder, or a file or folder. */
  readonly path: 'dir' | 'file-or-dir';
  /** What the user should pass, for the error when PATH is missing. */
  readonly expects: string;
  readonly load: (path: string, o: LoadOptions) => Loaded;
}

function loadIdxPair(dir: string): { train: RawSplit; test: RawSplit } {
  const split = (images: string, labels: string): RawSplit => {
    const x = readIdx(findIdx(dir, images), 3);
    const y = readIdx(findIdx(dir, labels), 1);
    if (x.dims[0] !== y.dims[0])
      throw new SwpruneError('E_DATA', `${dir}: ${images} has ${x.dims[0]} images but ${labels} has ${y.dims[0]} labels`);
    if (x.dims[1] !== 28 || x.dims[2] !== 28)
      throw new SwpruneError('E_DATA', `${dir}: ${images} holds ${x.dims[1]}x${x.dims[2]} images, expected 28x28`);
    return { images: x.data, labels: y.data, count: y.dims[0]! };
  };
  return {
    train: split('train-images-idx3-ubyte', 'train-labels-idx1-ubyte'),
    test: split('t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'),
  };
}

function loadCifar10(dir: string) {
  const d = cifarDir(dir, 'data_batch_1.bin', 'cifar-10-batches-bin');
  const batches = [1, 2, 3, 4, 5].map((i) => join(d, `data_batch_${i}.bin`));
  for (const p of [...batches, join(d, 'test_batch.bin')]) {
    if (!existsSync(p))
      throw new SwpruneError('E_DATA', `${p} not found; the CIFAR-10 binary version has data_batch_1..5.bin and test_batch.bin`);
  }
  return { train: readCifarFiles(batches, 1, 0), test: readCifarFiles([join(d, 'test_batch.bin')], 1, 0) };
}

function loadCifar100(label: 0 | 1) {
  return (dir: string) => {
    const d = cifarDir(dir, 'train.bin', 'cifar-100-binary');
    for (const f of ['train.bin', 'test.bin']) {
      if (!existsSync(join(d, f)))
        throw new SwpruneError('E_DATA', `${join(d, f)} not found; the CIFAR-100 binary version has train.bin and test.bin`);
    }
    return { train: readCifarFiles([join(d, 'train.bin')], 2, label), test: readCifarFiles([join(d, 'test.bin')], 2, label) };
  };
}

/**
 * A kind with a fixed image shape and class list, read whole into memory (IDX, CIFAR binary).
 */
function fixedKind(
  name: string,
  classes: number,
  shape: ImageShape,
  norm: { mean: number[]; std: number[] },
  augment: boolean,
  read: (dir: string) => { train: RawSplit; test: RawSplit },
): KindSpec {
  return {
    path: 'dir',
    expects: `the folder that holds the ${name} files`,
    load: (dir, o) => {
      const raw = read(dir);
      const mean = perChannel('mean', o.mean, norm.mean, shape.channels);
      const std = perChannel('std', o.std, norm.std, shape.channels);
      for (const [split, r] of Object.entries(raw)) {
        const bad = r.labels.findIndex((l) => l >= classes);
        if (bad >= 0)
          throw new SwpruneError(
            'E_DATA',
            `${dir}: ${split} label ${r.labels[bad]} at example ${bad} is not a ${name} class (0..${classes - 1})`,
          );
      }
      return {
        classes,
        classRange: 'exact',
        imageShape: shape,
        mean,
        std,
        train: new MemorySplit(raw.train.images, raw.train.labels, shape, mean, std, augment),
        test: new MemorySplit(raw.test.images, raw.test.labels, shape, mean, std, false),
        notes: [],
      };
    },
  };
}

const GRAY28: ImageShape = { height: 28, width: 28, channels: 1 };
const RGB32: ImageShape = { height: 32, width: 32, channels: 3 };
const CIFAR100_NORM = { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] };
const NO_MODEL: ModelShape = { height: null, width: null, channels: null, classes: null };

/** The dataset kinds `--data` accepts. */
const KINDS = {
  'fashion-mnist': fixedKind('fashion-mnist', 10, GRAY28, { mean: [0.286], std: [0.353] }, false, loadIdxPair),
  mnist: fixedKind('mnist', 10, GRAY28, { mean: [0.1307], std: [0.3081] }, false, loadIdxPair),
  cifar10: fixedKind('cifar10', 10, RGB32, { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] }, true, loadCifar10),
  cifar100: fixedKind('cifar100', 100, RGB32, CIFAR100_NORM, true, loadCifar100(1)),
  'cifar100-coarse': fixedKind('cifar100-coarse', 20, RGB32, CIFAR100_NORM, true, loadCifar100(0)),
  imagefolder: {
    path: 'dir',
    expects: 'the folder with train/<class>/ and val/<class>/ (or a folder of class folders)',
    load: (dir, o) => {
      const norm = (values: readonly number[] | undefined, key: 'mean' | 'std') => (channels: number) => {
        const dflt = IMAGENET_NORM[channels]?.[key];
        if (!values && !dflt) throw usageError(msg`${opt(key)}: no default for ${channels}-channel images; pass ${channels} values`);
        return perChannel(key, values, dflt ?? [], channels);
      };
      const d = loadImageFolder(dir, { ...o, model: o.model ?? NO_MODEL, mean: norm(o.mean, 'mean'), std: norm(o.std, 'std') });
      return {
        classes: d.classes,
        classRange: 'within',
        imageShape: d.shape,
        mean: d.mean,
        std: d.std,
        train: d.train,
        test: d.test,
        notes: d.notes,
      };
    },
  },
  npz: {
    path: 'file-or-dir',
    expects: 'an .npz file (x_train, y_train, x_test, y_test) or a folder of those .npy files',
    load: (path, o) => {
      const a = loadArrays(path, o.model ?? NO_MODEL);
      const mean = perChannel('mean', o.mean, [0], a.shape.channels);
      const std = perChannel('std', o.std, [1], a.shape.channels);
      const split = (s: typeof a.train) => new MemorySplit(s.images, s.labels, a.shape, mean, std, false);
      const scale = a.train.images instanceof Uint8Array ? 'uint8, scaled to 0..1' : 'float32, used as stored';
      return {
        classes: a.classes,
        classRange: 'within',
        imageShape: a.shape,
        mean,
        std,
        train: split(a.train),
        test: split(a.test),
        notes: [
          `arrays: ${a.layout} ${a.shape.height}x${a.shape.width}x${a.shape.channels}, ${scale}; ${a.train.count} training and ${a.test.count} test examples`,
        ],
      };
    },
  },
} as const satisfies Record<string, KindSpec>;

export type DatasetKind = keyof typeof KINDS;
export const DATASET_KINDS = Object.keys(KINDS) as DatasetKind[];

/** Parses `kind:PATH`; the folder (or file) must exist. */
export function parseDataSpec(spec: string): DataSpec {
  const colon = spec.indexOf(':');
  const kind = spec.slice(0, colon) as DatasetKind;
  if (colon < 1 || !(kind in KINDS)) {
    throw usageError(msg`${opt('data')} expects kind:PATH with kind one of ${DATASET_KINDS.join(', ')}, got "${spec}"`);
  }
  const k: KindSpec = KINDS[kind];
  const dir = spec.slice(colon + 1);
  const found = dir !== '' && existsSync(dir) && (k.path === 'file-or-dir' || statSync(dir).isDirectory());
  if (!found) {
    throw new SwpruneError(
      'E_DATA',
      msg`${opt('data')} ${spec}: ${k.path === 'dir' ? 'directory' : 'file or directory'} "${dir}" not found; pass ${k.expects}`,
    );
  }
  return { kind, dir };
}

/** Per-channel values from the mean/std options (one value applies to every channel). */
function perChannel(name: 'mean' | 'std', values: readonly number[] | undefined, dflt: readonly number[], channels: number): number[] {
  if (!values) return dflt.length === 1 ? new Array<number>(channels).fill(dflt[0]!) : [...dflt];
  checkNormalisation(name, values);
  if (values.length === 1) return new Array<number>(channels).fill(values[0]!);
  if (values.length !== channels) {
    throw usageError(
      msg`${opt(name)} needs ${channels === 1 ? '1 value' : `1 or ${channels} values`} for ${channels}-channel images, got ${values.length}`,
    );
  }
  return [...values];
}

/**
 * Normalisation values must be finite, and a std positive: (x - mean) / 0 makes every input
 * infinite or NaN, which would only show later as a diverging loss.
 */
function checkNormalisation(name: 'mean' | 'std', values: readonly number[]): void {
  if (values.some((v) => !Number.isFinite(v))) throw usageError(msg`${opt(name)} values must be finite numbers, got ${values.join(',')}`);
  if (name === 'std' && values.some((v) => v <= 0)) {
    throw usageError(
      msg`${opt('std')} ${values.join(',')}: a standard deviation must be positive (the inputs are divided by it); pass the dataset's per-channel std, or leave ${opt('std')} out for the dataset kind's usual`,
    );
  }
}

/**
 * Loads a dataset: the fixed kinds into memory (raw bytes), arrays into memory laid out for the
 * model, image folders as file lists streamed at batch time. `opts.model` (the model's input
 * size, channels and classes) decides an image folder's crop and channels and an array file's
 * layout; the fixed kinds are checked against it afterwards by checkDataFitsModel.
 */
export function loadDataset(spec: DataSpec, opts: LoadOptions = {}): Dataset {
  const k: KindSpec = KINDS[spec.kind];
  const dataset: Dataset = { kind: spec.kind, dir: spec.dir, ...k.load(spec.dir, opts) };
  // Every command measures the test split: without examples its figures would be NaN.
  // (An empty training split is refused by training, the one step that reads it.)
  if (dataset.test.size() === 0) {
    throw new SwpruneError(
      'E_DATA',
      msg`${opt('data')} ${spec.kind}:${spec.dir}: the test split has no examples; pass a dataset with test images`,
    );
  }
  return dataset;
}

/**
 * Fails before any work when the data does not fit the model: image size, channels, classes
 * (null model dimensions accept anything). A fixed kind needs exactly its class count; image
 * folders and arrays need their labels among the model's outputs.
 */
export function checkDataFitsModel(
  data: Pick<Dataset, 'kind' | 'dir' | 'imageShape' | 'classes'> & { classRange?: Dataset['classRange'] },
  model: { height: number | null; width: number | null; channels: number | null; classes: number | null },
): void {
  const s = data.imageShape;
  const fits = (m: number | null, d: number) => m === null || m === d;
  const dims = (h: number | null, w: number | null, c: number | null) => `${h ?? '?'}x${w ?? '?'}x${c ?? '?'}`;
  if (!fits(model.height, s.height) || !fits(model.width, s.width) || !fits(model.channels, s.channels)) {
    throw new SwpruneError(
      'E_DATA',
      `dataset ${data.kind}:${data.dir} has ${dims(s.height, s.width, s.channels)} images, but the model expects ${dims(model.height, model.width, model.channels)}; pass a dataset that matches the model`,
    );
  }
  if (model.classes === null) return;
  if ((data.classRange ?? 'exact') === 'exact' && model.classes !== data.classes) {
    throw new SwpruneError(
      'E_DATA',
      `dataset ${data.kind} has ${data.classes} classes, but the model outputs ${model.classes}; pass a dataset that matches the model`,
    );
  }
  if (data.classes > model.classes) {
    throw new SwpruneError(
      'E_DATA',
      `dataset ${data.kind}:${data.dir} has ${data.classes} classes (labels 0..${data.classes - 1}), but the model outputs ${model.classes}; labels ${model.classes}..${data.classes - 1} are out of its range`,
    );
  }
}

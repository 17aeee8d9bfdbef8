import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SwpruneError, usageError } from '../errors.js';
import { cifarDir, readCifarFiles, type RawSplit } from './cifar.js';
import { findIdx, readIdx } from './idx.js';
import { MemorySplit, type DataSplit, type ImageShape } from './split.js';

/** `--data kind:DIR`. */
export interface DataSpec {
  readonly kind: DatasetKind;
  readonly dir: string;
}

export interface Dataset {
  readonly kind: DatasetKind;
  readonly dir: string;
  readonly classes: number;
  readonly imageShape: ImageShape;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly train: DataSplit;
  readonly test: DataSplit;
}

interface KindSpec {
  readonly classes: number;
  readonly shape: ImageShape;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly augment: boolean;
  readonly load: (dir: string) => { train: RawSplit; test: RawSplit };
}

function loadIdxPair(dir: string): { train: RawSplit; test: RawSplit } {
  const split = (images: string, labels: string): RawSplit => {
    const x = readIdx(findIdx(dir, images), 3);
    const y = readIdx(findIdx(dir, labels), 1);
    if (x.dims[0] !== y.dims[0]) throw new SwpruneError('E_DATA', `${dir}: ${images} has ${x.dims[0]} images but ${labels} has ${y.dims[0]} labels`);
    if (x.dims[1] !== 28 || x.dims[2] !== 28) throw new SwpruneError('E_DATA', `${dir}: ${images} holds ${x.dims[1]}x${x.dims[2]} images, expected 28x28`);
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
    if (!existsSync(p)) throw new SwpruneError('E_DATA', `${p} not found; the CIFAR-10 binary version has data_batch_1..5.bin and test_batch.bin`);
  }
  return { train: readCifarFiles(batches, 1, 0), test: readCifarFiles([join(d, 'test_batch.bin')], 1, 0) };
}

function loadCifar100(label: 0 | 1) {
  return (dir: string) => {
    const d = cifarDir(dir, 'train.bin', 'cifar-100-binary');
    for (const f of ['train.bin', 'test.bin']) {
      if (!existsSync(join(d, f))) throw new SwpruneError('E_DATA', `${join(d, f)} not found; the CIFAR-100 binary version has train.bin and test.bin`);
    }
    return { train: readCifarFiles([join(d, 'train.bin')], 2, label), test: readCifarFiles([join(d, 'test.bin')], 2, label) };
  };
}

const GRAY28: ImageShape = { height: 28, width: 28, channels: 1 };
const RGB32: ImageShape = { height: 32, width: 32, channels: 3 };

/** The dataset kinds `--data` accepts, with their usual normalisation. */
const KINDS = {
  'fashion-mnist': { classes: 10, shape: GRAY28, mean: [0.286], std: [0.353], augment: false, load: loadIdxPair },
  mnist: { classes: 10, shape: GRAY28, mean: [0.1307], std: [0.3081], augment: false, load: loadIdxPair },
  cifar10: { classes: 10, shape: RGB32, mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616], augment: true, load: loadCifar10 },
  cifar100: { classes: 100, shape: RGB32, mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762], augment: true, load: loadCifar100(1) },
  'cifar100-coarse': { classes: 20, shape: RGB32, mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762], augment: true, load: loadCifar100(0) },
} as const satisfies Record<string, KindSpec>;

export type DatasetKind = keyof typeof KINDS;
export const DATASET_KINDS = Object.keys(KINDS) as DatasetKind[];

/** Parses `kind:DIR`; the directory must exist. */
export function parseDataSpec(spec: string): DataSpec {
  const colon = spec.indexOf(':');
  const kind = spec.slice(0, colon) as DatasetKind;
  if (colon < 1 || !(kind in KINDS)) {
    throw usageError(`--data expects kind:DIR with kind one of ${DATASET_KINDS.join(', ')}, got "${spec}"`);
  }
  const dir = spec.slice(colon + 1);
  if (!dir || !existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new SwpruneError('E_DATA', `--data ${spec}: directory "${dir}" not found; pass the folder that holds the ${kind} files`);
  }
  return { kind, dir };
}

/** Per-channel values from `--mean/--std` (one value applies to every channel). */
function perChannel(name: string, values: readonly number[] | undefined, dflt: readonly number[], channels: number): number[] {
  if (!values) return [...dflt];
  if (values.length === 1) return new Array<number>(channels).fill(values[0]!);
  if (values.length !== channels) {
    throw usageError(`${name} needs ${channels === 1 ? "1 value" : `1 or ${channels} values`} for ${channels}-channel images, got ${values.length}`);
  }
  if (name === '--std' && values.some((v) => v <= 0)) throw usageError(`--std values must be positive, got ${values.join(',')}`);
  return [...values];
}

/** Loads a dataset into memory (raw bytes) with its normalisation. */
export function loadDataset(spec: DataSpec, opts: { mean?: readonly number[]; std?: readonly number[] } = {}): Dataset {
  const k: KindSpec = KINDS[spec.kind];
  const raw = k.load(spec.dir);
  const mean = perChannel('--mean', opts.mean, k.mean, k.shape.channels);
  const std = perChannel('--std', opts.std, k.std, k.shape.channels);
  for (const [name, split] of Object.entries(raw)) {
    const bad = split.labels.findIndex((l) => l >= k.classes);
    if (bad >= 0) throw new SwpruneError('E_DATA', `${spec.dir}: ${name} label ${split.labels[bad]} at example ${bad} is not a ${spec.kind} class (0..${k.classes - 1})`);
  }
  return {
    kind: spec.kind,
    dir: spec.dir,
    classes: k.classes,
    imageShape: k.shape,
    mean,
    std,
    train: new MemorySplit(raw.train.images, raw.train.labels, k.shape, mean, std, k.augment),
    test: new MemorySplit(raw.test.images, raw.test.labels, k.shape, mean, std, false),
  };
}

/**
 * Fails before any work when the data does not fit the model: image size, channels, classes
 * (null model dimensions accept anything).
 */
export function checkDataFitsModel(
  data: Pick<Dataset, 'kind' | 'dir' | 'imageShape' | 'classes'>,
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
  if (!fits(model.classes, data.classes)) {
    throw new SwpruneError('E_DATA', `dataset ${data.kind} has ${data.classes} classes, but the model outputs ${model.classes}; pass a dataset that matches the model`);
  }
}

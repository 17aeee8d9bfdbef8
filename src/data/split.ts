import { normaliseFloat, normaliseTables } from './normalise.js';
import { deriveSeed, mulberry32, permutation } from './rng.js';

export interface ImageShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

export interface BatchOptions {
  readonly batchSize: number;
  /** Shuffle the order (training); evaluation keeps the file order. */
  readonly shuffle?: boolean;
  readonly seed?: number;
  /** Each epoch gets its own order (and augmentation) from (seed, epoch). */
  readonly epoch?: number;
  /** Use only the first n examples of the split. */
  readonly limit?: number;
  /** Random crop (4-pixel zero padding) + horizontal flip, when the split allows it. */
  readonly augment?: boolean;
  /** Skip the first batches (resuming mid-epoch): the remaining ones are unchanged. */
  readonly startBatch?: number;
}

/** A batch of examples as plain arrays (no tensors: the consumer makes them). */
export interface Batch {
  /** Images NHWC, normalised: `size * height * width * channels` floats, row-major. */
  readonly x: Float32Array;
  /** Class labels. */
  readonly y: Int32Array;
  readonly size: number;
  readonly shape: ImageShape;
}

/**
 * One split of a dataset (train or test) as a source of batches. In-memory splits and streaming
 * ones (decoded ahead in worker threads) look the same to training and evaluation: batches
 * arrive asynchronously, in an order fixed by (seed, epoch).
 */
export interface DataSplit {
  readonly shape: ImageShape;
  /** Examples in the split. */
  readonly count: number;
  /** Examples used with this limit. */
  size(limit?: number): number;
  numBatches(batchSize: number, limit?: number): number;
  batches(opts: BatchOptions): AsyncIterable<Batch>;
}

/**
 * One split of a dataset held in memory, HWC: raw bytes (compact; batches are built on demand
 * through a per-channel lookup table of (pixel/255 - mean) / std), or float32 values (from array
 * files, used as they are: (x - mean) / std), both rounded in float32 as torchvision does.
 */
/**
 * The order of a split's first n examples in an epoch: shuffled by (seed, epoch) alone, so a run
 * resumed at a batch sees the same order, whatever the kind of split; undefined: file order.
 */
export function epochOrder(n: number, opts: BatchOptions): ReturnType<typeof permutation> | undefined {
  return opts.shuffle ? permutation(n, mulberry32(deriveSeed(opts.seed ?? 0, opts.epoch ?? 0, 1))) : undefined;
}

export class MemorySplit implements DataSplit {
  private readonly lut: Float32Array[];

  constructor(
    readonly images: Uint8Array | Float32Array,
    readonly labels: Uint8Array | Int32Array,
    readonly shape: ImageShape,
    private readonly mean: readonly number[],
    private readonly std: readonly number[],
    /** Whether augmentation applies to this split at all (CIFAR training; uint8 images only). */
    readonly augmentable: boolean,
  ) {
    this.lut = normaliseTables(mean, std);
  }

  get count(): number {
    return this.labels.length;
  }

  /** Examples used with this limit. */
  size(limit?: number): number {
    return limit ? Math.min(limit, this.count) : this.count;
  }

  numBatches(batchSize: number, limit?: number): number {
    return Math.ceil(this.size(limit) / batchSize);
  }

  async *batches(opts: BatchOptions): AsyncGenerator<Batch> {
    const n = this.size(opts.limit);
    const seed = opts.seed ?? 0;
    const epoch = opts.epoch ?? 0;
    const order = epochOrder(n, opts);
    const augment = Boolean(opts.augment && this.augmentable && this.images instanceof Uint8Array);
    const { height: H, width: W, channels: C } = this.shape;
    const pixels = H * W * C;
    for (let b = opts.startBatch ?? 0; b * opts.batchSize < n; b++) {
      const start = b * opts.batchSize;
      const size = Math.min(opts.batchSize, n - start);
      const x = new Float32Array(size * pixels);
      const y = new Int32Array(size);
      // Augmentation draws depend only on (seed, epoch, batch): resuming at a batch is exact.
      const random = mulberry32(deriveSeed(seed, epoch, 1000 + b));
      for (let i = 0; i < size; i++) {
        const k = order ? order[start + i]! : start + i;
        y[i] = this.labels[k]!;
        if (augment) this.fillAugmented(x, i * pixels, k * pixels, random);
        else this.fill(x, i * pixels, k * pixels, pixels);
      }
      yield { x, y, size, shape: this.shape };
    }
  }

  private fill(dst: Float32Array, at: number, from: number, pixels: number): void {
    const C = this.shape.channels;
    const src = this.images;
    if (src instanceof Float32Array) {
      for (let p = 0; p < pixels; p++) dst[at + p] = normaliseFloat(src[from + p]!, this.mean[p % C]!, this.std[p % C]!);
    } else {
      // Channel by channel: one lookup table per loop (a third of the time of p % C per pixel).
      for (let c = 0; c < C; c++) {
        const lut = this.lut[c]!;
        for (let p = c; p < pixels; p += C) dst[at + p] = lut[src[from + p]!]!;
      }
    }
  }

  /** Random crop of the 4-pixel zero-padded image, then a horizontal flip half the time. */
  private fillAugmented(dst: Float32Array, at: number, from: number, random: () => number): void {
    const { height: H, width: W, channels: C } = this.shape;
    const dy = Math.floor(random() * 9) - 4;
    const dx = Math.floor(random() * 9) - 4;
    const flip = random() < 0.5;
    for (let yy = 0; yy < H; yy++) {
      const sy = yy + dy;
      for (let xx = 0; xx < W; xx++) {
        const sx = (flip ? W - 1 - xx : xx) + dx;
        const inside = sy >= 0 && sy < H && sx >= 0 && sx < W;
        for (let c = 0; c < C; c++) {
          // Zero padding is zero in pixel space: the normalised value of pixel 0.
          const v = inside ? (this.images as Uint8Array)[from + (sy * W + sx) * C + c]! : 0;
          dst[at + (yy * W + xx) * C + c] = this.lut[c]![v]!;
        }
      }
    }
  }
}

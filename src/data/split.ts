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
 * One split of a dataset held as raw bytes (HWC, uint8): compact in memory, and batches are
 * built on demand — one Float32Array filled by a tight loop through a per-channel lookup
 * table ((pixel/255 - mean) / std).
 */
export class MemorySplit implements DataSplit {
  private readonly lut: Float32Array[];

  constructor(
    readonly images: Uint8Array,
    readonly labels: Uint8Array,
    readonly shape: ImageShape,
    mean: readonly number[],
    std: readonly number[],
    /** Whether augmentation applies to this split at all (CIFAR training). */
    readonly augmentable: boolean,
  ) {
    this.lut = Array.from({ length: shape.channels }, (_, c) =>
      Float32Array.from({ length: 256 }, (_, v) => (v / 255 - mean[c]!) / std[c]!),
    );
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
    const order = opts.shuffle ? permutation(n, mulberry32(deriveSeed(seed, epoch, 1))) : undefined;
    const augment = Boolean(opts.augment && this.augmentable);
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
    for (let p = 0; p < pixels; p++) dst[at + p] = this.lut[p % C]![this.images[from + p]!]!;
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
          const v = inside ? this.images[from + (sy * W + sx) * C + c]! : 0;
          dst[at + (yy * W + xx) * C + c] = this.lut[c]![v]!;
        }
      }
    }
  }
}

import type { SkippedImage } from './batch-job.js';
import { startDecodePool } from './decode-pool.js';
import { inOrder } from './in-order.js';
import type { PathTable } from './path-table.js';
import { deriveSeed } from './rng.js';
import { epochOrder, type Batch, type BatchOptions, type DataSplit, type ImageShape } from './split.js';
import type { ImageTransform } from './transform.js';

export interface FolderSplitOptions {
  readonly shape: ImageShape;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** Evaluation preprocessing (also training's with augmentation off). */
  readonly evalTransform: ImageTransform;
  /** Training preprocessing with augmentation on; undefined: this split is never augmented. */
  readonly trainTransform?: ImageTransform;
  /** Decoding worker threads (0: decode on the main thread). */
  readonly workers: number;
  /** Batches decoded ahead of the one being consumed. */
  readonly prefetch: number;
  readonly strict: boolean;
  /** Told about every skipped image, with the count so far. */
  readonly onSkip?: (skipped: SkippedImage, total: number) => void;
}

/**
 * A split of image files streamed from disk: nothing is decoded until a batch is asked for, and
 * then a few batches ahead are decoded in worker threads while the consumer trains on the current
 * one, so memory stays bounded by `prefetch` batches whatever the dataset's size. The order is
 * fixed by (seed, epoch) and each example's crop and flip by (seed, epoch, position), so a run
 * resumed at a batch sees exactly the batches the uninterrupted run saw. An unreadable image is
 * skipped (its batch is one smaller) unless `strict`. A `limit` of n uses n files spread evenly
 * over the class-sorted list, so every class is in a quick run.
 */
export class FolderSplit implements DataSplit {
  private readonly skippedPaths = new Set<string>();

  constructor(
    readonly files: PathTable,
    readonly labels: Int32Array,
    private readonly o: FolderSplitOptions,
  ) {}

  get shape(): ImageShape {
    return this.o.shape;
  }

  get count(): number {
    return this.labels.length;
  }

  /** Files skipped so far as unreadable (each counted once). */
  get skipped(): number {
    return this.skippedPaths.size;
  }

  size(limit?: number): number {
    return limit ? Math.min(limit, this.count) : this.count;
  }

  /** The preprocessing of this split (evaluation, and training's when augmented): what another reader of the same files must apply. */
  get transforms(): { readonly eval: ImageTransform; readonly train?: ImageTransform } {
    return { eval: this.o.evalTransform, train: this.o.trainTransform };
  }

  /** The examples a `limit` of n uses: n indices spread evenly over the list (sorted by class), as batches() reads them. */
  limited(limit?: number): number[] {
    const n = this.size(limit);
    return Array.from({ length: n }, (_, k) => (n === this.count ? k : Math.floor((k * this.count) / n)));
  }

  numBatches(batchSize: number, limit?: number): number {
    return Math.ceil(this.size(limit) / batchSize);
  }

  async *batches(opts: BatchOptions): AsyncGenerator<Batch> {
    const n = this.size(opts.limit);
    const seed = opts.seed ?? 0;
    const epoch = opts.epoch ?? 0;
    const order = epochOrder(n, opts);
    const transform = opts.augment && this.o.trainTransform ? this.o.trainTransform : this.o.evalTransform;
    const exampleSeed = deriveSeed(seed, epoch, 3);
    // A limit takes n files spread evenly over the list (sorted by class), not the first n
    // (which would be the first classes only).
    const spread = (k: number) => (n === this.count ? k : Math.floor((k * this.count) / n));
    const pool = await startDecodePool(this.o.workers);
    try {
      const job = (b: number) => {
        const start = b * opts.batchSize;
        const end = Math.min(n, start + opts.batchSize);
        const idx = Array.from({ length: end - start }, (_, i) => spread(order ? order[start + i]! : start + i));
        return pool.run({
          paths: idx.map((k) => this.files.path(k)),
          labels: idx.map((k) => this.labels[k]!),
          seeds: idx.map((_, i) => deriveSeed(exampleSeed, start + i)),
          transform,
          channels: this.o.shape.channels,
          mean: this.o.mean,
          std: this.o.std,
          strict: this.o.strict,
        });
      };
      const depth = Math.max(this.o.prefetch, pool.workers);
      for await (const out of inOrder(opts.startBatch ?? 0, Math.ceil(n / opts.batchSize), depth, job)) {
        for (const s of out.skipped) {
          if (this.skippedPaths.has(s.path)) continue;
          this.skippedPaths.add(s.path);
          this.o.onSkip?.(s, this.skippedPaths.size);
        }
        if (out.size > 0) yield { x: out.x, y: out.y, size: out.size, shape: this.o.shape };
      }
    } finally {
      await pool.close();
    }
  }
}

import { readFile } from 'node:fs/promises';
import { SwpruneError } from '../errors.js';
import { convertChannels } from './channels.js';
import { decodeImage } from './decode.js';
import { normaliseTables } from './normalise.js';
import type { Image8 } from './resample.js';
import { mulberry32 } from './rng.js';
import { applyTransform, writeNormalised, type ImageTransform } from './transform.js';

/** One batch of image files to decode (plain data: it crosses to a worker thread). */
export interface BatchJob {
  readonly paths: readonly string[];
  readonly labels: readonly number[];
  /** Per example: the seed of its crop/flip draws (fixed by seed, epoch and position). */
  readonly seeds: readonly number[];
  readonly transform: ImageTransform;
  readonly channels: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  /** Stop at the first unreadable image instead of skipping it. */
  readonly strict: boolean;
}

/** A file that could not be decoded, and why. */
export interface SkippedImage {
  readonly path: string;
  readonly reason: string;
}

/** The decoded batch: images NHWC normalised, labels; skipped files are left out. */
export interface BatchOutcome {
  readonly x: Float32Array;
  readonly y: Int32Array;
  readonly size: number;
  readonly skipped: readonly SkippedImage[];
}

/** Files read and decoded ahead of the one being transformed (sharp decodes off this thread). */
const LOOKAHEAD = 2;

/**
 * Reads, decodes, converts, transforms and normalises the batch's images in order. An image
 * that cannot be read or decoded is skipped (listed in `skipped`), or with `strict` stops the
 * run with E_DATA.
 */
export async function runBatchJob(job: BatchJob): Promise<BatchOutcome> {
  const { height: H, width: W } = job.transform;
  const C = job.channels;
  const pixels = H * W * C;
  const tables = normaliseTables(job.mean, job.std);
  const x = new Float32Array(job.paths.length * pixels);
  const y = new Int32Array(job.paths.length);
  const skipped: SkippedImage[] = [];
  const load = (i: number) => {
    const p = readFile(job.paths[i]!).then(decodeImage);
    p.catch(() => undefined); // awaited below; this only keeps an early failure from counting as unhandled
    return p;
  };
  const pending: Promise<Image8>[] = [];
  for (let i = 0; i < Math.min(LOOKAHEAD, job.paths.length); i++) pending.push(load(i));
  let size = 0;
  for (let i = 0; i < job.paths.length; i++) {
    if (i + LOOKAHEAD < job.paths.length) pending.push(load(i + LOOKAHEAD));
    let img: Image8 | undefined;
    try {
      img = await pending.shift()!;
    } catch (e) {
      const reason = describe(e);
      if (job.strict)
        throw new SwpruneError('E_DATA', `${job.paths[i]}: unreadable or truncated image (${reason}); remove or replace the file`);
      skipped.push({ path: job.paths[i]!, reason });
      continue;
    }
    const converted = convertChannels(img, C);
    if (!converted)
      throw new SwpruneError(
        'E_DATA',
        `${job.paths[i]}: a ${img.channels}-channel image cannot become the model's ${C} channels (1, 3 or 4 are possible)`,
      );
    const { image, flip } = applyTransform(converted, job.transform, mulberry32(job.seeds[i]!));
    writeNormalised(image, flip, tables, x, size * pixels);
    y[size] = job.labels[i]!;
    size++;
  }
  return { x: size === job.paths.length ? x : x.slice(0, size * pixels), y: y.slice(0, size), size, skipped };
}

/** The first line of a decoder's or file system's complaint. */
function describe(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m
    .split('\n')[0]!
    .replace(/^Input (buffer|file) /, '')
    .trim();
}

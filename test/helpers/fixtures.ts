/** Paths and reference data of the committed fixtures (test/fixtures, models/). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Batch, BatchOptions, DataSplit } from '../../src/data/split.js';

export const repoPath = (rel: string) => fileURLToPath(new URL(`../../${rel}`, import.meta.url));

export const ONNX_FIXTURES = {
  smallCnn: repoPath('test/fixtures/small-cnn.onnx'),
  resnetSmall: repoPath('test/fixtures/resnet-small.onnx'),
  opsZoo: repoPath('test/fixtures/ops-zoo.onnx'),
  fashionVgg: repoPath('models/fashion-vgg.onnx'),
} as const;

export const FASHION_SLICE = repoPath('models/data/fashion-mnist');

export interface ReferenceIO {
  readonly input: { readonly shape: number[]; readonly data: Float32Array };
  readonly output: { readonly shape: number[]; readonly data: Float32Array };
}

/** The `<name>.io.json` beside an ONNX fixture: an input and PyTorch's output for it. */
export function referenceIO(onnxPath: string): ReferenceIO {
  const raw = JSON.parse(readFileSync(onnxPath.replace(/\.onnx$/, '.io.json'), 'utf8')) as {
    input: { shape: number[]; data: number[] };
    output: { shape: number[]; data: number[] };
  };
  return {
    input: { shape: raw.input.shape, data: Float32Array.from(raw.input.data) },
    output: { shape: raw.output.shape, data: Float32Array.from(raw.output.data) },
  };
}

/** The first batch a split gives for these options. */
export async function firstBatch(split: DataSplit, opts: BatchOptions): Promise<Batch> {
  for await (const b of split.batches(opts)) return b;
  throw new Error('the split gave no batch');
}

/** Every batch a split gives for these options. */
export async function allBatches(split: DataSplit, opts: BatchOptions): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of split.batches(opts)) out.push(b);
  return out;
}

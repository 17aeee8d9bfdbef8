/**
 * The committed torchvision / CIFAR sample (test/fixtures/torchvision, made by
 * make_torchvision.py): file names, the shared reference input and PyTorch's eval-mode logits.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { repoPath } from '../../helpers/fixtures.js';

export const SAMPLE_DIR = repoPath('test/fixtures/torchvision');

export interface ExportReference {
  readonly input: { readonly shape: number[]; readonly data: Float32Array };
  /** file name -> PyTorch's model.eval() output for the input. */
  readonly outputs: ReadonlyMap<string, { readonly shape: number[]; readonly data: Float32Array }>;
}

/** The reference input and outputs of an export directory (its io.json). */
export function exportReference(dir: string): ExportReference {
  const raw = JSON.parse(readFileSync(`${dir}/io.json`, 'utf8')) as {
    input: { shape: number[]; data: number[] };
    outputs: Record<string, { shape: number[]; data: number[] }>;
  };
  return {
    input: { shape: raw.input.shape, data: Float32Array.from(raw.input.data) },
    outputs: new Map(Object.entries(raw.outputs).map(([k, v]) => [k, { shape: v.shape, data: Float32Array.from(v.data) }])),
  };
}

/** The .onnx files of an export directory, sorted; names are <family>-<eval|train>-op<opset>.onnx. */
export const exportFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.onnx'))
    .sort();

export function describeExport(file: string): { family: string; mode: 'eval' | 'train'; opset: number } {
  const m = /^(.+)-(eval|train)-op(\d+)\.onnx$/.exec(file);
  if (!m) throw new Error(`not an export name: ${file}`);
  return { family: m[1]!, mode: m[2] as 'eval' | 'train', opset: Number(m[3]) };
}

/** max |a - b| / max |b|. */
export function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i]! - b[i]!));
    s = Math.max(s, Math.abs(b[i]!));
  }
  return s === 0 ? d : d / s;
}

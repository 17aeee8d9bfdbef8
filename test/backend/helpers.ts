/**
 * Helpers for backend tests: seeded data, running one kernel or one function on a given backend
 * (restoring the previous one), and the error measure used by every comparison.
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backend/select.js';
import { mulberry32 } from '../../src/data/rng.js';

/**
 * Tolerance for wasm-vs-cpu comparisons in float32: max |wasm - cpu| / max |cpu|. Both compute
 * the same sums in different orders; 1e-4 leaves room for sums of a few thousand terms.
 */
export const REL_TOL = 1e-4;

/** Deterministic pseudo-random numbers (src/data/rng.ts's mulberry32), uniform in [-1, 1). */
export function seeded(n: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: n }, () => random() * 2 - 1);
}

/** max |got - ref| / max |ref| (ref all zero: max |got|). */
export function relErr(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (got.length !== ref.length) throw new Error(`length ${got.length} != ${ref.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ref.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - ref[i]!));
    scale = Math.max(scale, Math.abs(ref[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}

/** Runs fn with `name` as the active backend (wasm via selectBackend) and restores the previous one. */
export async function onBackend<T>(name: 'cpu' | 'wasm', fn: () => T): Promise<T> {
  const previous = tf.getBackend();
  if (name === 'wasm') await selectBackend('wasm');
  else await tf.setBackend(name);
  try {
    return fn();
  } finally {
    if (previous && previous !== name) await tf.setBackend(previous);
  }
}

export interface Data {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype?: 'float32' | 'int32';
}

/** One kernel run on one backend: inputs built from plain data, output read back, all freed. */
export function runKernel(kernelName: string, inputs: Record<string, Data>, attrs: object): { values: Float32Array; shape: number[] } {
  return tf.tidy(() => {
    const ts: tf.NamedTensorMap = {};
    for (const [k, d] of Object.entries(inputs)) ts[k] = tf.tensor(d.values, d.shape, d.dtype ?? 'float32');
    const out = tf.engine().runKernel(kernelName, ts, attrs as tf.NamedAttrMap) as tf.Tensor;
    return { values: Float32Array.from(out.dataSync()), shape: out.shape };
  });
}

/** The same kernel on cpu (reference) and wasm: the relative error and both shapes. */
export async function compareKernel(kernelName: string, inputs: Record<string, Data>, attrs: object) {
  const ref = await onBackend('cpu', () => runKernel(kernelName, inputs, attrs));
  const got = await onBackend('wasm', () => runKernel(kernelName, inputs, attrs));
  return { err: relErr(got.values, ref.values), gotShape: got.shape, refShape: ref.shape, ref: ref.values, got: got.values };
}

export type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

export const padName = (p: Pad): string => (typeof p === 'object' ? `explicit ${JSON.stringify(p.slice(1, 3))}` : String(p));

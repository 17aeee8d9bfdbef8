import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SwpruneError } from '../errors.js';
import { readDataFile } from './read-file.js';
import { parseNpy, type NpyArray } from './npy.js';
import type { ImageShape } from './split.js';
import { zipEntries, zipRead } from './zip.js';

/** The four arrays of the Keras datasets convention. */
const NPZ_ARRAYS = ['x_train', 'y_train', 'x_test', 'y_test'] as const;
type ArrayName = (typeof NPZ_ARRAYS)[number];

/** The model input an array's layout is detected against (null: any size). */
export interface InputDims {
  readonly height: number | null;
  readonly width: number | null;
  readonly channels: number | null;
  readonly classes: number | null;
}

/** One split of an array file: images NHWC (uint8 0..255, or float32 used as they are) and labels. */
export interface ArraySplit {
  readonly images: Uint8Array | Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
}

export interface ArrayData {
  readonly shape: ImageShape;
  /** How x was laid out in the file. */
  readonly layout: 'NHWC' | 'NCHW' | 'NHW';
  readonly classes: number;
  readonly train: ArraySplit;
  readonly test: ArraySplit;
}

/** Reads the four arrays from a `.npz` file or from a folder of `<name>.npy` files. */
function readArrays(path: string): Record<ArrayName, NpyArray> {
  if (statSync(path).isDirectory()) {
    const missing = NPZ_ARRAYS.filter((n) => !existsSync(join(path, `${n}.npy`)));
    if (missing.length > 0)
      throw new SwpruneError(
        'E_DATA',
        `${path}: ${missing.map((n) => `${n}.npy`).join(', ')} not found; a folder of arrays holds x_train.npy, y_train.npy, x_test.npy, y_test.npy`,
      );
    return Object.fromEntries(NPZ_ARRAYS.map((n) => [n, parseNpy(readDataFile(join(path, `${n}.npy`)), join(path, `${n}.npy`))])) as Record<
      ArrayName,
      NpyArray
    >;
  }
  const buf = readDataFile(path);
  const entries = zipEntries(buf, path);
  const byName = new Map(entries.map((e) => [e.name.replace(/\.npy$/, ''), e]));
  const missing = NPZ_ARRAYS.filter((n) => !byName.has(n));
  if (missing.length > 0) {
    throw new SwpruneError(
      'E_DATA',
      `${path}: array${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not found (it holds ${[...byName.keys()].join(', ') || 'nothing'}); save x_train, y_train, x_test, y_test (numpy.savez(path, x_train=..., ...))`,
    );
  }
  return Object.fromEntries(NPZ_ARRAYS.map((n) => [n, parseNpy(zipRead(buf, byName.get(n)!, path), `${path}: ${n}`)])) as Record<
    ArrayName,
    NpyArray
  >;
}

const fits = (m: number | null, d: number) => m === null || m === d;

/**
 * NHWC or NCHW, decided against the model's input: the layout whose H, W, C fit it. When both
 * fit (a model of unknown size), the one whose channel axis has 1-4 entries wins, NHWC (Keras's
 * layout) on a tie. A 3-D array [N, H, W] is one-channel images.
 */
function detectLayout(shape: readonly number[], model: InputDims, what: string): { layout: ArrayData['layout']; shape: ImageShape } {
  if (shape.length === 3) {
    const s = { height: shape[1]!, width: shape[2]!, channels: 1 };
    return { layout: 'NHW', shape: s };
  }
  if (shape.length !== 4)
    throw new SwpruneError('E_DATA', `${what} has shape (${shape.join(', ')}); images are [N, H, W, C], [N, C, H, W] or [N, H, W]`);
  const [, a, b, c] = shape as [number, number, number, number];
  const nhwc = { height: a, width: b, channels: c };
  const nchw = { height: b, width: c, channels: a };
  const ok = (s: ImageShape) => fits(model.height, s.height) && fits(model.width, s.width) && fits(model.channels, s.channels);
  const few = (ch: number) => ch >= 1 && ch <= 4;
  if (ok(nhwc) && (!ok(nchw) || few(c) || !few(a))) return { layout: 'NHWC', shape: nhwc };
  if (ok(nchw)) return { layout: 'NCHW', shape: nchw };
  const dims = (h: number | null, w: number | null, ch: number | null) => `${h ?? '?'}x${w ?? '?'}x${ch ?? '?'}`;
  throw new SwpruneError(
    'E_DATA',
    `${what} has shape (${shape.join(', ')}): neither NHWC (${dims(a, b, c)}) nor NCHW (${dims(b, c, a)}) images fit the model's ${dims(model.height, model.width, model.channels)} input`,
  );
}

/** Images as NHWC uint8 or float32 (NCHW transposed once here). */
function images(x: NpyArray, layout: ArrayData['layout'], s: ImageShape, what: string): Uint8Array | Float32Array {
  let data: Uint8Array | Float32Array;
  if (x.data instanceof Uint8Array && x.dtype !== '|b1') data = x.data;
  else if (x.data instanceof Float32Array) data = x.data;
  else if (x.data instanceof Float64Array) data = Float32Array.from(x.data);
  else throw new SwpruneError('E_DATA', `${what} holds ${x.dtype} values; images are uint8 (0..255, scaled to 0..1) or float32`);
  if (layout !== 'NCHW') return data;
  const { height: H, width: W, channels: C } = s;
  const n = x.shape[0]!;
  const out = new (data.constructor as Uint8ArrayConstructor | Float32ArrayConstructor)(data.length);
  const plane = H * W;
  for (let i = 0; i < n; i++) {
    const base = i * plane * C;
    for (let c = 0; c < C; c++) for (let p = 0; p < plane; p++) out[base + p * C + c] = data[base + c * plane + p]!;
  }
  return out;
}

/** Class labels from [N] or [N, 1] integers (or integral floats), or [N, K] one-hot rows. */
function labels(y: NpyArray, n: number, what: string): Int32Array {
  const s = y.shape;
  if (s[0] !== n) throw new SwpruneError('E_DATA', `${what} has ${s[0] ?? 0} labels for ${n} images`);
  const value = (i: number) => Number(y.data[i]!);
  if (s.length === 1 || (s.length === 2 && s[1] === 1)) {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = value(i);
      if (!Number.isInteger(v) || v < 0)
        throw new SwpruneError('E_DATA', `${what}: label ${v} at example ${i} is not a class index (0, 1, 2, ...)`);
      out[i] = v;
    }
    return out;
  }
  if (s.length === 2) {
    const k = s[1]!;
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (value(i * k + j) > value(i * k + best)) best = j;
      out[i] = best;
    }
    return out;
  }
  throw new SwpruneError('E_DATA', `${what} has shape (${s.join(', ')}); labels are [N], [N, 1] or one-hot [N, classes]`);
}

/**
 * The arrays of an npz file or .npy folder as two splits, laid out against the model's input;
 * labels must lie in the model's class range.
 */
export function loadArrays(path: string, model: InputDims): ArrayData {
  const a = readArrays(path);
  const { layout, shape } = detectLayout(a.x_train.shape, model, `${path}: x_train`);
  const test = detectLayout(
    a.x_test.shape,
    { ...model, height: shape.height, width: shape.width, channels: shape.channels },
    `${path}: x_test`,
  );
  if (test.layout !== layout)
    throw new SwpruneError('E_DATA', `${path}: x_train is ${layout} but x_test is ${test.layout}; save both in one layout`);
  const split = (x: NpyArray, y: NpyArray, name: string): ArraySplit => {
    const n = x.shape[0]!;
    return { images: images(x, layout, shape, `${path}: x_${name}`), labels: labels(y, n, `${path}: y_${name}`), count: n };
  };
  const train = split(a.x_train, a.y_train, 'train');
  const testSplit = split(a.x_test, a.y_test, 'test');
  if (train.count === 0) throw new SwpruneError('E_DATA', `${path}: x_train holds no examples`);
  if (testSplit.count === 0) throw new SwpruneError('E_DATA', `${path}: x_test holds no examples`);
  let max = 0;
  for (const [name, s] of [
    ['y_train', train],
    ['y_test', testSplit],
  ] as const) {
    for (let i = 0; i < s.count; i++) {
      const l = s.labels[i]!;
      if (model.classes !== null && l >= model.classes) {
        throw new SwpruneError(
          'E_DATA',
          `${path}: ${name} label ${l} at example ${i} is out of the model's range 0..${model.classes - 1}; the labels do not belong to this model`,
        );
      }
      if (l > max) max = l;
    }
  }
  return { shape, layout, classes: model.classes ?? max + 1, train, test: testSplit };
}

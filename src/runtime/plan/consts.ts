/**
 * ONNX ops on small constant tensors (shape arithmetic exporters emit: Shape -> Gather ->
 * Unsqueeze -> Concat -> Reshape, the pads of a Pad, scalar operands), folded when the plan is
 * made. Plain arrays; follows each operator's definition (the same as src/exec/int-ops.ts, which
 * depends on tfjs through its value types).
 */
import {
  forEachIndex,
  normAxis as norm,
  reshapeDims,
  size,
  sliceRanges,
  squeezeDims,
  strides,
  unsqueezeDims,
} from '../../graph/ndarray.js';
import type { Const } from './types.js';

export { forEachIndex, reshapeDims, size, sliceRanges, strides };

export const constant = (
  dims: readonly number[],
  data: readonly number[] | Float32Array,
  int: boolean,
  batch?: readonly boolean[],
): Const => ({ kind: 'const', dims, data, int, ...(batch?.some(Boolean) ? { batch } : {}) });

const batchOf = (c: Const, i: number) => c.batch?.[i] ?? false;

/** A new constant whose element e is c's element pick(e) (row-major over outDims). */
function remap(c: Const, outDims: readonly number[], pick: (idx: number[]) => number): Const {
  const data: number[] = [];
  const batch: boolean[] = [];
  forEachIndex(outDims, (idx) => {
    const j = pick(idx);
    data.push(c.data[j]!);
    batch.push(batchOf(c, j));
  });
  return constant(outDims, c.int ? data : Float32Array.from(data), c.int, batch);
}

const flatIndex = (dims: readonly number[], idx: readonly number[]) => {
  const s = strides(dims);
  return idx.reduce((o, i, k) => o + i * s[k]!, 0);
};

export function gather(c: Const, indices: Const, axis: number): Const {
  const a = norm(axis, c.dims.length);
  const outDims = [...c.dims.slice(0, a), ...indices.dims, ...c.dims.slice(a + 1)];
  return remap(c, outDims, (idx) => {
    let j = indices.data[flatIndex(indices.dims, idx.slice(a, a + indices.dims.length))]!;
    if (j < 0) j += c.dims[a]!;
    return flatIndex(c.dims, [...idx.slice(0, a), j, ...idx.slice(a + indices.dims.length)]);
  });
}

export function unsqueeze(c: Const, axes: readonly number[]): Const {
  return { ...c, dims: unsqueezeDims(c.dims, axes) };
}

export function squeeze(c: Const, axes?: readonly number[]): Const {
  return { ...c, dims: squeezeDims(c.dims, axes) };
}

export function concat(cs: readonly Const[], axis: number): Const {
  const a = norm(axis, cs[0]!.dims.length);
  const outDims = [...cs[0]!.dims];
  outDims[a] = cs.reduce((s, c) => s + c.dims[a]!, 0);
  const data: number[] = [];
  const batch: boolean[] = [];
  forEachIndex(outDims, (idx) => {
    let k = idx[a]!;
    for (const c of cs) {
      if (k < c.dims[a]!) {
        const j = flatIndex(
          c.dims,
          idx.map((v, i) => (i === a ? k : v)),
        );
        data.push(c.data[j]!);
        batch.push(batchOf(c, j));
        return;
      }
      k -= c.dims[a]!;
    }
  });
  const int = cs.every((c) => c.int);
  return constant(outDims, int ? data : Float32Array.from(data), int, batch);
}

export function transpose(c: Const, perm?: readonly number[]): Const {
  const p = perm ?? c.dims.map((_, i) => c.dims.length - 1 - i);
  return remap(
    c,
    p.map((k) => c.dims[k]!),
    (idx) => {
      const src = new Array<number>(idx.length);
      p.forEach((k, i) => {
        src[k] = idx[i]!;
      });
      return flatIndex(c.dims, src);
    },
  );
}

/** ONNX Slice, negative steps and huge ends clamped as the operator says (graph/ndarray.ts sliceRanges). */
export function slice(
  c: Const,
  starts: readonly number[],
  ends: readonly number[],
  axes?: readonly number[],
  steps?: readonly number[],
): Const {
  const ranges = sliceRanges(c.dims, starts, ends, axes, steps);
  return remap(
    c,
    ranges.map((r) => r.count),
    (idx) =>
      flatIndex(
        c.dims,
        idx.map((i, k) => ranges[k]!.start + i * ranges[k]!.step),
      ),
  );
}

/** Element-wise with numpy broadcasting; entries standing for the batch size must not enter arithmetic. */
export function binary(a: Const, b: Const, f: (x: number, y: number) => number, what: string): Const {
  if (a.batch || b.batch) throw new Error(`${what} on the batch size`);
  const rank = Math.max(a.dims.length, b.dims.length);
  const pad = (d: readonly number[]) => [...new Array<number>(rank - d.length).fill(1), ...d];
  const da = pad(a.dims);
  const db = pad(b.dims);
  const outDims = da.map((x, i) => Math.max(x, db[i]!));
  const data: number[] = [];
  forEachIndex(outDims, (idx) => {
    data.push(
      f(
        a.data[
          flatIndex(
            da,
            idx.map((v, k) => (da[k] === 1 ? 0 : v)),
          )
        ]!,
        b.data[
          flatIndex(
            db,
            idx.map((v, k) => (db[k] === 1 ? 0 : v)),
          )
        ]!,
      ),
    );
  });
  const int = a.int && b.int;
  return constant(outDims, int ? data.map(Math.trunc) : Float32Array.from(data), int);
}

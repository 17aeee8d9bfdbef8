import { ints, size, strides, type IntValue } from './values.js';

/**
 * ONNX ops on small integer tensors, in plain JavaScript (see values.ts): enough for the
 * shape arithmetic exporters emit. Each follows the ONNX operator's definition.
 */

const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** Element at multi-index `idx`. */
function at(v: IntValue, idx: readonly number[]): number {
  const s = strides(v.dims);
  return v.data[idx.reduce((o, i, k) => o + i * s[k]!, 0)]!;
}

/** Calls f for every multi-index of `dims`, in row-major order. */
function forEachIndex(dims: readonly number[], f: (idx: number[]) => void): void {
  const n = size(dims);
  const idx = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < n; i++) {
    f(idx);
    for (let k = dims.length - 1; k >= 0; k--) {
      if (++idx[k]! < dims[k]!) break;
      idx[k] = 0;
    }
  }
}

export function gather(v: IntValue, indices: IntValue, axis: number): IntValue {
  const a = norm(axis, v.dims.length);
  const outDims = [...v.dims.slice(0, a), ...indices.dims, ...v.dims.slice(a + 1)];
  const out: number[] = [];
  forEachIndex(outDims, (idx) => {
    const ind = idx.slice(a, a + indices.dims.length);
    let j = at(indices, ind);
    if (j < 0) j += v.dims[a]!;
    out.push(at(v, [...idx.slice(0, a), j, ...idx.slice(a + indices.dims.length)]));
  });
  return ints(outDims, out);
}

export function unsqueeze(v: IntValue, axes: readonly number[]): IntValue {
  const rank = v.dims.length + axes.length;
  const dims = [...v.dims];
  for (const ax of [...axes].map((x) => norm(x, rank)).sort((x, y) => x - y)) dims.splice(ax, 0, 1);
  return ints(dims, v.data);
}

export function squeeze(v: IntValue, axes?: readonly number[]): IntValue {
  const rank = v.dims.length;
  const drop = new Set(axes ? axes.map((x) => norm(x, rank)) : v.dims.flatMap((d, i) => (d === 1 ? [i] : [])));
  return ints(v.dims.filter((_, i) => !drop.has(i)), v.data);
}

export function concat(vs: readonly IntValue[], axis: number): IntValue {
  const a = norm(axis, vs[0]!.dims.length);
  const outDims = [...vs[0]!.dims];
  outDims[a] = vs.reduce((s, v) => s + v.dims[a]!, 0);
  const out: number[] = [];
  forEachIndex(outDims, (idx) => {
    let k = idx[a]!;
    for (const v of vs) {
      if (k < v.dims[a]!) {
        const j = [...idx];
        j[a] = k;
        out.push(at(v, j));
        return;
      }
      k -= v.dims[a]!;
    }
  });
  return ints(outDims, out);
}

/** ONNX Reshape semantics: 0 copies the input dim (unless allowzero), -1 is inferred. */
export function reshapeDims(input: readonly number[], shape: readonly number[], allowzero = false): number[] {
  const dims = shape.map((d, i) => (d === 0 && !allowzero ? input[i]! : d));
  const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = size(input);
  return dims.map((d) => (d === -1 ? total / known : d));
}

export function reshape(v: IntValue, shape: readonly number[]): IntValue {
  return ints(reshapeDims(v.dims, shape), v.data);
}

export function transpose(v: IntValue, perm?: readonly number[]): IntValue {
  const p = perm ?? v.dims.map((_, i) => v.dims.length - 1 - i);
  const outDims = p.map((k) => v.dims[k]!);
  const out: number[] = [];
  forEachIndex(outDims, (idx) => {
    const src = new Array<number>(idx.length);
    p.forEach((k, i) => (src[k] = idx[i]!));
    out.push(at(v, src));
  });
  return ints(outDims, out);
}

/** ONNX Slice (opset >= 10 inputs), with negative steps and clamped huge ends. */
export function slice(v: IntValue, starts: readonly number[], ends: readonly number[], axes?: readonly number[], steps?: readonly number[]): IntValue {
  const rank = v.dims.length;
  const ax = axes ? axes.map((a) => norm(a, rank)) : starts.map((_, i) => i);
  const ranges = v.dims.map((d) => ({ start: 0, step: 1, count: d }));
  ax.forEach((a, i) => {
    const d = v.dims[a]!;
    const step = steps?.[i] ?? 1;
    const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
    let s = starts[i]! < 0 ? starts[i]! + d : starts[i]!;
    let e = ends[i]! < 0 ? ends[i]! + d : ends[i]!;
    if (step > 0) {
      s = clamp(s, 0, d);
      e = clamp(e, 0, d);
    } else {
      s = clamp(s, 0, d - 1);
      e = clamp(e, -1, d - 1);
    }
    ranges[a] = { start: s, step, count: Math.max(0, Math.ceil((e - s) / step)) };
  });
  const outDims = ranges.map((r) => r.count);
  const out: number[] = [];
  forEachIndex(outDims, (idx) => out.push(at(v, idx.map((i, k) => ranges[k]!.start + i * ranges[k]!.step))));
  return ints(outDims, out);
}

/** Element-wise binary op with numpy broadcasting. */
export function binary(a: IntValue, b: IntValue, f: (x: number, y: number) => number): IntValue {
  const rank = Math.max(a.dims.length, b.dims.length);
  const pad = (d: readonly number[]) => [...new Array<number>(rank - d.length).fill(1), ...d];
  const da = pad(a.dims);
  const db = pad(b.dims);
  const outDims = da.map((x, i) => Math.max(x, db[i]!));
  const A = ints(da, a.data);
  const B = ints(db, b.data);
  const out: number[] = [];
  forEachIndex(outDims, (idx) =>
    out.push(f(at(A, idx.map((i, k) => (da[k] === 1 ? 0 : i))), at(B, idx.map((i, k) => (db[k] === 1 ? 0 : i))))),
  );
  return ints(outDims, out);
}

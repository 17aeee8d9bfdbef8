/**
 * ONNX ops on small n-d arrays of plain numbers, row-major: enough for the shape arithmetic
 * exporters emit (Shape -> Gather -> Unsqueeze -> Concat -> Reshape, Slice bounds, pads) and
 * for folding constant subgraphs. Each follows the ONNX operator's definition. No tensors: the
 * clean-up pass folds with these, the executor computes run-time shape values with them.
 */
export interface NdArray {
  readonly dims: readonly number[];
  readonly data: readonly number[];
}

export const nd = (dims: readonly number[], data: readonly number[]): NdArray => ({ dims, data });

export const size = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** Row-major strides. */
export function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length).fill(1);
  for (let i = dims.length - 2; i >= 0; i--) s[i] = s[i + 1]! * dims[i + 1]!;
  return s;
}

export const normAxis = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** Element at multi-index `idx`. */
function at(v: NdArray, idx: readonly number[]): number {
  const s = strides(v.dims);
  return v.data[idx.reduce((o, i, k) => o + i * s[k]!, 0)]!;
}

/** Calls f for every multi-index of `dims`, in row-major order. */
export function forEachIndex(dims: readonly number[], f: (idx: number[]) => void): void {
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

export function gather(v: NdArray, indices: NdArray, axis: number): NdArray {
  const a = normAxis(axis, v.dims.length);
  const outDims = [...v.dims.slice(0, a), ...indices.dims, ...v.dims.slice(a + 1)];
  const out: number[] = [];
  forEachIndex(outDims, (idx) => {
    const ind = idx.slice(a, a + indices.dims.length);
    let j = at(indices, ind);
    if (j < 0) j += v.dims[a]!;
    out.push(at(v, [...idx.slice(0, a), j, ...idx.slice(a + indices.dims.length)]));
  });
  return nd(outDims, out);
}

/** Output dims of Unsqueeze(axes). */
export function unsqueezeDims(dims: readonly number[], axes: readonly number[]): number[] {
  const rank = dims.length + axes.length;
  const out = [...dims];
  for (const ax of [...axes].map((x) => normAxis(x, rank)).sort((x, y) => x - y)) out.splice(ax, 0, 1);
  return out;
}

/** Output dims of Squeeze(axes); without axes every 1 goes. */
export function squeezeDims(dims: readonly number[], axes?: readonly number[]): number[] {
  const rank = dims.length;
  const drop = new Set(axes ? axes.map((x) => normAxis(x, rank)) : dims.flatMap((d, i) => (d === 1 ? [i] : [])));
  return dims.filter((_, i) => !drop.has(i));
}

export function concat(vs: readonly NdArray[], axis: number): NdArray {
  const a = normAxis(axis, vs[0]!.dims.length);
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
  return nd(outDims, out);
}

/** ONNX Reshape semantics: 0 copies the input dim (unless allowzero), -1 is inferred. */
export function reshapeDims(input: readonly number[], shape: readonly number[], allowzero = false): number[] {
  const dims = shape.map((d, i) => (d === 0 && !allowzero ? input[i]! : d));
  const known = dims.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const total = size(input);
  return dims.map((d) => (d === -1 ? total / known : d));
}

export function transpose(v: NdArray, perm?: readonly number[]): NdArray {
  const p = perm ?? v.dims.map((_, i) => v.dims.length - 1 - i);
  const outDims = p.map((k) => v.dims[k]!);
  const out: number[] = [];
  forEachIndex(outDims, (idx) => {
    const src = new Array<number>(idx.length);
    p.forEach((k, i) => {
      src[k] = idx[i]!;
    });
    out.push(at(v, src));
  });
  return nd(outDims, out);
}

/** Per axis of `dims`: where a Slice starts, its step and how many elements it takes. */
export interface SliceRange {
  readonly start: number;
  readonly step: number;
  readonly count: number;
}

/** ONNX Slice (opset >= 10 form) as ranges per axis: negative indices, clamping, negative steps. */
export function sliceRanges(
  dims: readonly number[],
  starts: readonly number[],
  ends: readonly number[],
  axes?: readonly number[],
  steps?: readonly number[],
): SliceRange[] {
  const rank = dims.length;
  const ax = axes ? axes.map((a) => normAxis(a, rank)) : starts.map((_, i) => i);
  const ranges: SliceRange[] = dims.map((d) => ({ start: 0, step: 1, count: d }));
  const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
  ax.forEach((a, i) => {
    const d = dims[a]!;
    const step = steps?.[i] ?? 1;
    if (step === 0) throw new Error('a Slice step of 0');
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
  return ranges;
}

export function slice(
  v: NdArray,
  starts: readonly number[],
  ends: readonly number[],
  axes?: readonly number[],
  steps?: readonly number[],
): NdArray {
  const ranges = sliceRanges(v.dims, starts, ends, axes, steps);
  const outDims = ranges.map((r) => r.count);
  const out: number[] = [];
  forEachIndex(outDims, (idx) =>
    out.push(
      at(
        v,
        idx.map((i, k) => ranges[k]!.start + i * ranges[k]!.step),
      ),
    ),
  );
  return nd(outDims, out);
}

/** Numpy broadcasting of two shapes. */
export function broadcastDims(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const pa = [...new Array<number>(rank - a.length).fill(1), ...a];
  const pb = [...new Array<number>(rank - b.length).fill(1), ...b];
  return pa.map((x, i) => (x === 1 ? pb[i]! : x));
}

/** `v` broadcast to `dims` (numpy rules). */
export function expand(v: NdArray, dims: readonly number[]): NdArray {
  const outDims = broadcastDims(v.dims, dims);
  const pad = [...new Array<number>(outDims.length - v.dims.length).fill(1), ...v.dims];
  const src = nd(pad, v.data);
  const out: number[] = [];
  forEachIndex(outDims, (idx) =>
    out.push(
      at(
        src,
        idx.map((i, k) => (pad[k] === 1 ? 0 : i)),
      ),
    ),
  );
  return nd(outDims, out);
}

/** Element-wise op over any number of inputs with numpy broadcasting. */
export function elementwise(vs: readonly NdArray[], f: (...x: number[]) => number): NdArray {
  const dims = vs.reduce<readonly number[]>((d, v) => broadcastDims(d, v.dims), []);
  const full = vs.map((v) => (v.dims.join() === dims.join() ? v : expand(v, dims)));
  const n = size(dims);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = f(...full.map((v) => v.data[i]!));
  return nd(dims, out);
}

/** Element-wise binary op with numpy broadcasting. */
export function binary(a: NdArray, b: NdArray, f: (x: number, y: number) => number): NdArray {
  return elementwise([a, b], f as (...x: number[]) => number);
}

/** ONNX Range(start, limit, delta). */
export function range(start: number, limit: number, delta: number): NdArray {
  const n = Math.max(Math.ceil((limit - start) / delta), 0);
  return nd(
    [n],
    Array.from({ length: n }, (_, i) => start + i * delta),
  );
}

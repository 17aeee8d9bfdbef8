/**
 * Exact layout conversions between Keras weights and the IR's ONNX layout (transposes only,
 * so a round trip is bit-identical).
 */

/** Keras conv kernel [kh, kw, cin, cout] -> ONNX [cout, cin, kh, kw]. */
export function hwioToOihw(w: Float32Array, [kh, kw, ci, co]: readonly number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let h = 0; h < kh!; h++)
    for (let x = 0; x < kw!; x++)
      for (let i = 0; i < ci!; i++)
        for (let o = 0; o < co!; o++) out[((o * ci! + i) * kh! + h) * kw! + x] = w[((h * kw! + x) * ci! + i) * co! + o]!;
  return out;
}

/** ONNX [cout, cin, kh, kw] -> Keras [kh, kw, cin, cout]. */
export function oihwToHwio(w: Float32Array, [kh, kw, ci, co]: readonly number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let h = 0; h < kh!; h++)
    for (let x = 0; x < kw!; x++)
      for (let i = 0; i < ci!; i++)
        for (let o = 0; o < co!; o++) out[((h * kw! + x) * ci! + i) * co! + o] = w[((o * ci! + i) * kh! + h) * kw! + x]!;
  return out;
}

/** Keras depthwise kernel [kh, kw, c, mult] -> ONNX [c*mult, 1, kh, kw]. */
export function depthwiseToOnnx(w: Float32Array, [kh, kw, c, m]: readonly number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let h = 0; h < kh!; h++)
    for (let x = 0; x < kw!; x++)
      for (let i = 0; i < c!; i++)
        for (let k = 0; k < m!; k++) out[((i * m! + k) * kh! + h) * kw! + x] = w[((h * kw! + x) * c! + i) * m! + k]!;
  return out;
}

export function depthwiseFromOnnx(w: Float32Array, [kh, kw, c, m]: readonly number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let h = 0; h < kh!; h++)
    for (let x = 0; x < kw!; x++)
      for (let i = 0; i < c!; i++)
        for (let k = 0; k < m!; k++) out[((h * kw! + x) * c! + i) * m! + k] = w[((i * m! + k) * kh! + h) * kw! + x]!;
  return out;
}

/** Keras PReLU alpha [h, w, c] -> the IR's slope [c, h, w]. */
export function hwcToChw(w: Float32Array, [h, x, c]: readonly number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < h!; i++)
    for (let j = 0; j < x!; j++) for (let k = 0; k < c!; k++) out[(k * h! + i) * x! + j] = w[(i * x! + j) * c! + k]!;
  return out;
}

export function chwToHwc(w: Float32Array, [h, x, c]: readonly number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < h!; i++)
    for (let j = 0; j < x!; j++) for (let k = 0; k < c!; k++) out[(i * x! + j) * c! + k] = w[(k * h! + i) * x! + j]!;
  return out;
}

/**
 * Sparse Winograd convolution on typed arrays (no tensors): the inference path of a bundle.
 *
 *   per chunk of tiles:  V_p = (B^T d B)_p       input transform, vectorised over Cin
 *                        M_p += w * V_p[ci]      for each nonzero w = W_p[ci][co] only
 *                        Y = A^T M A + bias      output transform, vectorised over Cout
 *
 * V and M are laid out [position][channel][tile], so each nonzero weight is one axpy over a
 * contiguous run of tiles — the zeros of W cost nothing. The transforms skip the zero entries
 * of B^T and A^T. Layout of activations: NHWC, as the executor stores them.
 */

/** One Winograd position's weights W_p [Cin, Cout] as compressed sparse rows. */
export interface CsrMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly rowPtr: Int32Array;
  readonly colIdx: Int32Array;
  readonly values: Float32Array;
}

export interface SparseWinogradLayer {
  /** Input tile, output tile, kernel size (T = m + r - 1). */
  readonly T: number;
  readonly m: number;
  readonly r: number;
  readonly cin: number;
  readonly cout: number;
  /** [top, left, bottom, right], stride 1. */
  readonly pads: readonly [number, number, number, number];
  /** A^T, m x T row-major. */
  readonly AT: Float32Array;
  /** B^T, T x T row-major. */
  readonly BT: Float32Array;
  /** T*T matrices, position p = i*T + j, each Cin x Cout. */
  readonly positions: readonly CsrMatrix[];
  readonly bias?: Float32Array;
}

/** Tiles per chunk: V and M of a chunk stay in cache for typical channel counts. */
const CHUNK = 128;

/** The nonzero entries of a row-major matrix, per row: [column, value] pairs. */
function nonzeroRows(a: Float32Array, rows: number, cols: number): { col: Int32Array; val: Float32Array; ptr: Int32Array } {
  const col: number[] = [];
  const val: number[] = [];
  const ptr = [0];
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      if (a[i * cols + j] !== 0) {
        col.push(j);
        val.push(a[i * cols + j]!);
      }
    }
    ptr.push(col.length);
  }
  return { col: Int32Array.from(col), val: Float32Array.from(val), ptr: Int32Array.from(ptr) };
}

/** x NHWC [n, h, w, cin] -> y NHWC [n, outH, outW, cout]; outH = h + top + bottom - r + 1. */
export function sparseWinogradConv(layer: SparseWinogradLayer, x: Float32Array, n: number, h: number, w: number): { data: Float32Array; outH: number; outW: number } {
  const { T, m, r, cin, cout, positions, bias } = layer;
  const [pt, pl, pb, pr] = layer.pads;
  const T2 = T * T;
  const outH = h + pt + pb - r + 1;
  const outW = w + pl + pr - r + 1;
  const th = Math.ceil(outH / m);
  const tw = Math.ceil(outW / m);
  const total = n * th * tw;
  const y = new Float32Array(n * outH * outW * cout);
  const bt = nonzeroRows(layer.BT, T, T);
  const at = nonzeroRows(layer.AT, m, T);

  const V = new Float32Array(T2 * cin * CHUNK);
  const M = new Float32Array(T2 * cout * CHUNK);
  const d = new Float32Array(T2 * cin); // one tile [a][b][ci]
  const u = new Float32Array(T2 * cin); // B^T d, [i][b][ci]
  const mt = new Float32Array(T2 * cout); // one tile of M, [i][j][co]
  const z = new Float32Array(m * T * cout); // A^T M, [i'][j][co]

  for (let start = 0; start < total; start += CHUNK) {
    const nt = Math.min(CHUNK, total - start);
    for (let t = 0; t < nt; t++) {
      const tile = start + t;
      const img = Math.floor(tile / (th * tw));
      const ty = Math.floor((tile % (th * tw)) / tw);
      const tx = tile % tw;
      gatherTile(x, d, img, ty * m - pt, tx * m - pl, h, w, cin, T);
      inputTransform(d, u, V, bt, T, cin, t);
    }
    sparseProducts(V, M, positions, cin, cout, nt);
    for (let t = 0; t < nt; t++) {
      const tile = start + t;
      const img = Math.floor(tile / (th * tw));
      const ty = Math.floor((tile % (th * tw)) / tw);
      const tx = tile % tw;
      for (let p = 0; p < T2; p++) for (let co = 0; co < cout; co++) mt[p * cout + co] = M[(p * cout + co) * CHUNK + t]!;
      outputTile(mt, z, at, y, bias, { img, y0: ty * m, x0: tx * m, outH, outW, m, T, cout });
    }
  }
  return { data: y, outH, outW };
}

/** d[a][b][ci] = x[img, y0 + a, x0 + b, ci], zero outside the image (the padding). */
function gatherTile(x: Float32Array, d: Float32Array, img: number, y0: number, x0: number, h: number, w: number, cin: number, T: number): void {
  for (let a = 0; a < T; a++) {
    const yy = y0 + a;
    for (let b = 0; b < T; b++) {
      const xx = x0 + b;
      const dst = (a * T + b) * cin;
      if (yy < 0 || yy >= h || xx < 0 || xx >= w) {
        d.fill(0, dst, dst + cin);
      } else {
        const src = ((img * h + yy) * w + xx) * cin;
        for (let c = 0; c < cin; c++) d[dst + c] = x[src + c]!;
      }
    }
  }
}

type Sparse = ReturnType<typeof nonzeroRows>;

/** V[p][ci][t] = (B^T d B)[i][j] for every channel, B^T applied through its nonzeros. */
function inputTransform(d: Float32Array, u: Float32Array, V: Float32Array, bt: Sparse, T: number, cin: number, t: number): void {
  // u[i][b] = sum_a BT[i][a] d[a][b]
  u.fill(0);
  for (let i = 0; i < T; i++) {
    for (let k = bt.ptr[i]!; k < bt.ptr[i + 1]!; k++) {
      const a = bt.col[k]!;
      const c = bt.val[k]!;
      for (let b = 0; b < T; b++) {
        const dst = (i * T + b) * cin;
        const src = (a * T + b) * cin;
        for (let ci = 0; ci < cin; ci++) u[dst + ci] += c * d[src + ci]!;
      }
    }
  }
  // V[i][j] = sum_b u[i][b] BT[j][b]
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      const p = i * T + j;
      const out = p * cin * CHUNK + t;
      const k0 = bt.ptr[j]!;
      const k1 = bt.ptr[j + 1]!;
      for (let ci = 0; ci < cin; ci++) {
        let s = 0;
        for (let k = k0; k < k1; k++) s += u[(i * T + bt.col[k]!) * cin + ci]! * bt.val[k]!;
        V[out + ci * CHUNK] = s;
      }
    }
  }
}

/** M_p[co][:] = sum over nonzeros (ci, co, w) of W_p: w * V_p[ci][:], over the chunk's tiles. */
function sparseProducts(V: Float32Array, M: Float32Array, positions: readonly CsrMatrix[], cin: number, cout: number, nt: number): void {
  M.fill(0);
  for (let p = 0; p < positions.length; p++) {
    const { rowPtr, colIdx, values } = positions[p]!;
    const vBase = p * cin * CHUNK;
    const mBase = p * cout * CHUNK;
    for (let ci = 0; ci < cin; ci++) {
      const v = vBase + ci * CHUNK;
      for (let k = rowPtr[ci]!; k < rowPtr[ci + 1]!; k++) {
        const wv = values[k]!;
        const o = mBase + colIdx[k]! * CHUNK;
        for (let t = 0; t < nt; t++) M[o + t] += wv * V[v + t]!;
      }
    }
  }
}

/** y[img, y0 + i', x0 + j', co] = (A^T M A)[i'][j'] + bias, cropped to the output. */
function outputTile(
  mt: Float32Array, z: Float32Array, at: Sparse, y: Float32Array, bias: Float32Array | undefined,
  g: { img: number; y0: number; x0: number; outH: number; outW: number; m: number; T: number; cout: number },
): void {
  const { m, T, cout } = g;
  // z[i'][j] = sum_i AT[i'][i] M[i][j]
  z.fill(0);
  for (let i2 = 0; i2 < m; i2++) {
    for (let k = at.ptr[i2]!; k < at.ptr[i2 + 1]!; k++) {
      const i = at.col[k]!;
      const c = at.val[k]!;
      for (let j = 0; j < T; j++) {
        const dst = (i2 * T + j) * cout;
        const src = (i * T + j) * cout;
        for (let co = 0; co < cout; co++) z[dst + co] += c * mt[src + co]!;
      }
    }
  }
  // y[i'][j'] = sum_j z[i'][j] AT[j'][j]
  for (let i2 = 0; i2 < m; i2++) {
    const yy = g.y0 + i2;
    if (yy >= g.outH) break;
    for (let j2 = 0; j2 < m; j2++) {
      const xx = g.x0 + j2;
      if (xx >= g.outW) break;
      const out = ((g.img * g.outH + yy) * g.outW + xx) * cout;
      for (let co = 0; co < cout; co++) y[out + co] = bias ? bias[co]! : 0;
      for (let k = at.ptr[j2]!; k < at.ptr[j2 + 1]!; k++) {
        const src = (i2 * T + at.col[k]!) * cout;
        const c = at.val[k]!;
        for (let co = 0; co < cout; co++) y[out + co] += c * z[src + co]!;
      }
    }
  }
}

/** T*T CSR matrices W_p [Cin, Cout] from a dense Winograd weight in [T*T, Cin, Cout] layout (zeros dropped). */
export function csrFromDense(perPosition: Float32Array, T2: number, cin: number, cout: number): CsrMatrix[] {
  return Array.from({ length: T2 }, (_, p) => {
    const rowPtr = new Int32Array(cin + 1);
    const cols: number[] = [];
    const vals: number[] = [];
    for (let ci = 0; ci < cin; ci++) {
      for (let co = 0; co < cout; co++) {
        const v = perPosition[(p * cin + ci) * cout + co]!;
        if (v !== 0) {
          cols.push(co);
          vals.push(v);
        }
      }
      rowPtr[ci + 1] = cols.length;
    }
    return { rows: cin, cols: cout, rowPtr, colIdx: Int32Array.from(cols), values: Float32Array.from(vals) };
  });
}

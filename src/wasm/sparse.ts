/**
 * The one sparse-matrix encoding both WebAssembly modules read (src/wasm/lib/sparse.wat's
 * `$applyRows`, and the runtime's sparse products): i32 start[rows + 1], the byte offsets of
 * each row's first entry from the matrix's address (start[rows]: the end), then the entries,
 * (i32 index, f32 value) each, row by row in the order given. What an index means is the
 * reader's: a column for a transform, a byte offset into V for a product. Pure; imports nothing.
 */

/** Rows of (index, value) entries -> the matrix's bytes (a multiple of 4). */
export function sparseMatrix(rows: readonly (readonly (readonly [number, number])[])[]): Uint8Array {
  const nnz = rows.reduce((s, r) => s + r.length, 0);
  const head = (rows.length + 1) * 4;
  const buf = new ArrayBuffer(head + nnz * 8);
  const ints = new Int32Array(buf);
  const vals = new Float32Array(buf);
  let e = head / 4;
  rows.forEach((r, o) => {
    ints[o] = e * 4;
    for (const [index, value] of r) {
      ints[e] = index;
      vals[e + 1] = value;
      e += 2;
    }
  });
  ints[rows.length] = e * 4;
  return new Uint8Array(buf);
}

/** A dense matrix (rows x cols, row-major) as sparse rows of (column, value), zeros dropped. */
export function denseToSparse(values: ArrayLike<number>, rows: number, cols: number): Uint8Array {
  return sparseMatrix(
    Array.from({ length: rows }, (_, i) => {
      const row: [number, number][] = [];
      for (let j = 0; j < cols; j++) if (values[i * cols + j] !== 0) row.push([j, values[i * cols + j]!]);
      return row;
    }),
  );
}

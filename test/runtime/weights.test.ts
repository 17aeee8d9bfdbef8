import { describe, expect, it } from 'vitest';
import { positionMatrix, sparseConvMatrix } from '../../src/runtime/plan/weights.js';
import { sparseMatrix } from '../../src/wasm/sparse.js';

/** A random W_p in CSR by input channel (rows = cin, cols = cout), about `density` of it nonzero. */
function randomCsr(cin: number, cout: number, density: number, seed: number) {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const rowPtr = new Int32Array(cin + 1);
  const colIdx: number[] = [];
  const values: number[] = [];
  for (let ci = 0; ci < cin; ci++) {
    for (let co = 0; co < cout; co++)
      if (rand() < density) {
        colIdx.push(co);
        values.push(rand() * 2 - 1);
      }
    rowPtr[ci + 1] = colIdx.length;
  }
  return { rows: cin, cols: cout, rowPtr, colIdx: Int32Array.from(colIdx), values: Float32Array.from(values) };
}

/** The encoding spelled out: rows of (byte offset, value) tuples through the generic encoder. */
function reference(w: ReturnType<typeof randomCsr>, coutp: number, rowBytes: number, scale?: Float32Array, group = 1): Uint8Array {
  const rows: [number, number][][] = Array.from({ length: coutp }, () => []);
  const coutG = w.cols / group;
  for (let ci = 0; ci < w.rows; ci++)
    for (let e = w.rowPtr[ci]!; e < w.rowPtr[ci + 1]!; e++) {
      const co = w.colIdx[e]!;
      rows[co]!.push([(Math.floor(co / coutG) * w.rows + ci) * rowBytes, scale ? Math.fround(w.values[e]! * scale[co]!) : w.values[e]!]);
    }
  return sparseMatrix(rows);
}

describe('positionMatrix', () => {
  it('writes the same bytes as the generic sparse encoder (padded rows, scale, groups, empty rows)', () => {
    const cases = [
      { cin: 5, cout: 7, coutp: 8, density: 0.4, group: 1, scale: false },
      { cin: 16, cout: 12, coutp: 12, density: 0.2, group: 3, scale: true },
      { cin: 3, cout: 4, coutp: 8, density: 0, group: 1, scale: false },
      { cin: 9, cout: 9, coutp: 12, density: 1, group: 1, scale: true },
    ];
    cases.forEach((c, k) => {
      const w = randomCsr(c.cin, c.cout, c.density, 7 + k);
      const scale = c.scale ? Float32Array.from({ length: c.coutp }, (_, i) => 0.5 + i / 7) : undefined;
      const got = positionMatrix(w, c.coutp, 48, scale, c.group).bytes;
      expect(Buffer.from(got).equals(Buffer.from(reference(w, c.coutp, 48, scale, c.group)))).toBe(true);
    });
  });
});

describe('sparseConvMatrix', () => {
  it("writes the generic sparse encoder's bytes: a row per padded output channel, entries by window entry (ky, kx, ci) with padded channels, zeros left out", () => {
    const [cout, cin, kh, kw, coutp, cinp, rowBytes] = [6, 3, 3, 2, 8, 4, 80];
    let s = 11;
    const rand = () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s / 2147483648;
    };
    const w = Float32Array.from({ length: cout * cin * kh * kw }, () => (rand() < 0.3 ? rand() - 0.5 : 0));
    const rows: [number, number][][] = Array.from({ length: coutp }, () => []);
    for (let co = 0; co < cout; co++)
      for (let ky = 0; ky < kh; ky++)
        for (let kx = 0; kx < kw; kx++)
          for (let ci = 0; ci < cin; ci++) {
            const v = w[((co * cin + ci) * kh + ky) * kw + kx]!;
            if (v !== 0) rows[co]!.push([((ky * kw + kx) * cinp + ci) * rowBytes, v]);
          }
    expect(rows.flat().length).toBeGreaterThan(0);
    const got = sparseConvMatrix(w, cout, cin, kh, kw, coutp, cinp, rowBytes).bytes;
    expect(Buffer.from(got).equals(Buffer.from(sparseMatrix(rows)))).toBe(true);
  });
});

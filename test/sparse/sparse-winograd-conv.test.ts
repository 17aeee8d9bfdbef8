import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/rng.js';
import { winogradConv2d } from '../../src/winograd-op/winograd-conv2d.js';
import { blockKernels, type BlockKernels } from '../../src/sparse/block-kernels.js';
import { csrFromDense, sparseWinogradConv } from '../../src/sparse/sparse-winograd-conv.js';
import { getTile } from '../../src/winograd/tiles.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const cases = [
  { T: 4, r: 3, n: 2, h: 13, w: 11, cin: 5, cout: 7, pads: [1, 1, 1, 1] },
  { T: 6, r: 3, n: 2, h: 13, w: 11, cin: 6, cout: 4, pads: [0, 0, 0, 0] },
  { T: 6, r: 3, n: 1, h: 9, w: 14, cin: 3, cout: 5, pads: [2, 0, 1, 1] },
  { T: 8, r: 3, n: 2, h: 12, w: 12, cin: 4, cout: 3, pads: [1, 1, 1, 1] },
  { T: 8, r: 5, n: 1, h: 11, w: 10, cin: 3, cout: 4, pads: [2, 2, 2, 2] },
] as const;

describe.each(['wasm-simd', 'typescript'] as const)('sparseWinogradConv with %s block kernels equals the dense Winograd op', (kind) => {
  for (const c of cases) {
    const tile = getTile(c.T, c.r);
    it(`${tile.name} ${c.h}x${c.w}, pads ${c.pads.join(',')}, ~70% zeros, bias (1e-5 of max |y|)`, () => {
      const rand = mulberry32(c.T * 100 + c.h);
      const T2 = c.T * c.T;
      const w = Float32Array.from({ length: T2 * c.cin * c.cout }, () => (rand() < 0.7 ? 0 : rand() * 2 - 1));
      // Position 1 entirely zero: no work, and still the right result.
      w.fill(0, c.cin * c.cout, 2 * c.cin * c.cout);
      const bias = Float32Array.from({ length: c.cout }, () => rand() - 0.5);
      const x = Float32Array.from({ length: c.n * c.h * c.w * c.cin }, () => rand() * 2 - 1);
      const positions = csrFromDense(w, T2, c.cin, c.cout);
      expect(Array.from(positions[1]!.rowPtr).every((v) => v === 0)).toBe(true);
      const ours = sparseWinogradConv(
        { T: c.T, m: tile.m, r: c.r, cin: c.cin, cout: c.cout, pads: c.pads, AT: Float32Array.from(tile.AT.flat()), BT: Float32Array.from(tile.BT.flat()), positions, bias },
        x, c.n, c.h, c.w, blockKernels(kind),
      );
      const [pt, pl, pb, pr] = c.pads;
      const ref = tf.tidy(() =>
        winogradConv2d(tf.tensor4d(x, [c.n, c.h, c.w, c.cin]), tf.tensor3d(w, [T2, c.cin, c.cout]), tile, { pad: [pt, pb, pl, pr], bias: tf.tensor1d(bias) }),
      );
      expect([c.n, ours.outH, ours.outW, c.cout]).toEqual(ref.shape);
      const expected = ref.dataSync();
      const scale = Math.max(...Array.from(expected, Math.abs));
      ours.data.forEach((v, i) => expect(Math.abs(v - expected[i]!) / scale).toBeLessThan(1e-5));
      ref.dispose();
    });
  }
});

describe('block kernels', () => {
  const rand = mulberry32(9);
  /** Both kinds over the same random heap: `run` writes with one kind's kernels, the results are compared. */
  function both(floats: number, setup: (heap: Float32Array, ints: Int32Array) => void, run: (k: BlockKernels) => void): [Float32Array, Float32Array] {
    const init = Float32Array.from({ length: floats }, () => rand() * 2 - 1);
    const out = (['wasm-simd', 'typescript'] as const).map((kind) => {
      const k = blockKernels(kind);
      k.reserve(floats);
      k.heap.set(init);
      setup(k.heap, k.ints);
      run(k);
      return k.heap.slice(0, floats);
    });
    return [out[0]!, out[1]!];
  }

  it('Node 20 runs the WebAssembly SIMD kernels by default', () => {
    expect(blockKernels().kind).toBe('wasm-simd');
  });

  it('transform: a sparse matrix along one axis, SIMD = TypeScript within 1e-6 (float32 vs float64 sums of 3 terms)', () => {
    // S = [[2, 0, -1], [0, 0, 0], [0.5, 3, 0]]: rowPtr 0 2 2 4, col 0 2 0 1, val 2 -1 0.5 3 at heap[0..]
    const setup = (h: Float32Array, ints: Int32Array) => {
      ints.set([0, 2, 2, 4, 0, 2, 0, 1]);
      h.set([2, -1, 0.5, 3], 8);
    };
    const args = { dst: 2048, src: 256, mat: 0, nOut: 3, lines: 2, inStep: 96, outStep: 100, inLine: 400, outLine: 512, len: 64 };
    const [simd, ts] = both(4096, setup, (k) => k.transform(args));
    simd.forEach((v, i) => expect(Math.abs(v - ts[i]!)).toBeLessThan(1e-6));
    const src = ts.slice(0); // untouched below 2048
    for (const l of [0, 1]) {
      for (const x of [0, 31, 63]) {
        const at = (j: number) => src[256 + l * 400 + j * 96 + x]!;
        expect(ts[2048 + l * 512 + x]).toBeCloseTo(2 * at(0) - at(2), 5);
        expect(ts[2048 + l * 512 + 100 + x]).toBe(0); // an empty row writes zeros
        expect(ts[2048 + l * 512 + 200 + x]).toBeCloseTo(0.5 * at(0) + 3 * at(1), 5);
      }
    }
  });

  it('gather and scatter (5 and 7 channels: SIMD transposes plus the one-by-one rest) are exact and equal', () => {
    const [nt, T, cin, m, cout, rowStride] = [8, 3, 5, 2, 7, 40];
    // Input tiles overlap (as Winograd tiles do), output tiles do not; the last lane repeats a tile, as the caller does.
    const offsets = [0, 3, 6, 45, 48, 51, 90, 90];
    const outOffsets = [0, 14, 28, 120, 134, 148, 240, 240];
    const setup = (h: Float32Array, ints: Int32Array) => {
      ints.set(offsets, 4000);
      ints.set(outOffsets, 4100);
    };
    const gather = { dst: 2000, src: 0, offs: 4000, nt, T, cin, rowStride, chunk: 8 };
    const scatter = { dst: 5000, src: 2000, offs: 4100, nt, m, cout, rowStride: 60, chunk: 8, bias: 3000 };
    const [simd, ts] = both(6000, setup, (k) => {
      k.gather(gather);
      k.scatter(scatter);
    });
    const differing = Array.from(simd.keys()).filter((i) => !Object.is(simd[i], ts[i]));
    expect(differing).toEqual([]);
    for (const [t, a, b, c] of [[0, 0, 0, 0], [3, 2, 1, 4], [7, 1, 2, 3]] as const) {
      expect(ts[2000 + ((a * T + b) * cin + c) * 8 + t]).toBe(ts[offsets[t]! + a * rowStride + b * cin + c]);
    }
    for (const [t, i, j, co] of [[0, 0, 0, 0], [4, 1, 1, 6], [6, 1, 0, 5]] as const) {
      const expected = Math.fround(ts[2000 + ((i * m + j) * cout + co) * 8 + t]! + ts[3000 + co]!);
      expect(ts[5000 + outOffsets[t]! + i * 60 + j * cout + co]).toBe(expected);
    }
  });
});

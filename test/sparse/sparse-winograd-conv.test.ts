import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/rng.js';
import { winogradConv2d } from '../../src/ops/winograd-conv2d.js';
import { blockKernels } from '../../src/sparse/block-kernels.js';
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
  it('Node 20 runs the WebAssembly SIMD kernels by default, and they equal the TypeScript ones on axpy and scale', () => {
    expect(blockKernels().kind).toBe('wasm-simd');
    const rand = mulberry32(9);
    const [simd, ts] = [blockKernels('wasm-simd'), blockKernels('typescript')];
    for (const k of [simd, ts]) k.reserve(4096);
    const init = Float32Array.from({ length: 4096 }, () => rand() * 2 - 1);
    for (const k of [simd, ts]) {
      k.heap.set(init);
      k.axpy(1024, 16, 0.75, 512);
      k.scale(2048, 8, -1.5, 100);
    }
    // Each element is one float32 multiply-add (or multiply) in both: equal up to rounding, 1e-6.
    ts.heap.subarray(0, 4096).forEach((v, i) => expect(Math.abs(v - simd.heap[i]!)).toBeLessThan(1e-6));
    expect(ts.heap[1024]).toBeCloseTo(init[1024]! + 0.75 * init[16]!, 5);
    expect(ts.heap[2048 + 99]).toBeCloseTo(-1.5 * init[8 + 99]!, 5);
    expect(ts.heap[2048 + 100]).toBe(init[2148]);
  });
});

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { winogradConv2d } from '../../src/tfjs-ops/winograd-conv2d.js';
import { disposeWinogradConstants } from '../../src/tfjs-ops/winograd-constants.js';
import type { WinogradTile } from '../../src/winograd/tiles.js';
import { F2, F4, randomArray, relError } from './helpers.js';
import { type Pads, winogradF64, winogradPerTile } from './reference.js';

/** Gradient tolerance: max abs difference / max |reference gradient|. */
const GRAD_TOL = 1e-4;
/**
 * Finite differences are taken on the float64 forward. The loss sum(y * R) is bilinear in
 * (x, w), so central differences are exact up to float64 rounding (~1e-12 here) for any step;
 * FD_STEP = 1e-2 keeps that rounding small. The float32 op is compared with FD_TOL.
 */
const FD_STEP = 1e-2;
const FD_TOL = 1e-4;

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => disposeWinogradConstants());

interface Case {
  tile: WinogradTile;
  N: number;
  H: number;
  W: number;
  cin: number;
  cout: number;
  pads: Pads;
}

function data(c: Case, seed: number) {
  const { tile, N, H, W, cin, cout } = c;
  const T2 = tile.T * tile.T;
  const x = randomArray(N * H * W * cin, seed);
  // A Winograd-domain weight need not come from a spatial kernel: test with arbitrary values.
  const w = randomArray(T2 * cin * cout, seed + 1);
  const outH = H + c.pads[0] + c.pads[1] - tile.r + 1;
  const outW = W + c.pads[2] + c.pads[3] - tile.r + 1;
  const R = randomArray(N * outH * outW * cout, seed + 2);
  const bias = randomArray(cout, seed + 3);
  return { x, w, R, bias, outH, outW, T2 };
}

describe('winogradConv2d gradients equal autodiff of a per-tile reference (cpu)', () => {
  const cases: Case[] = [
    { tile: F2, N: 2, H: 5, W: 7, cin: 2, cout: 3, pads: [1, 1, 1, 1] },
    { tile: F2, N: 1, H: 6, W: 6, cin: 3, cout: 2, pads: [0, 0, 0, 0] },
    { tile: F4, N: 2, H: 7, W: 9, cin: 2, cout: 2, pads: [2, 0, 1, 3] },
    { tile: F4, N: 1, H: 8, W: 8, cin: 1, cout: 3, pads: [1, 1, 1, 1] },
  ];
  for (const c of cases) {
    it(`${c.tile.name} N=${c.N} ${c.H}x${c.W} ${c.cin}->${c.cout} pads=${c.pads}`, () => {
      const d = data(c, c.H * 7 + c.W);
      tf.tidy(() => {
        const x = tf.tensor4d(Float32Array.from(d.x), [c.N, c.H, c.W, c.cin]);
        const w = tf.tensor3d(Float32Array.from(d.w), [d.T2, c.cin, c.cout]);
        const b = tf.tensor1d(Float32Array.from(d.bias));
        const R = tf.tensor4d(Float32Array.from(d.R), [c.N, d.outH, d.outW, c.cout]);
        const got = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
          tf.sum(tf.mul(winogradConv2d(xi as tf.Tensor4D, wi as tf.Tensor3D, c.tile, { pad: c.pads, bias: bi as tf.Tensor1D }), R)),
        )([x, w, b]);
        const ref = tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
          tf.sum(tf.mul(tf.add(winogradPerTile(xi as tf.Tensor4D, wi as tf.Tensor3D, c.tile, c.pads), bi), R)),
        )([x, w, b]);
        expect(relError(got[0]!, ref[0]!)).toBeLessThan(GRAD_TOL);
        expect(relError(got[1]!, ref[1]!)).toBeLessThan(GRAD_TOL);
        expect(relError(got[2]!, ref[2]!)).toBeLessThan(GRAD_TOL);
      });
    });
  }
});

describe('winogradConv2d gradients equal central differences of a float64 forward (cpu)', () => {
  const cases: Case[] = [
    { tile: F2, N: 1, H: 5, W: 6, cin: 2, cout: 2, pads: [1, 2, 0, 1] },
    { tile: F4, N: 1, H: 6, W: 5, cin: 2, cout: 2, pads: [1, 2, 0, 1] },
  ];
  for (const c of cases) {
    it(`${c.tile.name} ${c.H}x${c.W} ${c.cin}->${c.cout} pads=${c.pads}`, () => {
      const d = data(c, 11 + c.tile.T);
      const shape = [c.N, c.H, c.W, c.cin] as const;
      const loss = (x: Float64Array, w: Float64Array): number => {
        const { y } = winogradF64(x, shape, w, c.cout, c.tile, c.pads);
        let s = 0;
        for (let i = 0; i < y.length; i++) s += y[i]! * d.R[i]!;
        return s;
      };
      const fd = (v: Float64Array, f: (v: Float64Array) => number): Float64Array => {
        const g = new Float64Array(v.length);
        for (let i = 0; i < v.length; i++) {
          const keep = v[i]!;
          v[i] = keep + FD_STEP;
          const up = f(v);
          v[i] = keep - FD_STEP;
          const down = f(v);
          v[i] = keep;
          g[i] = (up - down) / (2 * FD_STEP);
        }
        return g;
      };
      const gx = fd(d.x.slice(), (xv) => loss(xv, d.w));
      const gw = fd(d.w.slice(), (wv) => loss(d.x, wv));
      tf.tidy(() => {
        const x = tf.tensor4d(Float32Array.from(d.x), [c.N, c.H, c.W, c.cin]);
        const w = tf.tensor3d(Float32Array.from(d.w), [d.T2, c.cin, c.cout]);
        const R = tf.tensor4d(Float32Array.from(d.R), [c.N, d.outH, d.outW, c.cout]);
        const [dx, dw] = tf.grads((xi: tf.Tensor, wi: tf.Tensor) =>
          tf.sum(tf.mul(winogradConv2d(xi as tf.Tensor4D, wi as tf.Tensor3D, c.tile, { pad: c.pads }), R)),
        )([x, w]);
        expect(relError(dx!, tf.tensor(Float32Array.from(gx), dx!.shape))).toBeLessThan(FD_TOL);
        expect(relError(dw!, tf.tensor(Float32Array.from(gw), dw!.shape))).toBeLessThan(FD_TOL);
      });
    });
  }
});

describe('winogradConv2d memory', () => {
  it('allocates no tensors per call, forward or backward', () => {
    const x = tf.randomNormal([2, 7, 6, 3]) as tf.Tensor4D;
    const w = tf.randomNormal([36, 3, 4]) as tf.Tensor3D;
    const b = tf.randomNormal([4]) as tf.Tensor1D;
    const run = () => {
      tf.dispose(winogradConv2d(x, w, F4, { pad: 'same', bias: b }));
      tf.dispose(
        tf.grads((xi: tf.Tensor, wi: tf.Tensor) =>
          tf.sum(winogradConv2d(xi as tf.Tensor4D, wi as tf.Tensor3D, F4, { pad: 'same', bias: b })),
        )([x, w]),
      );
    };
    run(); // first call creates the kept constants
    const before = tf.memory().numTensors;
    run();
    run();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, b]);
  });

  it('disposeWinogradConstants frees the kept constants', () => {
    const x = tf.randomNormal([1, 4, 4, 1]) as tf.Tensor4D;
    const w = tf.randomNormal([16, 1, 1]) as tf.Tensor3D;
    disposeWinogradConstants();
    const before = tf.memory().numTensors;
    tf.dispose(winogradConv2d(x, w, F2, { pad: 'same' }));
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    disposeWinogradConstants();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w]);
  });
});

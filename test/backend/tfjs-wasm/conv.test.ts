import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { isSwpruneKernel } from '../../../src/backend/tfjs-wasm/index.js';
import { setConvAlgorithm, setThreads } from '../../../src/backend/threads.js';
import { onBackend, padName, REL_TOL, relErr, seeded, type Pad } from '../helpers.js';

afterAll(() => {
  setThreads();
  setConvAlgorithm();
});

// [x NHWC, filter HWIO, strides, pad, dilations]
const CASES: [number[], [number, number, number, number], number | [number, number], Pad, number][] = [
  [[2, 7, 6, 3], [3, 3, 3, 5], 1, 'same', 1],
  [[3, 9, 8, 1], [3, 3, 1, 16], 1, 'same', 1], // one input channel
  [[2, 10, 9, 6], [5, 3, 6, 9], [2, 1], 'valid', 1],
  [[1, 12, 11, 8], [3, 3, 8, 8], 1, 'same', 2],
  [
    [2, 8, 8, 4],
    [3, 3, 4, 3],
    2,
    [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
    1,
  ],
  [[2, 6, 6, 2], [1, 1, 2, 7], 1, 'valid', 1],
];

function conv(
  x: number[],
  f: number[],
  s: number | [number, number],
  pad: Pad,
  d: number,
  fused?: { bias: boolean; activation: 'linear' | 'relu' | 'elu' },
) {
  return tf.tidy(() => {
    const xt = tf.tensor4d(
      seeded(
        x.reduce((a, b) => a * b),
        1,
      ),
      x as [number, number, number, number],
    );
    const w = tf.tensor4d(
      seeded(
        f.reduce((a, b) => a * b),
        2,
      ),
      f as [number, number, number, number],
    );
    const y = fused
      ? tf.fused.conv2d({
          x: xt,
          filter: w,
          strides: s,
          pad: pad as 'same',
          dilations: d,
          bias: fused.bias ? tf.tensor1d(seeded(f[3]!, 3)) : undefined,
          activation: fused.activation,
        })
      : tf.conv2d(xt, w, s, pad as 'same', 'NHWC', d);
    return { values: Float32Array.from(y.dataSync()), shape: y.shape };
  });
}

describe('Conv2D and FusedConv2D on wasm (swprune kernels, both cores) equal cpu', () => {
  it('are registered for wasm', async () => {
    await onBackend('wasm', () => {
      expect(isSwpruneKernel('Conv2D')).toBe(true);
      expect(isSwpruneKernel('FusedConv2D')).toBe(true);
    });
  });

  for (const [x, f, s, pad, d] of CASES) {
    it(`x ${x} filter ${f} stride ${s} ${padName(pad)} dilation ${d}`, async () => {
      const ref = await onBackend('cpu', () => conv(x, f, s, pad, d));
      const got = await onBackend('wasm', () => conv(x, f, s, pad, d));
      expect(got.shape).toEqual(ref.shape);
      expect(relErr(got.values, ref.values)).toBeLessThan(REL_TOL);
    });
  }

  for (const fused of [
    { bias: true, activation: 'relu' },
    { bias: false, activation: 'relu' },
    { bias: true, activation: 'linear' },
    { bias: true, activation: 'elu' },
  ] as const) {
    it(`fused: bias ${fused.bias}, ${fused.activation}${fused.activation === 'elu' ? " (wasm's own kernel)" : ''}`, async () => {
      const [x, f, s, pad, d] = CASES[0]!;
      const ref = await onBackend('cpu', () => conv(x, f, s, pad, d, fused));
      const got = await onBackend('wasm', () => conv(x, f, s, pad, d, fused));
      expect(relErr(got.values, ref.values)).toBeLessThan(REL_TOL);
    });
  }

  it('gives the same convolution and gradients on one and on two threads', async () => {
    const run = () =>
      tf.tidy(() => {
        const x = tf.tensor4d(seeded(4 * 10 * 10 * 8, 5), [4, 10, 10, 8]);
        const w = tf.tensor4d(seeded(3 * 3 * 8 * 12, 6), [3, 3, 8, 12]);
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'))),
        )([x, w]);
        return [tf.conv2d(x, w, 1, 'same'), dx!, dw!].map((t) => Float32Array.from(t.dataSync()));
      });
    setThreads(1);
    const one = await onBackend('wasm', run);
    setThreads(2);
    const two = await onBackend('wasm', run);
    expect(two[0]).toEqual(one[0]); // each output element summed by one thread in one order
    expect(two[1]).toEqual(one[1]);
    expect(relErr(two[2]!, one[2]!)).toBeLessThan(1e-6); // per-thread partial sums added
  });
});

describe('3x3 stride-1 convolutions with 16+ channels go through Winograd F(4x4,3x3) and still equal cpu', () => {
  for (const algorithm of ['auto', 'direct'] as const) {
    it(`${algorithm}: forward and both gradients, x [2, 10, 9, 32] -> 32, 'same'`, async () => {
      const run = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(seeded(2 * 10 * 9 * 32, 7), [2, 10, 9, 32]);
          const w = tf.tensor4d(
            seeded(9 * 32 * 32, 8).map((v) => 0.2 * v),
            [3, 3, 32, 32],
          );
          const r = tf.tensor4d(seeded(2 * 10 * 9 * 32, 9), [2, 10, 9, 32]);
          const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), r)),
          )([x, w]);
          return [tf.conv2d(x, w, 1, 'same'), dx!, dw!].map((t) => Float32Array.from(t.dataSync()));
        });
      setConvAlgorithm(algorithm);
      const got = await onBackend('wasm', run);
      const ref = await onBackend('cpu', run);
      // F(4x4,3x3) rounding is ~5e-6 of the largest output (docs/winograd.md): within REL_TOL.
      ref.forEach((v, i) => {
        expect(relErr(got[i]!, v), `output ${i}`).toBeLessThan(REL_TOL);
      });
    });
  }
});

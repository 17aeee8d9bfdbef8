import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { isSwpruneKernel } from '../../../src/backend/tfjs-wasm/index.js';
import { onBackend, REL_TOL, relErr, seeded } from '../helpers.js';

const OPS = { add: tf.add, sub: tf.sub, mul: tf.mul, div: tf.div } as const;

// [a shape, b shape]: per-channel pairs take swprune's path, the rest wasm's kernels.
const PAIRS: [number[], number[]][] = [
  [[3, 5, 4, 6], [6]],
  [
    [3, 5, 4, 6],
    [1, 1, 1, 6],
  ],
  [[6], [3, 5, 4, 6]], // per-channel operand first
  [
    [1, 1, 1, 7],
    [2, 3, 3, 7],
  ], // 7 channels: a vector tail
  [[9, 5], [5]], // a dense layer's bias
  [[3, 5, 4, 6], []], // scalar: wasm's kernel
  [
    [3, 5, 4, 6],
    [3, 5, 4, 6],
  ], // same shape: wasm's kernel
  [
    [3, 5, 4, 6],
    [5, 1, 6],
  ], // another broadcast: wasm's kernel
];

function binary(op: keyof typeof OPS, a: number[], b: number[]): { values: Float32Array; shape: number[] } {
  return tf.tidy(() => {
    const x = tf.tensor(
      seeded(
        a.reduce((p, q) => p * q, 1),
        1,
      ),
      a,
    );
    // divisors away from 0
    const y = tf.tensor(
      seeded(
        b.reduce((p, q) => p * q, 1),
        2,
      ).map((v) => (op === 'div' ? 1.5 + v : v)),
      b,
    );
    const z = OPS[op](op === 'div' && a.length < b.length ? tf.add(x, 2.5) : x, y);
    return { values: Float32Array.from(z.dataSync()), shape: z.shape };
  });
}

describe('per-channel Add, Sub, Multiply, RealDiv on wasm equal cpu', () => {
  it('are registered for wasm', async () => {
    await onBackend('wasm', () =>
      ['Add', 'Sub', 'Multiply', 'RealDiv'].forEach((k) => {
        expect(isSwpruneKernel(k)).toBe(true);
      }),
    );
  });

  for (const op of Object.keys(OPS) as (keyof typeof OPS)[]) {
    for (const [a, b] of PAIRS) {
      it(`${op} ${JSON.stringify(a)} ${JSON.stringify(b)} (relative error < ${REL_TOL})`, async () => {
        const ref = await onBackend('cpu', () => binary(op, a, b));
        const got = await onBackend('wasm', () => binary(op, a, b));
        expect(got.shape).toEqual(ref.shape);
        expect(relErr(got.values, ref.values)).toBeLessThan(REL_TOL);
      });
    }
  }
});

describe('FusedBatchNorm on wasm equals cpu', () => {
  for (const [withScale, withOffset, statsShape] of [
    [true, true, [5]],
    [false, true, [5]],
    [true, false, [1, 1, 1, 5]],
    [true, true, []],
  ] as const) {
    it(`scale ${withScale}, offset ${withOffset}, statistics ${JSON.stringify(statsShape)}`, async () => {
      const f = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(seeded(2 * 3 * 4 * 5, 3), [2, 3, 4, 5]);
          const size = statsShape.reduce((p: number, q: number) => p * q, 1);
          const stat = (seed: number, lo: number) =>
            tf.tensor(
              seeded(size, seed).map((v) => lo + Math.abs(v)),
              [...statsShape],
            );
          const y = tf.batchNorm(
            x,
            stat(4, -0.5),
            stat(5, 0.2),
            withOffset ? stat(6, -1) : undefined,
            withScale ? stat(7, 0.5) : undefined,
            1e-3,
          );
          return Float32Array.from(y.dataSync());
        });
      expect(relErr(await onBackend('wasm', f), await onBackend('cpu', f))).toBeLessThan(REL_TOL);
    });
  }
});

describe('Cast and Identity on wasm share data instead of copying', () => {
  it('a cast to the same dtype and a clone keep their values after the original is disposed', async () => {
    await onBackend('wasm', () => {
      expect(isSwpruneKernel('Cast')).toBe(true);
      expect(isSwpruneKernel('Identity')).toBe(true);
      const before = tf.engine().backend.numDataIds();
      const x = tf.tensor([1, 2, 3]);
      const c = tf.cast(x, 'float32');
      const k = tf.clone(x);
      const i = tf.cast(x, 'int32');
      x.dispose();
      expect(Array.from(c.dataSync())).toEqual([1, 2, 3]);
      expect(Array.from(k.dataSync())).toEqual([1, 2, 3]);
      expect(i.dtype).toBe('int32');
      tf.dispose([c, k, i]);
      expect(tf.engine().backend.numDataIds()).toBe(before);
    });
  });
});

describe('the Mean gradient (registered by swprune) equals cpu', () => {
  for (const axes of [[0, 1, 2], [1, 2], [3], [0, 2]]) {
    it(`mean over ${JSON.stringify(axes)}`, async () => {
      const f = () =>
        tf.tidy(() => {
          const x = tf.tensor4d(seeded(2 * 3 * 4 * 5, 8), [2, 3, 4, 5]);
          const w = tf.tensor(seeded(2 * 3 * 4 * 5, 9), [2, 3, 4, 5]);
          const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.mean(tf.mul(t, w), axes), tf.mean(t, axes))))(x);
          return Float32Array.from(g.dataSync());
        });
      expect(relErr(await onBackend('wasm', f), await onBackend('cpu', f))).toBeLessThan(REL_TOL);
    });
  }
});

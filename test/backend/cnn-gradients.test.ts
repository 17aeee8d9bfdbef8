/**
 * The proof that training works on wasm: every variable's gradient of a small CNN classifier's
 * loss is the same on wasm (with swprune's kernels) as on the cpu reference backend.
 *
 *   conv3x3(same, no bias: batch norm cancels one; its gradient would be pure rounding noise) -
 *   batchnorm(batch stats) - relu - maxpool2 - conv3x3(stride 2, fused
 *   bias+relu) - avgpool2(stride 1) - flatten - dense (fused bias) - softmax cross-entropy
 *
 * and the same with conv - maxpool2 - batchnorm - relu, where the pooled values that are negative
 * still get a gradient: that is where wasm's own MaxPoolGrad goes wrong (it loses the gradient
 * of windows whose values are all <= 0; behind a ReLU those gradients are zero anyway).
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { onBackend, REL_TOL, relErr, seeded } from './helpers.js';

const N = 3;
const H = 12;
const CIN = 2;
const CLASSES = 5;
const SHAPES: Record<string, number[]> = {
  w1: [3, 3, CIN, 4],
  gamma: [4],
  beta: [4],
  w2: [3, 3, 4, 6],
  b2: [6],
  wd: [2 * 2 * 6, CLASSES],
  bd: [CLASSES],
};

type Order = 'bn-relu-pool' | 'pool-bn-relu';

function loss(order: Order, v: Record<string, tf.Variable>, x: tf.Tensor4D, labels: tf.Tensor2D): tf.Scalar {
  const c1 = tf.conv2d(x, v.w1 as tf.Variable<tf.Rank.R4>, 1, 'same');
  const bnRelu = (t: tf.Tensor4D): tf.Tensor4D => {
    const { mean, variance } = tf.moments(t, [0, 1, 2]);
    return tf.relu(tf.batchNorm(t, mean, variance, v.beta!, v.gamma!, 1e-3)) as tf.Tensor4D;
  };
  const p1 = order === 'bn-relu-pool' ? tf.maxPool(bnRelu(c1), 2, 2, 'valid') : bnRelu(tf.maxPool(c1, 2, 2, 'valid')); // 6x6
  const c2 = tf.fused.conv2d({ x: p1, filter: v.w2 as tf.Variable<tf.Rank.R4>, strides: 2, pad: 'same', bias: v.b2, activation: 'relu' }); // 3x3
  const p2 = tf.avgPool(c2, 2, 1, 'valid'); // 2x2
  const flat = tf.reshape(p2, [N, 2 * 2 * 6]);
  const logits = tf.fused.matMul({ a: flat, b: v.wd as tf.Variable<tf.Rank.R2>, bias: v.bd });
  return tf.losses.softmaxCrossEntropy(labels, logits) as tf.Scalar;
}

/** Loss and every gradient on the active backend, from the same seeded values. */
function lossAndGrads(order: Order): Record<string, Float32Array> {
  return tf.tidy(() => {
    const vars: Record<string, tf.Variable> = {};
    let seed = 10;
    for (const [name, shape] of Object.entries(SHAPES)) {
      const size = shape.reduce((a, b) => a * b);
      const init = name === 'gamma' ? seeded(size, seed++).map((g) => 1 + 0.5 * g) : seeded(size, seed++);
      vars[name] = tf.variable(tf.tensor(init, shape), true, `${name}_${tf.getBackend()}`);
    }
    const x = tf.tensor4d(seeded(N * H * H * CIN, 1), [N, H, H, CIN]);
    const labels = tf.oneHot(tf.tensor1d([0, 3, 4], 'int32'), CLASSES) as tf.Tensor2D;
    const { value, grads } = tf.variableGrads(() => loss(order, vars, x, labels), Object.values(vars));
    const out: Record<string, Float32Array> = { loss: Float32Array.from(value.dataSync()) };
    for (const [name, v] of Object.entries(vars)) out[name] = Float32Array.from(grads[v.name]!.dataSync());
    Object.values(vars).forEach((v) => {
      v.dispose();
    });
    return out;
  });
}

describe('small CNN: gradients on wasm equal cpu', () => {
  for (const order of ['bn-relu-pool', 'pool-bn-relu'] as const) {
    it(`${order}: every variable within REL_TOL of the largest cpu gradient of that variable`, async () => {
      const ref = await onBackend('cpu', () => lossAndGrads(order));
      const got = await onBackend('wasm', () => lossAndGrads(order));
      expect(Object.keys(got).sort()).toEqual(Object.keys(ref).sort());
      expect(relErr(got.loss!, ref.loss!)).toBeLessThan(REL_TOL);
      for (const name of Object.keys(SHAPES)) {
        const g = ref[name]!;
        expect(
          g.some((v) => v !== 0),
          `${name}: cpu gradient is all zero`,
        ).toBe(true);
        expect(relErr(got[name]!, g), name).toBeLessThan(REL_TOL);
      }
    });
  }

  it('repeated gradient computations on wasm allocate no lasting tensors', async () => {
    await onBackend('wasm', () => {
      lossAndGrads('pool-bn-relu');
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) lossAndGrads('pool-bn-relu');
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});

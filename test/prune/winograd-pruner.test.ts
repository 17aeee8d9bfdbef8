import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/exec/index.js';
import type { Graph } from '../../src/graph/ir.js';
import { WINOGRAD_CONV } from '../../src/graph/ir.js';
import { MaskHooks } from '../../src/train/masking.js';
import { type ImportanceSetting, winogradPruner } from '../../src/prune/winograd-pruner.js';
import { winogradTargets } from '../../src/prune/targets.js';
import { Optimizer } from '../../src/train/optimizer.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// F(2x2,3x3) from docs/method.md, typed in here so the hand computation is independent of src/winograd.
const BT = [
  [1, 0, -1, 0],
  [0, 1, 1, 0],
  [0, -1, 1, 0],
  [0, 1, 0, -1],
];
const AT = [
  [1, 1, 1, 0],
  [0, 1, -1, -1],
];
const mul = (a: number[][], b: number[][]) => a.map((r) => b[0]!.map((_, j) => r.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const tr = (a: number[][]) => a[0]!.map((_, j) => a.map((r) => r[j]!));

/** One WinogradConv: input [1, 1, 4, 4] (one tile), output [1, 1, 2, 2]. */
function tinyGraph(w: number[]): Graph {
  return {
    inputs: [{ name: 'x', dims: [null, 1, 4, 4], layout: 'NCHW' }],
    outputs: [{ name: 'y', dims: [null, 1, 2, 2] }],
    nodes: [
      {
        name: 'wconv',
        op: 'WinogradConv',
        domain: WINOGRAD_CONV.domain,
        inputs: ['x', 'W'],
        outputs: ['y'],
        attrs: { tile: 4, m: 2, kernel: 3, pads: [0, 0, 0, 0] },
      },
    ],
    params: new Map([['W', { name: 'W', dims: [1, 1, 4, 4], data: Float32Array.from(w) }]]),
    opset: 13,
  };
}

describe('Winograd-domain retraining step (tiny layer, hand-computed update)', () => {
  // Loss L = sum(Y ⊙ C). With Y = A^T (W ⊙ V) A and V = B^T d B: dL/dW = V ⊙ (A C A^T).
  const d = [
    [0.5, -1, 2, 0.25],
    [1.5, 0.75, -0.5, 1],
    [-2, 0.5, 1, -1],
    [0.25, 1, -0.75, 0.5],
  ];
  const C = [
    [1, -2],
    [0.5, 3],
  ];
  const w0 = Array.from({ length: 16 }, (_, k) => ((k * 7) % 11) / 10 - 0.45);
  const lr = 0.1;

  for (const setting of [
    { importance: true, norm: 'none' as const, power: 2 },
    { importance: true, norm: 'min' as const, power: 1.5 },
    { importance: true, norm: 'none' as const, power: 2, gain: 64 },
    { importance: false, norm: 'none' as const, power: 2 },
  ] as ImportanceSetting[]) {
    it(`W <- W - lr * gain * Γ^-p * mask * dL/dW (${setting.importance ? `norm ${setting.norm}, p ${setting.power}, gain ${setting.gain ?? 1}` : 'no importance'}; 1e-5 relative)`, () => {
      const graph = tinyGraph(w0);
      const pruner = winogradPruner(winogradTargets(graph), setting);
      const { masks } = pruner.prune(graph, 0.25);
      const mask = Array.from(masks.get('W')!);
      expect(mask.filter((v) => v === 0)).toHaveLength(4);
      const model = compileGraph(graph);
      const hooks = new MaskHooks(model, pruner, masks);
      const optimizer = new Optimizer({ kind: 'sgd', momentum: 0, weightDecay: 0 }, model.trainable, hooks.hooks);
      const x = tf.tensor4d(d.flat(), [1, 4, 4, 1]);
      const c = tf.tensor2d(C.flat(), [1, 4]);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(model.forward(x), c)) as tf.Scalar, [...model.trainable.values()]);
      const byVarName = new Map([...model.trainable].map(([name, v]) => [v.name, name]));
      optimizer.step(new Map(Object.entries(grads).map(([vn, g]) => [byVarName.get(vn)!, g])), lr);
      const w1 = model.toGraph().params.get('W')!.data as Float32Array;

      const V = mul(mul(BT, d), tr(BT));
      const dM = mul(mul(tr(AT), C), AT);
      // Γ[i][j] = k_i k_j, k_i = ||row i of B^T|| * ||column i of A^T||; 'min' divides by min Γ.
      const k = BT.map((row, i) => Math.hypot(...row) * Math.hypot(...AT.map((r) => r[i]!)));
      const gammaMin = Math.min(...k) ** 2;
      for (let i = 0; i < 4; i++)
        for (let j = 0; j < 4; j++) {
          const q = i * 4 + j;
          const gamma = (k[i]! * k[j]!) / (setting.norm === 'min' ? gammaMin : 1);
          const scale = setting.importance ? (setting.gain ?? (setting.power === 2 ? 8 : 1)) * gamma ** -setting.power : 1; // default gain of F(2x2,3x3) at p = 2: 8
          const expected = mask[q] ? w0[q]! - lr * scale * V[i]![j]! * dM[i]![j]! : 0;
          if (mask[q]) expect(Math.abs(w1[q]! - expected)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(expected)));
          else expect(Object.is(w1[q], 0)).toBe(true);
        }
      tf.dispose([x, c, ...Object.values(grads)]);
      optimizer.dispose();
      model.dispose();
    });
  }
});

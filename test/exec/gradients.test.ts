import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/exec/compile.js';
import { cleanUpGraph } from '../../src/graph/cleanup/index.js';
import { getTile } from '../../src/winograd/tiles.js';
import { onBackend, relErr, seeded } from '../backend/helpers.js';
import { opCase, type OpCase } from './op-graphs.js';

/**
 * Forward and backward of every op family the model families use, on wasm (the backend that
 * runs here) against cpu (tfjs's reference): outputs, the input gradient and every learned
 * parameter's gradient of sum(y * R), R fixed. Tolerance: max |wasm - cpu| / max |cpu| <= 1e-4.
 * Ops whose gradient swprune builds itself (reflect/edge Pad, strided Slice, ceil_mode pooling,
 * grouped Winograd) are also checked against central finite differences on cpu.
 */
const TOL = 1e-4;

const T6 = getTile(6, 3);
const CASES: OpCase[] = [
  opCase('Conv group 2, stride 2, asymmetric pads', {
    op: 'Conv',
    x: [2, 4, 7, 6],
    nhwc: true,
    attrs: { group: 2, strides: [2, 2], pads: [1, 0, 2, 1], kernel_shape: [3, 3] },
    params: [{ dims: [6, 2, 3, 3] }, { dims: [6] }],
  }),
  opCase('Conv depthwise x2 (mult 2), dilation 2', {
    op: 'Conv',
    x: [2, 3, 9, 8],
    nhwc: true,
    attrs: { group: 3, dilations: [2, 2], pads: [2, 2, 2, 2] },
    params: [{ dims: [6, 1, 3, 3] }],
  }),
  opCase('Conv dilation 2, pads 2', {
    op: 'Conv',
    x: [2, 3, 8, 9],
    nhwc: true,
    attrs: { dilations: [2, 2], pads: [2, 1, 2, 2] },
    params: [{ dims: [4, 3, 3, 3] }, { dims: [4] }],
  }),
  opCase('Conv depthwise, stride 2, SAME_UPPER', {
    op: 'Conv',
    x: [1, 4, 7, 7],
    attrs: { group: 4, strides: [2, 2], auto_pad: 'SAME_UPPER' },
    params: [{ dims: [4, 1, 3, 3] }, { dims: [4] }],
  }),
  opCase('WinogradConv group 2 F(4x4,3x3)', {
    op: 'WinogradConv',
    domain: 'ai.swprune',
    x: [2, 4, 9, 7],
    nhwc: true,
    attrs: { tile: 6, m: 4, kernel: 3, pads: [1, 1, 1, 1], group: 2 },
    params: [{ dims: [6, 2, T6.T, T6.T] }, { dims: [6] }],
  }),
  opCase('WinogradConv depthwise F(4x4,3x3)', {
    op: 'WinogradConv',
    domain: 'ai.swprune',
    x: [2, 5, 8, 8],
    nhwc: true,
    attrs: { tile: 6, m: 4, kernel: 3, pads: [1, 1, 1, 1], group: 5 },
    params: [{ dims: [5, 1, T6.T, T6.T] }],
  }),
  opCase('WinogradConv depthwise x2 F(2x2,3x3)', {
    op: 'WinogradConv',
    domain: 'ai.swprune',
    x: [1, 3, 6, 7],
    nhwc: true,
    attrs: { tile: 4, m: 2, kernel: 3, pads: [0, 1, 1, 0], group: 3 },
    params: [{ dims: [6, 1, 4, 4] }],
  }),
  opCase('MaxPool 3x3/2 ceil_mode, pads', {
    op: 'MaxPool',
    x: [2, 3, 8, 9],
    nhwc: true,
    attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1, pads: [1, 0, 0, 1] },
  }),
  opCase('AveragePool 3x3/2 ceil_mode, count_include_pad', {
    op: 'AveragePool',
    x: [2, 3, 8, 9],
    nhwc: true,
    attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1, pads: [1, 1, 1, 1], count_include_pad: 1 },
  }),
  opCase('AveragePool 2x2/2 ceil_mode', {
    op: 'AveragePool',
    x: [1, 2, 7, 5],
    attrs: { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 },
  }),
  opCase('GlobalMaxPool', { op: 'GlobalMaxPool', x: [2, 3, 5, 4], nhwc: true }),
  opCase('ReduceMean over H, W, keepdims 0', {
    op: 'ReduceMean',
    x: [2, 3, 5, 4],
    nhwc: true,
    attrs: { keepdims: 0 },
    params: [{ dims: [2], data: [2, 3], int: true }],
  }),
  opCase('ReduceMean over H, keepdims 0 (logical order)', {
    op: 'ReduceMean',
    x: [2, 3, 5, 4],
    nhwc: true,
    attrs: { keepdims: 0 },
    params: [{ dims: [1], data: [2], int: true }],
  }),
  opCase('Slice step 2 on H and W (option-A shortcut)', {
    op: 'Slice',
    x: [2, 3, 8, 7],
    nhwc: true,
    params: [
      { dims: [2], data: [0, 0], int: true },
      { dims: [2], data: [100, 100], int: true },
      { dims: [2], data: [2, 3], int: true },
      { dims: [2], data: [2, 2], int: true },
    ],
  }),
  opCase('Slice channels, negative step', {
    op: 'Slice',
    x: [2, 6, 4, 4],
    nhwc: true,
    params: [
      { dims: [1], data: [-1], int: true },
      { dims: [1], data: [-100], int: true },
      { dims: [1], data: [1], int: true },
      { dims: [1], data: [-2], int: true },
    ],
  }),
  opCase('Split channels 2+4', {
    op: 'Split',
    x: [2, 6, 3, 3],
    nhwc: true,
    attrs: { axis: 1 },
    params: [{ dims: [2], data: [2, 4], int: true }],
    outputs: 2,
  }),
  opCase('Pad reflect', {
    op: 'Pad',
    x: [1, 2, 5, 6],
    nhwc: true,
    attrs: { mode: 'reflect' },
    params: [{ dims: [8], data: [0, 0, 2, 1, 0, 0, 1, 3], int: true }],
  }),
  opCase('Pad edge', {
    op: 'Pad',
    x: [1, 2, 5, 6],
    attrs: { mode: 'edge' },
    params: [{ dims: [8], data: [0, 1, 2, 1, 0, 0, 1, 2], int: true }],
  }),
  opCase('Pad constant with channel zeros (option-A shortcut)', {
    op: 'Pad',
    x: [2, 3, 4, 4],
    nhwc: true,
    params: [{ dims: [8], data: [0, 2, 0, 0, 0, 2, 0, 0], int: true }],
  }),
  opCase('Mul broadcast (squeeze-excitation)', { op: 'Mul', x: [2, 4, 5, 5], nhwc: true, params: [{ dims: [4, 1, 1] }] }),
  opCase('Div, Pow-free broadcast', { op: 'Div', x: [2, 3, 4, 4], nhwc: true, params: [{ dims: [1, 3, 1, 1], data: [2, -3, 5] }] }),
  opCase('PRelu per channel', { op: 'PRelu', x: [2, 3, 4, 4], nhwc: true, params: [{ dims: [3, 1, 1] }] }),
  opCase('Gemm transA, alpha, beta', {
    op: 'Gemm',
    x: [5, 3],
    attrs: { transA: 1, transB: 1, alpha: 0.5, beta: 2 },
    params: [{ dims: [4, 5] }, { dims: [4] }],
  }),
  opCase('BatchNormalization (inference)', {
    op: 'BatchNormalization',
    x: [2, 3, 4, 4],
    nhwc: true,
    params: [{ dims: [3] }, { dims: [3] }, { dims: [3] }, { dims: [3], data: [0.5, 1, 2] }],
  }),
  opCase('LogSoftmax', { op: 'LogSoftmax', x: [3, 7], attrs: { axis: 1 } }),
  ...[
    'Elu',
    'Selu',
    'Celu',
    'HardSigmoid',
    'HardSwish',
    'Softplus',
    'Softsign',
    'Mish',
    'Gelu',
    'LeakyRelu',
    'Sigmoid',
    'Tanh',
    'ThresholdedRelu',
    'Erf',
  ].map((op) => opCase(op, { op, x: [2, 3, 4, 4], nhwc: true, attrs: op === 'ThresholdedRelu' ? { alpha: 0.2 } : {} })),
  opCase('Clip (ReLU6)', {
    op: 'Clip',
    x: [2, 3, 4, 4],
    nhwc: true,
    params: [
      { dims: [], data: [0] },
      { dims: [], data: [6] },
    ],
  }),
];

/** Outputs and gradients (input first, then each learned parameter by name) on the active backend. */
function run(c: OpCase): { outputs: Float32Array[]; grads: Map<string, Float32Array> } {
  const model = compileGraph(cleanUpGraph(c.graph).graph);
  try {
    let result: { outputs: Float32Array[]; grads: Map<string, Float32Array> } | undefined;
    tf.tidy(() => {
      const x = tf.tensor(c.input.data, [...c.input.dims]);
      const ys = model.evaluate(new Map([['input', x]])) as tf.Tensor[];
      const Rs = ys.map((y, i) => tf.tensor(seeded(y.size, 7 + i), y.shape));
      const loss = (input: tf.Tensor) =>
        tf.addN((model.evaluate(new Map([['input', input]])) as tf.Tensor[]).map((y, i) => tf.sum(tf.mul(y, Rs[i]!))));
      const dx = tf.grad(loss)(x);
      const out = new Map<string, Float32Array>([['input', dx.dataSync() as Float32Array]]);
      const vars = [...model.trainable.values()];
      if (vars.length > 0) {
        const { grads } = tf.variableGrads(() => loss(x) as tf.Scalar, vars);
        for (const [name, v] of model.trainable) out.set(name, grads[v.name]!.dataSync() as Float32Array);
      }
      result = { outputs: ys.map((y) => y.dataSync() as Float32Array), grads: out };
    });
    return result!;
  } finally {
    model.dispose();
  }
}

describe('executor ops forward and backward: wasm equals cpu', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const ref = await onBackend('cpu', () => run(c));
      const got = await onBackend('wasm', () => run(c));
      ref.outputs.forEach((o, i) => {
        expect(relErr(got.outputs[i]!, o)).toBeLessThanOrEqual(TOL);
      });
      expect([...got.grads.keys()]).toEqual([...ref.grads.keys()]);
      for (const [name, g] of ref.grads) expect(relErr(got.grads.get(name)!, g), name).toBeLessThanOrEqual(TOL);
    });
  }
});

/** Central finite differences of sum(y * R) w.r.t. a few input elements, on cpu. */
describe('gradients swprune builds itself equal finite differences (cpu)', () => {
  const STEP = 1e-2;
  const FD_TOL = 2e-2;
  const chosen = CASES.filter((c) =>
    /Pad reflect|Pad edge|Slice step|AveragePool.*ceil_mode|WinogradConv group 2|depthwise F\(4x4|dilation 2/.test(c.name),
  );
  for (const c of chosen) {
    it(c.name, async () => {
      await onBackend('cpu', () => {
        const model = compileGraph(cleanUpGraph(c.graph).graph);
        const value = (data: Float32Array) =>
          tf.tidy(() => {
            const ys = model.evaluate(new Map([['input', tf.tensor(data, [...c.input.dims])]])) as tf.Tensor[];
            return ys.reduce((s, y, i) => s + (tf.sum(tf.mul(y, tf.tensor(seeded(y.size, 7 + i), y.shape))).dataSync()[0] as number), 0);
          });
        const dx = run(c).grads.get('input')!;
        const scale = Math.max(...Array.from(dx, Math.abs));
        for (let k = 0; k < c.input.data.length; k += Math.max(1, Math.floor(c.input.data.length / 23))) {
          const plus = Float32Array.from(c.input.data);
          const minus = Float32Array.from(c.input.data);
          plus[k]! += STEP;
          minus[k]! -= STEP;
          const fd = (value(plus) - value(minus)) / (2 * STEP);
          expect(Math.abs(fd - dx[k]!) / scale, `element ${k}`).toBeLessThan(FD_TOL);
        }
        model.dispose();
      });
    });
  }
});

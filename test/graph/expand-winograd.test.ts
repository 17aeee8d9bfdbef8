import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/exec/index.js';
import { expandWinogradGraph } from '../../src/graph/expand-winograd.js';
import type { Graph } from '../../src/graph/ir.js';
import { encodeFreshOnnx, encodeOnnx, readOnnx } from '../../src/io/onnx/index.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { mulberry32 } from '../../src/data/rng.js';
import { ONNX_FIXTURES } from '../helpers/fixtures.js';
import { runOnnxRuntime } from '../helpers/onnxruntime.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** The Winograd form of a fixture with about half of every W zeroed (so zeros must stay exact). */
function prunedWinograd(path: string, tile: number): { graph: Graph; loaded: ReturnType<typeof readOnnx> } {
  const loaded = readOnnx(path);
  const graph = toWinogradGraph(loaded.graph, selectTargets(loaded.graph, { tile }));
  const rand = mulberry32(5);
  for (const n of graph.nodes.filter((x) => x.op === 'WinogradConv')) {
    const w = graph.params.get(n.inputs[1]!)!.data as Float32Array;
    for (let i = 0; i < w.length; i++) if (rand() < 0.5) w[i] = 0;
  }
  return { graph, loaded };
}

function expand(graph: Graph): Graph {
  const model = compileGraph(graph);
  const shapes = model.valueShapes();
  model.dispose();
  return expandWinogradGraph(graph, (n) => shapes.get(n.inputs[0]!)!.slice(1));
}

/** Our executor's logits on NCHW input data. */
function executorLogits(graph: Graph, data: Float32Array, dims: number[]): Float32Array {
  const model = compileGraph(graph);
  const [n, c, h, w] = dims as [number, number, number, number];
  const y = tf.tidy(
    () => model.forward(tf.transpose(tf.tensor4d(data, [n, c, h, w]), [0, 2, 3, 1]) as tf.Tensor4D).dataSync() as Float32Array,
  );
  model.dispose();
  return y;
}

function expectClose(actual: Float32Array, expected: Float32Array, relative: number): void {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(...Array.from(expected, Math.abs));
  actual.forEach((v, i) => {
    expect(Math.abs(v - expected[i]!) / scale).toBeLessThan(relative);
  });
}

describe('expandWinogradGraph (standard ONNX ops for WinogradConv)', () => {
  const cases = [
    { name: 'fashion-vgg F(4x4,3x3)', path: ONNX_FIXTURES.fashionVgg, tile: 6, dims: [3, 1, 28, 28] },
    { name: 'fashion-vgg F(2x2,3x3)', path: ONNX_FIXTURES.fashionVgg, tile: 4, dims: [2, 1, 28, 28] },
    { name: 'resnet-small F(4x4,3x3) (residual, crop of partial tiles)', path: ONNX_FIXTURES.resnetSmall, tile: 6, dims: [2, 1, 28, 28] },
  ];
  for (const c of cases) {
    it(`${c.name}: onnxruntime runs the expanded file to our executor's logits (1e-4 of max |logit|)`, async () => {
      const { graph, loaded } = prunedWinograd(c.path, c.tile);
      const expanded = expand(graph);
      expect(expanded.nodes.some((n) => n.op === 'WinogradConv')).toBe(false);
      expect(expanded.nodes.every((n) => n.domain === '')).toBe(true);
      const rand = mulberry32(9);
      const data = Float32Array.from({ length: c.dims.reduce((a, b) => a * b) }, () => rand() * 2 - 1);
      const ort = await runOnnxRuntime(encodeOnnx(loaded, expanded), { data, dims: c.dims });
      expectClose(ort.data, executorLogits(graph, data, c.dims), 1e-4);
    });
  }

  it('writes Pad with an attribute below opset 11 (onnxruntime agrees at opset 10)', async () => {
    const { graph } = prunedWinograd(ONNX_FIXTURES.fashionVgg, 6);
    const expanded = { ...expand({ ...graph, opset: 10 }) };
    const pads = expanded.nodes.filter((n) => n.op === 'Pad');
    expect(pads.length).toBeGreaterThan(0);
    expect(pads.every((n) => n.inputs.length === 1 && Array.isArray(n.attrs.pads))).toBe(true);
    const rand = mulberry32(3);
    const dims = [2, 1, 28, 28];
    const data = Float32Array.from({ length: 2 * 784 }, () => rand());
    const ort = await runOnnxRuntime(encodeFreshOnnx(expanded), { data, dims });
    expectClose(ort.data, executorLogits(graph, data, dims), 1e-4);
  });

  it('keeps the pruned zeros of W as exact zeros in the per-position weight constant', () => {
    const { graph } = prunedWinograd(ONNX_FIXTURES.fashionVgg, 6);
    const expanded = expand(graph);
    for (const n of graph.nodes.filter((x) => x.op === 'WinogradConv')) {
      const w = graph.params.get(n.inputs[1]!)!.data as Float32Array;
      const constant = expanded.params.get(`${n.name}/expand/weight`)!.data as Float32Array;
      const zeros = (a: Float32Array) => a.reduce((z, v) => z + (v === 0 ? 1 : 0), 0);
      expect(zeros(constant)).toBe(zeros(w));
      expect(graph.params.has(n.inputs[1]!) && !expanded.params.has(n.inputs[1]!)).toBe(true);
    }
  });
});

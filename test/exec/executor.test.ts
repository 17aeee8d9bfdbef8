import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph, imageInputShape } from '../../src/exec/index.js';
import type { Graph, GraphNode, Param } from '../../src/graph/ir.js';
import { readOnnx } from '../../src/io/onnx/index.js';
import { getTile } from '../../src/winograd/tiles.js';
import { winogradWeight } from '../../src/winograd/winograd-weight.js';
import { ONNX_FIXTURES } from '../helpers/fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const bytes = (p: Param) => Buffer.from(p.data.buffer, p.data.byteOffset, p.data.byteLength);
const images = (n: number, seed = 1) => tf.randomNormal([n, 28, 28, 1], 0, 1, 'float32', seed) as tf.Tensor4D;

describe('compileGraph', () => {
  it('toGraph gives back every parameter bit-identical (exact layout transposes)', () => {
    const graph = readOnnx(ONNX_FIXTURES.resnetSmall).graph;
    const model = compileGraph(graph);
    const back = model.toGraph();
    expect(model.trainable.size).toBeGreaterThan(10);
    for (const [name, p] of graph.params) expect(bytes(back.params.get(name)!).equals(bytes(p))).toBe(true);
    model.dispose();
  });

  it('reports image input shape and logical value shapes', () => {
    const graph = readOnnx(ONNX_FIXTURES.fashionVgg).graph;
    expect(imageInputShape(graph)).toEqual({ height: 28, width: 28, channels: 1 });
    const model = compileGraph(graph);
    const shapes = model.valueShapes();
    expect(shapes.get('/features/features.6/MaxPool_output_0')).toEqual([1, 16, 14, 14]);
    expect(shapes.get('logits')).toEqual([1, 10]);
    model.dispose();
  });

  it('training mode: BN uses batch statistics and moves running stats by the momentum; no leaks', () => {
    const graph = readOnnx(ONNX_FIXTURES.fashionVgg).graph;
    const model = compileGraph(graph);
    const x = images(8);
    const meanName = 'features.1.running_mean';
    const before = Float32Array.from(model.variables.get(meanName)!.dataSync());
    const inference1 = model.forward(x);
    const tensors = tf.memory().numTensors;
    const train = model.forward(x, { training: true });
    expect(tf.memory().numTensors).toBe(tensors + 1);
    const after = model.variables.get(meanName)!.dataSync();
    // Independent check of the first BN's update: batch mean of the first conv's output.
    const conv = tf.tidy(() => {
      const w = tf.transpose(tf.tensor4d(graph.params.get('features.0.weight')!.data as Float32Array, [16, 1, 3, 3]), [2, 3, 1, 0]);
      return tf.mean(tf.conv2d(x, w as tf.Tensor4D, 1, 'same'), [0, 1, 2]).dataSync();
    });
    after.forEach((v, c) => {
      expect(Math.abs(v - (0.9 * before[c]! + 0.1 * conv[c]!))).toBeLessThan(1e-5);
    });
    const inference2 = model.forward(x);
    expect(tf.max(tf.abs(tf.sub(train, inference1))).dataSync()[0]).toBeGreaterThan(1e-3);
    expect(tf.max(tf.abs(tf.sub(inference2, inference1))).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, inference1, inference2, train]);
    model.dispose();
  });

  it('gradients reach every trainable variable', () => {
    const model = compileGraph(readOnnx(ONNX_FIXTURES.resnetSmall).graph);
    const x = images(4, 3);
    const labels = tf.oneHot(tf.tensor1d([1, 2, 3, 4], 'int32'), 10);
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(labels, model.forward(x, { training: true })) as tf.Scalar,
    );
    expect(Object.keys(grads).sort()).toEqual([...model.trainable.values()].map((v) => v.name).sort());
    for (const g of Object.values(grads)) expect(tf.sum(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, labels, value, ...Object.values(grads)]);
    model.dispose();
  });

  it('a WinogradConv node with W = G g G^T computes the same as the Conv (1e-4 relative)', () => {
    const graph = readOnnx(ONNX_FIXTURES.fashionVgg).graph;
    const convNode = graph.nodes.find((n) => n.name === '/features/features.3/Conv')!;
    const g = graph.params.get('features.3.weight')!;
    const tile = getTile(6);
    const w64 = winogradWeight(tile, g.data as Float32Array, 16, 16);
    // [T*T, Cin, Cout] -> ONNX [Cout, Cin, T, T]
    const w = new Float32Array(w64.length);
    for (let q = 0; q < 36; q++)
      for (let ci = 0; ci < 16; ci++) for (let co = 0; co < 16; co++) w[(co * 16 + ci) * 36 + q] = w64[(q * 16 + ci) * 16 + co]!;
    const wino: GraphNode = {
      name: 'wino',
      op: 'WinogradConv',
      domain: 'ai.swprune',
      inputs: [convNode.inputs[0]!, 'wino.W'],
      outputs: convNode.outputs,
      attrs: { tile: 6, kernel: 3, pads: [1, 1, 1, 1] },
    };
    const params = new Map(graph.params);
    params.set('wino.W', { name: 'wino.W', dims: [16, 16, 6, 6], data: w });
    const wg: Graph = { ...graph, nodes: graph.nodes.map((n) => (n === convNode ? wino : n)), params };
    const a = compileGraph(graph);
    const b = compileGraph(wg);
    const x = images(3, 5);
    const ya = a.forward(x).dataSync();
    const yb = b.forward(x).dataSync();
    const scale = Math.max(...Array.from(ya, Math.abs));
    ya.forEach((v, i) => {
      expect(Math.abs(v - yb[i]!) / scale).toBeLessThan(1e-4);
    });
    const back = b.toGraph().params.get('wino.W')!;
    expect(bytes(back).equals(bytes(params.get('wino.W')!))).toBe(true);
    a.dispose();
    b.dispose();
    x.dispose();
  });

  it('an op outside the table is an E_UNSUPPORTED_OP error naming op, node and opset', () => {
    const graph = readOnnx(ONNX_FIXTURES.smallCnn).graph;
    const bad = { ...graph, nodes: graph.nodes.map((n, i) => (i === 1 ? { ...n, op: 'NonMaxSuppression' } : n)) };
    expect(() => compileGraph(bad)).toThrow(
      /node "\/Relu" uses op NonMaxSuppression \(opset 11\), which swprune does not support; supported ops: Conv/,
    );
  });
});

describe('dropout in training', () => {
  it('is identity at inference and repeats its mask for the same seed', async () => {
    const { loadModel } = await import('../../src/io/load.js');
    const { repoPath } = await import('../helpers/fixtures.js');
    const model = compileGraph(loadModel(repoPath('test/fixtures/tfjs/seq-cnn')).graph);
    const x = images(2, 9);
    const run = (o: { training?: boolean; seed?: number }) => Array.from(model.forward(x, o).dataSync());
    expect(run({})).toEqual(run({}));
    expect(run({ training: true, seed: 5 })).toEqual(run({ training: true, seed: 5 }));
    expect(run({ training: true, seed: 5 })).not.toEqual(run({ training: true, seed: 6 }));
    model.dispose();
    x.dispose();
  });
});

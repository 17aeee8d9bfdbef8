import * as tf from '@tensorflow/tfjs';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/exec/compile.js';
import type { Graph, GraphNode, Param } from '../../src/graph/ir.js';
import { staticShapes } from '../../src/graph/static-shapes.js';
import { LIMITS, validateGraph } from '../../src/graph/validate.js';
import { loadModel } from '../../src/io/load.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { ONNX_FIXTURES, repoPath } from '../helpers/fixtures.js';

/**
 * The validation pass must never refuse a model that runs: its static shapes agree with the
 * executor's traced shapes on every committed real export, and its size formula with the
 * executor's. The refusals themselves are tested end to end in test/safety/models.test.ts.
 */
const TORCHVISION = repoPath('test/fixtures/torchvision');
const MODELS = [
  ...Object.values(ONNX_FIXTURES),
  ...readdirSync(TORCHVISION)
    .filter((f) => f.endsWith('.onnx'))
    .map((f) => join(TORCHVISION, f)),
  ...['seq-cnn', 'residual', 'mobile', 'activations'].map((d) => repoPath(`test/fixtures/tfjs/${d}`)),
  repoPath('models/fashion-vgg-tfjs'),
];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('static shapes agree with the executor on every committed model', () => {
  for (const path of MODELS) {
    it(path.slice(repoPath('').length), () => {
      const loaded = loadModel(path);
      const shapes = staticShapes(loaded.graph);
      const model = compileGraph(loaded.graph);
      try {
        const traced = model.valueShapes();
        let compared = 0;
        for (const [name, s] of shapes) {
          // Node outputs only: the trace records an NHWC input in logical NCHW order.
          if (loaded.graph.params.has(name) || loaded.graph.inputs.some((i) => i.name === name) || !traced.has(name)) continue;
          expect([name, [...s]]).toEqual([name, [...traced.get(name)!]]);
          compared++;
        }
        // The chain from the input is followed at least to the first convolution (ops the
        // rules do not know, such as Slice or Split, end a chain: the checks after them are skipped).
        const first = loaded.graph.nodes.find((n) => n.op === 'Conv');
        if (first) expect(shapes.has(first.outputs[0]!)).toBe(true);
        expect(compared).toBeGreaterThan(0);
      } finally {
        model.dispose();
      }
    });
  }
});

describe('Winograd form', () => {
  it('validates, and its static shapes agree with the executor, for tiles 4, 6 and 8 (grouped layers included)', () => {
    for (const [path, tile] of [
      [ONNX_FIXTURES.fashionVgg, 4],
      [ONNX_FIXTURES.resnetSmall, 6],
      [repoPath('test/fixtures/torchvision/mobilenet_v2-eval-op13.onnx'), 8],
    ] as const) {
      const loaded = loadModel(path);
      const graph = toWinogradGraph(loaded.graph, selectTargets(loaded.graph, { tile }));
      expect(graph.nodes.some((n) => n.op === 'WinogradConv')).toBe(true);
      expect(validateGraph(graph).warnings).toEqual([]);
      const shapes = staticShapes(graph);
      const model = compileGraph(graph);
      try {
        const traced = model.valueShapes();
        const winograd = graph.nodes.filter((n) => n.op === 'WinogradConv' && shapes.has(n.outputs[0]!));
        expect(winograd.length).toBeGreaterThan(0);
        for (const n of winograd) expect([n.name, [...shapes.get(n.outputs[0]!)!]]).toEqual([n.name, [...traced.get(n.outputs[0]!)!]]);
      } finally {
        model.dispose();
      }
    }
  });
});

describe('validateGraph on small graphs', () => {
  const p = (name: string, dims: number[], fill = 0.1): Param => ({
    name,
    dims,
    data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(fill),
  });
  const conv = (name: string, x: string, w: string, attrs: GraphNode['attrs']): GraphNode => ({
    name,
    op: 'Conv',
    domain: '',
    inputs: [x, w],
    outputs: [`${name}_out`],
    attrs,
  });
  const graph = (nodes: GraphNode[], params: Param[], dims: (number | null)[] = [null, 8, 16, 16]): Graph => ({
    inputs: [{ name: 'x', dims, layout: 'NCHW' }],
    outputs: [{ name: nodes.at(-1)!.outputs[0]!, dims: [] }],
    nodes,
    params: new Map(params.map((q) => [q.name, q])),
    opset: 13,
  });

  it('accepts a depthwise convolution and refuses one whose group does not give the input channels', () => {
    const ok = graph([conv('dw', 'x', 'w', { group: 8, kernel_shape: [3, 3], pads: [1, 1, 1, 1] })], [p('w', [8, 1, 3, 3])]);
    expect(validateGraph(ok).warnings).toEqual([]);
    const bad = graph([conv('dw', 'x', 'w', { group: 4, kernel_shape: [3, 3] })], [p('w', [8, 1, 3, 3])]);
    expect(() => validateGraph(bad)).toThrow(
      /node "dw" \(Conv\): its input has 8 channels, but weight "w" of dims \[8, 1, 3, 3\] with group 4 expects 4/,
    );
  });

  it('skips the channel check after an op it does not follow, rather than guessing', () => {
    const split: GraphNode = { name: 'sq', op: 'Squeeze', domain: '', inputs: ['x'], outputs: ['y'], attrs: {} };
    const g = graph([split, conv('c', 'y', 'w', {})], [p('w', [4, 3, 3, 3])]);
    expect(validateGraph(g).warnings).toEqual([]);
  });

  it('refuses an activation above the bound even when the input is within it', () => {
    const big = Math.ceil(Math.sqrt(LIMITS.activationValues / 64)) + 1;
    const g = graph([conv('c', 'x', 'w', { pads: [0, 0, 0, 0] })], [p('w', [64, 1, 1, 1])], [1, 1, big, big]);
    expect(() => validateGraph(g)).toThrow(
      new RegExp(`node "c" \\(Conv\\): its output \\[1, 64, ${big}, ${big}\\] has \\d+ values per example`),
    );
  });

  it('counts non-finite weights in the warning', () => {
    const w = p('w', [4, 8, 1, 1]);
    (w.data as Float32Array).set([Number.NaN, Infinity, -Infinity]);
    expect(validateGraph(graph([conv('c', 'x', 'w', {})], [w])).warnings).toEqual([
      '3 weights are NaN or infinite (in "w"); the model\'s outputs will not be meaningful',
    ]);
  });
});

import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cleanUpGraph } from '../../src/graph/cleanup/index.js';
import type { AttrValue, Graph, GraphNode, Param } from '../../src/graph/ir.js';
import { toCanonicalForms, toOpsetForms } from '../../src/graph/opset-forms.js';
import { readOnnx } from '../../src/io/onnx/index.js';
import { ONNX_FIXTURES, repoPath } from '../helpers/fixtures.js';

const node = (name: string, op: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}): GraphNode => ({
  name,
  op,
  domain: '',
  inputs,
  outputs,
  attrs,
});
const f32 = (name: string, dims: number[], values?: number[]): Param => ({
  name,
  dims,
  data: Float32Array.from(values ?? Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => i + 1)),
});
const graphOf = (nodes: GraphNode[], params: Param[], opset = 13, output = nodes.at(-1)!.outputs[0]!): Graph => ({
  inputs: [{ name: 'x', dims: [null, 2, 4, 4], layout: 'NCHW' }],
  outputs: [{ name: output, dims: [null, 2] }],
  nodes,
  params: new Map(params.map((p) => [p.name, p])),
  opset,
});

describe('cleanUpGraph', () => {
  it('gives every consumer of an initializer shared through Identity nodes its own parameter', () => {
    // PyTorch's eval export: one zero bias, shared by two convolutions through Identity nodes.
    const g = graphOf(
      [
        node('id1', 'Identity', ['b'], ['b1']),
        node('id2', 'Identity', ['b'], ['b2']),
        node('c1', 'Conv', ['x', 'w1', 'b1'], ['y1'], { pads: [1, 1, 1, 1] }),
        node('c2', 'Conv', ['y1', 'w2', 'b2'], ['y2'], { pads: [1, 1, 1, 1] }),
      ],
      [f32('w1', [2, 2, 3, 3]), f32('w2', [2, 2, 3, 3]), f32('b', [2], [0, 0])],
    );
    const { graph } = cleanUpGraph(g);
    expect(graph.nodes.map((n) => n.op)).toEqual(['Conv', 'Conv']);
    expect(graph.nodes.map((n) => n.inputs[2])).toEqual(['b1', 'b2']);
    expect([...graph.params.keys()].sort()).toEqual(['b1', 'b2', 'w1', 'w2']);
    // Copies: editing one bias (pruning edits params in place) leaves the other alone.
    expect(graph.params.get('b1')!.data).not.toBe(graph.params.get('b2')!.data);
  });

  it('unshares a learned parameter two layers read directly (tied weights are trained apart, as PyTorch had them)', () => {
    const g = graphOf([node('c1', 'Conv', ['x', 'w'], ['y1']), node('c2', 'Conv', ['y1', 'w'], ['y2'])], [f32('w', [2, 2, 1, 1])]);
    const { graph } = cleanUpGraph(g);
    expect(graph.nodes.map((n) => n.inputs[1])).toEqual(['w', 'w/c2']);
    expect(Array.from(graph.params.get('w/c2')!.data as Float32Array)).toEqual(Array.from(graph.params.get('w')!.data as Float32Array));
  });

  it('turns Constant nodes into params, removes Identity on activations, keeps an Identity that names the graph output', () => {
    const g = graphOf(
      [
        node('k', 'Constant', [], ['two'], { value: f32('', [], [2]) }),
        node('m', 'Mul', ['x', 'two'], ['xm']),
        node('i', 'Identity', ['xm'], ['xi']),
        node('r', 'Relu', ['xi'], ['xr']),
        node('out', 'Identity', ['xr'], ['y']),
      ],
      [],
    );
    const { graph } = cleanUpGraph(g);
    expect(graph.nodes.map((n) => n.op)).toEqual(['Mul', 'Relu', 'Identity']);
    expect(graph.nodes[1]!.inputs).toEqual(['xm']);
    expect(Array.from(graph.params.get('two')!.data as Float32Array)).toEqual([2]);
  });

  it("folds constant subgraphs, int64 beyond 2^53 included (ops-zoo: the reflect Pad's pads)", () => {
    const raw = readOnnx(ONNX_FIXTURES.opsZoo).graph;
    const { graph } = cleanUpGraph(raw);
    const pad = graph.nodes.find((n) => n.op === 'Pad' && n.attrs.mode === 'reflect')!;
    const pads = graph.params.get(pad.inputs[1]!)!;
    expect(Array.from(pads.data, Number)).toEqual([0, 0, 1, 1, 0, 0, 1, 1]);
    for (const op of ['Constant', 'ConstantOfShape', 'Slice', 'Cast'])
      expect(
        graph.nodes.some((n) => n.op === op),
        op,
      ).toBe(false);
  });

  it('turns the Shape -> Gather -> Unsqueeze -> Concat -> Reshape flatten chain into a constant Reshape (small-cnn, opset 11)', () => {
    const { graph } = cleanUpGraph(readOnnx(ONNX_FIXTURES.smallCnn).graph);
    expect(graph.nodes.map((n) => n.op)).toEqual(['Conv', 'Relu', 'MaxPool', 'Conv', 'Relu', 'Reshape', 'Gemm']);
    const reshape = graph.nodes.find((n) => n.op === 'Reshape')!;
    expect(Array.from(graph.params.get(reshape.inputs[1]!)!.data, Number)).toEqual([0, -1]);
  });

  it('a training-mode export becomes its inference form, with one warning', () => {
    const g = graphOf(
      [
        node('bn', 'BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['y', 'rm', 'rv'], { training_mode: 1 }),
        node('d', 'Dropout', ['y', 'ratio', 'train'], ['z', 'mask']),
      ],
      [
        f32('s', [2]),
        f32('b', [2]),
        f32('m', [2]),
        f32('v', [2]),
        f32('ratio', [], [0.5]),
        { name: 'train', dims: [], data: Int32Array.of(1), dataType: 9 },
      ],
      15,
    );
    const { graph, warnings } = cleanUpGraph(g);
    expect(graph.nodes[0]!.outputs).toEqual(['y']);
    expect(graph.nodes[0]!.attrs.training_mode).toBeUndefined();
    expect(graph.nodes[1]!.inputs).toEqual(['y', 'ratio']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /exported in training mode \(1 BatchNormalization node computing batch statistics and 1 live Dropout node\).*model\.eval\(\)/,
    );
  });

  it('is idempotent on every committed torchvision export (a written model reloads with the same names)', () => {
    const dir = repoPath('test/fixtures/torchvision');
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.onnx'))) {
      const once = cleanUpGraph(readOnnx(`${dir}/${f}`).graph).graph;
      const twice = cleanUpGraph(once).graph;
      expect(twice.nodes, f).toBe(once.nodes);
      expect([...twice.params.keys()], f).toEqual([...once.params.keys()]);
      expect(
        once.nodes.some((n) => n.op === 'Identity' || n.op === 'Constant'),
        f,
      ).toBe(false);
    }
  });
});

describe('opset forms', () => {
  it('older attributes become constant inputs and go back to attributes for their opset', () => {
    const g = graphOf(
      [
        node('s', 'Slice', ['x'], ['y'], { starts: [1], ends: [3], axes: [2] }),
        node('u', 'Unsqueeze', ['y'], ['z'], { axes: [0] }),
        node('c', 'Clip', ['z'], ['w'], { min: 0, max: 6 }),
      ],
      [],
      9,
    );
    const canonical = toCanonicalForms(g);
    expect(canonical.nodes.map((n) => [n.op, n.inputs.length, Object.keys(n.attrs)])).toEqual([
      ['Slice', 4, []],
      ['Unsqueeze', 2, []],
      ['Clip', 3, []],
    ]);
    expect(Array.from(canonical.params.get(canonical.nodes[0]!.inputs[3]!)!.data, Number)).toEqual([2]);
    const back = toOpsetForms(canonical);
    expect(back.nodes.map((n) => [n.inputs, n.attrs])).toEqual(g.nodes.map((n) => [n.inputs, n.attrs]));
    expect(back.params.size).toBe(0);
    // At opset 13 the input form stays.
    expect(toOpsetForms({ ...canonical, opset: 13 }).nodes).toBe(canonical.nodes);
  });

  it('a run-time input where an older opset needs an attribute cannot be written', () => {
    const g = graphOf([node('u', 'Unsqueeze', ['x', 'axes'], ['y'])], [], 11);
    expect(() => toOpsetForms(g)).toThrow(/cannot be written at opset 11: its axes is computed at run time/);
  });
});

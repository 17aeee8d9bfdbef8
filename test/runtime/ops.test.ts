import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/data/rng.js';
import { compileGraph } from '../../src/exec/compile.js';
import type { Graph, GraphNode, Param } from '../../src/graph/ir.js';
import { loadGraph } from '../../src/runtime/index.js';

/**
 * The ops the runtime gained for squeeze-excitation nets, option-A shortcuts, ShuffleNet and
 * Keras mobile nets, each in a small graph run by the runtime and by the dense executor on
 * random inputs. Tolerance: max |difference| below 1e-5 of max |y| (the runtime sums in
 * another order; its exp is a polynomial, within a few ulps of Math.exp).
 */
beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A graph under construction: random parameters, nodes named after their op. */
function builder(seed: number) {
  const rand = mulberry32(seed);
  const params = new Map<string, Param>();
  const nodes: GraphNode[] = [];
  return {
    p(name: string, dims: number[], scale = 0.4, offset = 0) {
      params.set(name, {
        name,
        dims,
        data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => offset + (rand() * 2 - 1) * scale),
      });
      return name;
    },
    ints(name: string, values: (number | bigint)[]) {
      params.set(name, { name, dims: [values.length], data: BigInt64Array.from(values, (v) => BigInt(v)) });
      return name;
    },
    node(op: string, inputs: string[], attrs: GraphNode['attrs'] = {}, outputs = 1): string[] {
      const name = `${op}_${nodes.length}`;
      const outs = Array.from({ length: outputs }, (_, i) => (outputs === 1 ? name : `${name}_${i}`));
      nodes.push({ name, op, domain: '', inputs, outputs: outs, attrs });
      return outs;
    },
    graph(input: [number, number, number], output: string, classes: number, opset = 13): Graph {
      return {
        inputs: [{ name: 'x', dims: [null, ...input], layout: 'NCHW' }],
        outputs: [{ name: output, dims: [null, classes] }],
        nodes,
        params,
        opset,
      };
    },
  };
}

/** What PyTorch writes for an open end. */
const INT64_MAX = 9223372036854775807n;

function executor(graph: Graph, x: Float32Array, dims: number[]): Float32Array {
  const model = compileGraph(graph);
  try {
    return tf.tidy(
      () =>
        model
          .forward(tf.transpose(tf.tensor4d(x, dims as [number, number, number, number]), [0, 2, 3, 1]) as tf.Tensor4D)
          .dataSync() as Float32Array,
    );
  } finally {
    model.dispose();
  }
}

/** Runs graph on n random images through the runtime (on `threads`; and image by image on one, for the same bits) and the executor; returns the runtime's steps. */
async function compare(graph: Graph, n = 3, threads = 1): Promise<readonly string[]> {
  const dims = [n, ...graph.inputs[0]!.dims.slice(1).map(Number)];
  const rand = mulberry32(11);
  const x = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1);
  const ref = executor(graph, x, dims);
  // the size rules' kernels: the steps these tests expect (kernels timed at load: kernels.test.ts)
  const model = await loadGraph(graph, undefined, { threads, batch: 2, split: 2, kernels: 'rules' });
  try {
    const y = await model.run(x, n);
    expect(y.length).toBe(ref.length);
    let d = 0;
    let m = 0;
    for (let i = 0; i < y.length; i++) {
      d = Math.max(d, Math.abs(y[i]! - ref[i]!));
      m = Math.max(m, Math.abs(ref[i]!));
    }
    expect(m).toBeGreaterThan(1e-3);
    expect(d / m).toBeLessThan(1e-5);
    // the same bits on the calling thread alone, image by image
    const single = new Float32Array(y.length);
    const per = y.length / n;
    for (let i = 0; i < n; i++) single.set(model.runSync(x.subarray(i * (x.length / n), (i + 1) * (x.length / n)), 1), i * per);
    expect(Buffer.from(single.buffer).equals(Buffer.from(y.buffer))).toBe(true);
    return model.steps;
  } finally {
    await model.close();
  }
}

describe('runtime ops against the dense executor', () => {
  it('squeeze-excitation: ReduceMean over H,W (keepdims 0 and 1), SiLU and HardSwish as exporters write them (x * gate(x)), HardSigmoid, HardSwish, channel scaling by a [N,C,1,1] activation', async () => {
    const b = builder(1);
    const [c1] = b.node('Conv', ['x', b.p('w1', [8, 3, 3, 3]), b.p('b1', [8])], { pads: [1, 1, 1, 1] });
    const [gate] = b.node('HardSigmoid', [c1!], { alpha: 1 / 6, beta: 0.5 });
    const [hs] = b.node('Mul', [c1!, gate!]);
    const [gap] = b.node('GlobalAveragePool', [hs!]);
    const [f1] = b.node('Conv', [gap!, b.p('wf1', [4, 8, 1, 1]), b.p('bf1', [4])]);
    const [sg] = b.node('Sigmoid', [f1!]);
    const [silu] = b.node('Mul', [f1!, sg!]);
    const [f2] = b.node('Conv', [silu!, b.p('wf2', [8, 4, 1, 1]), b.p('bf2', [8])]);
    const [hsg] = b.node('HardSigmoid', [f2!], { alpha: 1 / 6, beta: 0.5 });
    const [scaled] = b.node('Mul', [hsg!, hs!]);
    const [m1] = b.node('ReduceMean', [scaled!], { axes: [-1, -2], keepdims: 1 });
    const [sub] = b.node('Sub', [scaled!, m1!]);
    const [sg2] = b.node('Sigmoid', [sub!]);
    const [silu2] = b.node('Mul', [sg2!, sub!]);
    const [m0] = b.node('ReduceMean', [silu2!], { axes: [2, 3], keepdims: 0 });
    const [hsw] = b.node('HardSwish', [m0!]);
    const [fc] = b.node('Gemm', [hsw!, b.p('wfc', [5, 8]), b.p('bfc', [5])], { transB: 1 });
    const steps = await compare(b.graph([3, 9, 7], fc!, 5));
    // x * Sigmoid(x), either operand order: one step each
    expect(steps.filter((s) => s.includes('elementwise silu'))).toHaveLength(2);
    expect(steps.some((s) => s.includes('elementwise sigmoid'))).toBe(false);
    // x * HardSigmoid(x) becomes one hard swish step; HardSigmoid gating another value stays a step of its own
    expect(steps.filter((s) => s.includes('elementwise hardSwish'))).toHaveLength(2);
    expect(steps.filter((s) => s.includes('elementwise hardSigmoid'))).toHaveLength(1);
  });

  it('dense convolutions read as row runs: a 7x7 stride-2 stem on the unpadded 3-channel input, 3x3 and 1x1 stride-2 convolutions, a residual add; blocks of 8 and 4 output channels, rows of pixels not a multiple of 4 (4-pixel blocks span rows; a last band of fewer rows)', async () => {
    const b = builder(9);
    const [stem] = b.node('Conv', ['x', b.p('w1', [12, 3, 7, 7], 0.2), b.p('b1', [12])], { pads: [3, 3, 3, 3], strides: [2, 2] });
    const [r1] = b.node('Relu', [stem!]);
    const [c2] = b.node('Conv', [r1!, b.p('w2', [20, 12, 3, 3], 0.2), b.p('b2', [20])], { pads: [1, 1, 1, 1], strides: [2, 2] });
    const [sc] = b.node('Conv', [r1!, b.p('w3', [20, 12, 1, 1]), b.p('b3', [20])], { strides: [2, 2] });
    const [add] = b.node('Add', [c2!, sc!]);
    const [r2] = b.node('Relu', [add!]);
    const [g] = b.node('Conv', [r2!, b.p('w4', [8, 10, 3, 3], 0.2)], { pads: [1, 1, 1, 1], group: 2 });
    const [gap] = b.node('GlobalAveragePool', [g!]);
    const [flat] = b.node('Flatten', [gap!]);
    const [fc] = b.node('Gemm', [flat!, b.p('wfc', [5, 8]), b.p('bfc', [5])], { transB: 1 });
    const steps = await compare(b.graph([3, 25, 29], fc!, 5), 3, 2);
    expect(steps.filter((s) => s.endsWith('row runs'))).toHaveLength(3);
    // a grouped convolution reads through its window offset table
    expect(steps.some((s) => s.includes('2 groups') && !s.endsWith('row runs'))).toBe(true);
  });

  it('option-A shortcut: strided Slice of H and W, channel Pad; crops and a strided channel Slice', async () => {
    const b = builder(2);
    const [c1] = b.node('Conv', ['x', b.p('w1', [8, 3, 3, 3])], { pads: [1, 1, 1, 1] });
    const [r1] = b.node('Relu', [c1!]);
    const [c2] = b.node('Conv', [r1!, b.p('w2', [16, 8, 3, 3])], { pads: [1, 1, 1, 1], strides: [2, 2] });
    const [sh] = b.node('Slice', [r1!, b.ints('s0', [0]), b.ints('e0', [INT64_MAX]), b.ints('a0', [2]), b.ints('st0', [2])]);
    const [sw] = b.node('Slice', [sh!, b.ints('s1', [0]), b.ints('e1', [INT64_MAX]), b.ints('a1', [3]), b.ints('st1', [2])]);
    const [pd] = b.node('Pad', [sw!, b.ints('pads', [0, 4, 0, 0, 0, 4, 0, 0])], { mode: 'constant' });
    const [add] = b.node('Add', [c2!, pd!]);
    const [r2] = b.node('Relu', [add!]);
    // crop rows 1..-1 and every other channel from the last one back; pad one column left and crop one right
    const [cr] = b.node('Slice', [
      r2!,
      b.ints('s2', [1, -1]),
      b.ints('e2', [-1, -INT64_MAX]),
      b.ints('a2', [2, 1]),
      b.ints('st2', [1, -2]),
    ]);
    const [pc] = b.node('Pad', [cr!, b.ints('pads2', [0, 1, 0, 1, 0, 0, 0, -1])], { mode: 'constant' });
    const [fl] = b.node('Flatten', [pc!], { axis: 1 });
    const [fc] = b.node('Gemm', [fl!, b.p('wfc', [4, 9 * 3 * 5]), b.p('bfc', [4])], { transB: 1 });
    await compare(b.graph([3, 9, 10], fc!, 4));
  });

  it('ShuffleNet unit: Split, channel shuffle (Reshape, Transpose, Reshape), Slice of the shuffled channels, Concat of views, on 2 threads', async () => {
    const b = builder(3);
    const [c1] = b.node('Conv', ['x', b.p('w1', [8, 3, 1, 1]), b.p('b1', [8])]);
    const [left, right] = b.node('Split', [c1!, b.ints('split', [4, 4])], { axis: 1 }, 2);
    const [dw] = b.node('Conv', [right!, b.p('wd', [4, 1, 3, 3])], { group: 4, pads: [1, 1, 1, 1] });
    const [r] = b.node('Relu', [dw!]);
    const [cat] = b.node('Concat', [left!, r!], { axis: 1 });
    const [v5] = b.node('Reshape', [cat!, b.ints('shape5', [0, 2, 4, 6, 5])]);
    const [tr] = b.node('Transpose', [v5!], { perm: [0, 2, 1, 3, 4] });
    const [sh] = b.node('Reshape', [tr!, b.ints('shape4', [0, -1, 6, 5])]);
    const [a] = b.node('Slice', [sh!, b.ints('sa', [0]), b.ints('ea', [4]), b.ints('aa', [1])]);
    const [z] = b.node('Slice', [sh!, b.ints('sz', [4]), b.ints('ez', [8]), b.ints('az', [1])]);
    const [c2] = b.node('Conv', [z!, b.p('w2', [4, 4, 1, 1])]);
    const [cat2] = b.node('Concat', [a!, c2!, sh!], { axis: 1 });
    const [p1, p2] = b.node('Split', [cat2!], { axis: 1 }, 2);
    const [prod] = b.node('Mul', [p1!, p2!]);
    const [q1, q2, q3] = b.node('Split', [prod!], { axis: 1 }, 3);
    const [cat3] = b.node('Concat', [q3!, q1!, q2!], { axis: 1 });
    const [gap] = b.node('GlobalAveragePool', [cat3!]);
    const [fl] = b.node('Flatten', [gap!], { axis: 1 });
    const [fc] = b.node('Gemm', [fl!, b.p('wfc', [3, 8]), b.p('bfc', [3])], { transB: 1 });
    await compare(b.graph([3, 6, 5], fc!, 3, 13), 5, 2);
  });

  it('Keras depthwise layers with a channel multiplier (2 and 3)', async () => {
    const b = builder(4);
    const [d2] = b.node('Conv', ['x', b.p('wd2', [6, 1, 3, 3]), b.p('bd2', [6])], { group: 3, pads: [1, 1, 1, 1] });
    const [r] = b.node('Relu', [d2!]);
    const [d3] = b.node('Conv', [r!, b.p('wd3', [18, 1, 3, 3])], { group: 6, strides: [2, 2] });
    const [fl] = b.node('Flatten', [d3!], { axis: 1 });
    const [fc] = b.node('Gemm', [fl!, b.p('wfc', [4, 18 * 3 * 3]), b.p('bfc', [4])], { transB: 1 });
    const steps = await compare(b.graph([3, 8, 7], fc!, 4));
    expect(steps.filter((s) => s.includes('depthwise'))).toHaveLength(2);
  });

  it('dense 3x3 stride-1 convolutions run as F(4x4,3x3) layers (padded, unpadded, BN folded, residual, fused pool); strided and small ones stay direct', async () => {
    const b = builder(5);
    const [c1] = b.node('Conv', ['x', b.p('w1', [8, 3, 3, 3]), b.p('b1', [8])], { pads: [1, 1, 1, 1] });
    const [bn] = b.node('BatchNormalization', [c1!, b.p('g', [8]), b.p('be', [8]), b.p('mu', [8]), b.p('var', [8], 0.4, 1)]);
    const [r1] = b.node('Relu', [bn!]);
    const [c2] = b.node('Conv', [r1!, b.p('w2', [8, 8, 3, 3])], { pads: [1, 1, 1, 1] });
    const [add] = b.node('Add', [c2!, r1!]);
    // a pool after a residual add stays a step of its own (max does not commute with the add)
    const [mp] = b.node('MaxPool', [add!], { kernel_shape: [2, 2], strides: [2, 2] });
    const [c3] = b.node('Conv', [mp!, b.p('w3', [12, 8, 3, 3])]);
    const [mp2] = b.node('MaxPool', [c3!], { kernel_shape: [2, 2], strides: [2, 2] });
    const [c4] = b.node('Conv', [mp2!, b.p('w4', [8, 12, 3, 3])], { strides: [2, 2], pads: [1, 1, 1, 1] });
    const [c5] = b.node('Conv', [c4!, b.p('w5', [4, 8, 3, 3])], { pads: [1, 1, 1, 1] });
    const [fl] = b.node('Flatten', [c5!], { axis: 1 });
    const [fc] = b.node('Gemm', [fl!, b.p('wfc', [3, 4 * 3 * 3]), b.p('bfc', [3])], { transB: 1 });
    const steps = await compare(b.graph([3, 30, 29], fc!, 3), 3, 2);
    expect(steps.filter((s) => s.includes('dense 3x3 conv as Winograd F(4x4,3x3)'))).toHaveLength(3);
    expect(steps.filter((s) => s.includes('2x2 max pool fused'))).toHaveLength(1);
    expect(steps.filter((s) => s.includes('max pool 2x2'))).toHaveLength(1);
    expect(steps.filter((s) => s.includes('dense 3x3 conv 12->8, stride 2x2'))).toHaveLength(1);
    expect(steps.filter((s) => s.includes('dense 3x3 conv 8->4, stride 1x1'))).toHaveLength(1);
  });
});

describe('pooling over channels in passes of 16 and the rest one vector at a time', () => {
  it('max, average (padding left out and counted) and global average pooling of 20 channels', async () => {
    const b = builder(9);
    const [mp] = b.node('MaxPool', ['x'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
    const [ap] = b.node('AveragePool', ['x'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
    const [api] = b.node('AveragePool', ['x'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 });
    const [s1] = b.node('Sub', [mp!, ap!]);
    const [s2] = b.node('Add', [s1!, api!]);
    const [r] = b.node('Relu', [s2!]);
    const [gap] = b.node('GlobalAveragePool', [r!]);
    const [fl] = b.node('Flatten', [gap!], { axis: 1 });
    const [fc] = b.node('Gemm', [fl!, b.p('wfc', [3, 20]), b.p('bfc', [3])], { transB: 1 });
    const steps = await compare(b.graph([20, 9, 11], fc!, 3), 3, 2);
    expect(steps.filter((s) => s.includes('pool'))).toHaveLength(4);
  });
});

describe('what the new rules refuse: a one-line E_UNSUPPORTED_OP naming the node', () => {
  const refused = async (op: string, inputs: (b: ReturnType<typeof builder>) => string[], attrs: GraphNode['attrs'], what: RegExp) => {
    const b = builder(5);
    const [y] = b.node(op, inputs(b), attrs);
    const [gap] = b.node('GlobalAveragePool', [y!]);
    const [fl] = b.node('Flatten', [gap!], { axis: 1 });
    await expect(loadGraph(b.graph([4, 6, 6], fl!, 4), undefined)).rejects.toMatchObject({
      code: 'E_UNSUPPORTED_OP',
      message: expect.stringMatching(new RegExp(`^node "${op}_0" \\(${op}\\): [^\\n]*${what.source}[^\\n]*$`)),
    });
  };
  it('a Slice of the batch axis', () =>
    refused('Slice', (b) => ['x', b.ints('s', [1]), b.ints('e', [2]), b.ints('a', [0])], {}, /batch axis/));
  it('a ReduceMean over channels', () => refused('ReduceMean', () => ['x'], { axes: [1], keepdims: 1 }, /reduces over H and W/));
  it('a Pad of the batch axis', () => refused('Pad', (b) => ['x', b.ints('p', [1, 0, 0, 0, 0, 0, 0, 0])], {}, /pads C, H and W/));
  it('a Split whose sizes do not add up', () => refused('Split', (b) => ['x', b.ints('s', [1, 2])], { axis: 1 }, /Split of 4/));
});

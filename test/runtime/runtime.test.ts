import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BundleData, LayerData } from '../../src/bundle/decode.js';
import { positionMatrices } from '../../src/bundle/layers.js';
import { encodeBundle } from '../../src/bundle/write.js';
import { mulberry32 } from '../../src/data/rng.js';
import { compileGraph } from '../../src/exec/compile.js';
import type { Graph, GraphNode, Param } from '../../src/graph/ir.js';
import { encodeFreshOnnx, readOnnx } from '../../src/io/onnx/index.js';
import { loadModel } from '../../src/io/load.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { getTile } from '../../src/winograd/tiles.js';
import { loadBundle, loadGraph, loadOnnx, RuntimeWorkers } from '../../src/runtime/index.js';
import { ONNX_FIXTURES, referenceIO, repoPath } from '../helpers/fixtures.js';
import { runOnnxRuntime } from '../helpers/onnxruntime.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};
const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** The graph in Winograd form (tile T) with a fraction of every Winograd-domain weight zeroed at random. */
function pruned(graph: Graph, T: number, sparsity: number, seed: number): Graph {
  const wg = toWinogradGraph(graph, selectTargets(graph, { tile: T }));
  const rand = mulberry32(seed);
  for (const n of wg.nodes.filter((x) => x.op === 'WinogradConv')) {
    const w = wg.params.get(n.inputs[1]!)!.data as Float32Array;
    for (let i = 0; i < w.length; i++) if (rand() < sparsity) w[i] = 0;
  }
  return wg;
}

/** The dense executor's output for NCHW (or NHWC) input images. */
function denseExecutor(graph: Graph, x: Float32Array, dims: readonly number[]): Float32Array {
  const model = compileGraph(graph);
  try {
    return tf.tidy(() => {
      const t = tf.tensor(x, [...dims]);
      return model
        .forward((graph.inputs[0]!.layout === 'NHWC' ? t : tf.transpose(t, [0, 2, 3, 1])) as tf.Tensor4D)
        .dataSync() as Float32Array;
    });
  } finally {
    model.dispose();
  }
}

describe('the runtime on the committed fixtures (PyTorch and TensorFlow.js reference outputs)', () => {
  for (const [name, path] of Object.entries(ONNX_FIXTURES)) {
    if (name === 'fashionVgg') continue;
    it(`${name}: the dense network matches PyTorch within 1e-4`, async () => {
      const io = referenceIO(path);
      const model = await loadOnnx(new Uint8Array(readFileSync(path)));
      expect(model.inputShape).toEqual(io.input.shape.slice(1));
      const y = model.runSync(io.input.data, io.input.shape[0]);
      expect(maxAbsDiff(y, io.output.data)).toBeLessThan(1e-4);
    });
  }

  it('fashion-vgg matches PyTorch within 1e-4', async () => {
    const raw = JSON.parse(readFileSync(repoPath('models/fashion-vgg.io.json'), 'utf8')) as {
      input: { shape: number[]; data: number[] };
      output: { data: number[] };
    };
    const model = await loadOnnx(new Uint8Array(readFileSync(ONNX_FIXTURES.fashionVgg)));
    const y = model.runSync(Float32Array.from(raw.input.data), raw.input.shape[0]);
    expect(maxAbsDiff(y, raw.output.data)).toBeLessThan(1e-4);
  });

  for (const name of ['seq-cnn', 'residual']) {
    it(`tfjs ${name} (NHWC input): matches tfjs's own predict within 1e-4`, async () => {
      const raw = JSON.parse(readFileSync(repoPath(`test/fixtures/tfjs/${name}.io.json`), 'utf8')) as {
        input: { shape: number[]; data: number[] };
        output: { data: number[] };
      };
      const model = await loadGraph(loadModel(repoPath(`test/fixtures/tfjs/${name}`)).graph, undefined);
      expect(model.inputLayout).toBe('NHWC');
      const y = model.runSync(Float32Array.from(raw.input.data), raw.input.shape[0]);
      expect(maxAbsDiff(y, raw.output.data)).toBeLessThan(1e-4);
    });
  }
});

describe('bundles: the sparse Winograd layers equal the dense executor', () => {
  const cases = [
    { name: 'fashionVgg', T: 6 },
    { name: 'fashionVgg', T: 4 },
    { name: 'fashionVgg', T: 8 },
    { name: 'resnetSmall', T: 6 },
    { name: 'resnetSmall', T: 4 },
    { name: 'smallCnn', T: 6 },
    // few zeros: the dense product kernel (every layer at >= 70% nonzeros)
    { name: 'fashionVgg', T: 6, zeros: 0.2 },
    { name: 'resnetSmall', T: 4, zeros: 0.2 },
  ] as { name: 'fashionVgg' | 'resnetSmall' | 'smallCnn'; T: number; zeros?: number }[];
  for (const c of cases) {
    const zeros = c.zeros ?? 0.7;
    it(`${c.name}, tile ${c.T}, ~${100 * zeros}% zeros, 5 images (max |difference| below 1e-5 of max |y|)`, async () => {
      const graph = readOnnx(ONNX_FIXTURES[c.name]).graph;
      const wg = pruned(graph, c.T, zeros, c.T);
      // the size rule's kernels (a load that measures may take either product kernel: test/runtime/kernels.test.ts)
      const model = await loadBundle(encodeBundle(wg, new Uint8Array([1])), { batch: 2, kernels: 'rules' });
      const winogradSteps = model.steps.filter((s) => s.includes('sparse Winograd'));
      expect(winogradSteps).toHaveLength(wg.nodes.filter((n) => n.op === 'WinogradConv').length);
      expect(winogradSteps.filter((s) => s.includes('dense product'))).toHaveLength(zeros < 0.3 ? winogradSteps.length : 0);
      const rand = mulberry32(7);
      const dims = [5, ...graph.inputs[0]!.dims.slice(1)] as number[];
      const x = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rand() * 2 - 1);
      const y = model.runSync(x, 5);
      const ref = denseExecutor(wg, x, dims);
      expect(maxAbsDiff(y, ref) / maxAbs(ref)).toBeLessThan(1e-5);
    });
  }
});

describe('ops beyond the fixtures, against onnxruntime-node', () => {
  /** A graph exercising strided, dilated, grouped and depthwise convolutions, pooling with pads, broadcasting and activations. */
  function zoo(): Graph {
    const rand = mulberry32(3);
    const params = new Map<string, Param>();
    const p = (name: string, dims: number[], scale = 0.3) => {
      params.set(name, {
        name,
        dims,
        data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => (rand() * 2 - 1) * scale),
      });
      return name;
    };
    const nodes: GraphNode[] = [];
    const node = (op: string, inputs: string[], attrs: GraphNode['attrs'] = {}) => {
      const name = `${op}_${nodes.length}`;
      nodes.push({ name, op, domain: '', inputs, outputs: [name], attrs });
      return name;
    };
    const c1 = node('Conv', ['x', p('w1', [8, 3, 3, 3]), p('b1', [8])], { pads: [1, 1, 1, 1], strides: [2, 2] });
    const a1 = node('LeakyRelu', [c1], { alpha: 0.1 });
    const dw = node('Conv', [a1, p('wd', [8, 1, 3, 3]), p('bd', [8])], { group: 8, pads: [1, 1, 1, 1] });
    const hs = node('HardSwish', [dw]);
    const gc = node('Conv', [hs, p('wg', [8, 4, 3, 3])], { group: 2, pads: [2, 2, 2, 2], dilations: [2, 2] });
    const cl = node('Clip', [gc, p('lo', [], 0), p('hi', [], 0)], {});
    params.get('lo')!.data[0] = 0;
    params.get('hi')!.data[0] = 0.5;
    const one = node('Conv', [cl, p('w1x1', [4, 8, 1, 1])], {});
    const sg = node('Sigmoid', [one]);
    const cat = node('Concat', [cl, sg], { axis: 1 });
    const mp = node('MaxPool', [cat], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
    const ap = node('AveragePool', [cat], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
    const api = node('AveragePool', [cat], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 });
    const s1 = node('Sub', [mp, ap]);
    const m1 = node('Mul', [s1, p('scale', [1, 12, 1, 1])]);
    const gm = node('GlobalMaxPool', [api]);
    const ad = node('Add', [m1, gm]);
    const th = node('Tanh', [ad]);
    const fl = node('Flatten', [th], { axis: 1 });
    const fc = node('Gemm', [fl, p('wf', [5, 12 * 4 * 4]), p('bf', [5])], { transB: 1 });
    const sm = node('Softmax', [fc], { axis: 1 });
    return {
      inputs: [{ name: 'x', dims: [null, 3, 15, 13], layout: 'NCHW' }],
      outputs: [{ name: sm, dims: [null, 5] }],
      nodes,
      params,
      opset: 14,
    };
  }

  it('every layer dense matches onnxruntime within 1e-5', async () => {
    const g = zoo();
    const rand = mulberry32(5);
    const x = Float32Array.from({ length: 3 * 3 * 15 * 13 }, () => rand() * 2 - 1);
    const bytes = encodeFreshOnnx(g);
    const ref = await runOnnxRuntime(bytes, { data: x, dims: [3, 3, 15, 13] });
    const model = await loadOnnx(bytes);
    expect(model.steps.some((s) => s.includes('depthwise'))).toBe(true);
    expect(model.steps.some((s) => s.includes('2 groups'))).toBe(true);
    expect(maxAbsDiff(model.runSync(x, 3), ref.data)).toBeLessThan(1e-5);
  });
});

describe('threads, batches, errors', () => {
  it('a network with megabytes of weights and large activations gets a batch whose plan stays within about 128 MiB', async () => {
    // 3x224x224 -> 3x3 conv to 64 channels (13 MiB of activations an image) -> global pool -> 64 x 40000 fully connected (10 MiB of weights).
    const fc = 40000;
    const params = new Map<string, Param>([
      ['w', { name: 'w', dims: [64, 3, 3, 3], data: new Float32Array(64 * 27).fill(0.01) }],
      ['f', { name: 'f', dims: [fc, 64], data: new Float32Array(fc * 64).fill(0.001) }],
    ]);
    const graph: Graph = {
      inputs: [{ name: 'x', dims: [null, 3, 224, 224], layout: 'NCHW' }],
      outputs: [{ name: 'y', dims: [null, fc] }],
      nodes: [
        { name: 'c', op: 'Conv', domain: '', inputs: ['x', 'w'], outputs: ['c'], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
        { name: 'p', op: 'GlobalAveragePool', domain: '', inputs: ['c'], outputs: ['p'], attrs: {} },
        { name: 'r', op: 'Flatten', domain: '', inputs: ['p'], outputs: ['r'], attrs: { axis: 1 } },
        { name: 'g', op: 'Gemm', domain: '', inputs: ['r', 'f'], outputs: ['y'], attrs: { transB: 1 } },
      ],
      params,
      opset: 13,
    };
    const model = await loadGraph(graph, undefined, { kernels: 'rules' });
    try {
      // 64 images would hold about 850 MiB of activations.
      expect(model.batch).toBeGreaterThanOrEqual(4);
      expect(model.batch).toBeLessThan(64);
      expect(model.memoryBytes).toBeLessThan(200 * 2 ** 20);
      const y = await model.run(new Float32Array(3 * 224 * 224).fill(1), 1);
      // every pooled channel is 27 * 0.01 * 1 inside the border, a little less at it; each output sums 64 of them x 0.001
      expect(y[0]!).toBeGreaterThan(0.9 * 64 * 0.27 * 0.001);
      expect(y[0]!).toBeLessThanOrEqual(64 * 0.27 * 0.001 * (1 + 1e-5));
    } finally {
      await model.close();
    }
  });

  it('results are the same bits on 1, 2 and 3 threads, in one batch or image by image', async () => {
    const bytes = encodeBundle(pruned(readOnnx(ONNX_FIXTURES.resnetSmall).graph, 6, 0.6, 1), new Uint8Array([1]));
    const rand = mulberry32(9);
    const x = Float32Array.from({ length: 11 * 784 }, () => rand() * 2 - 1);
    const runs: Float32Array[] = [];
    for (const [threads, batch] of [
      [1, 64],
      [2, 3],
      [3, 4],
    ] as const) {
      const model = await loadBundle(bytes, { threads, batch, split: 2 });
      runs.push(await model.run(x, 11));
      await model.close();
    }
    const single = await loadBundle(bytes, { batch: 1 });
    const oneByOne = new Float32Array(11 * 10);
    for (let i = 0; i < 11; i++) oneByOne.set(single.runSync(x.subarray(i * 784, (i + 1) * 784), 1), i * 10);
    for (const r of [...runs.slice(1), oneByOne]) expect(Buffer.from(r.buffer).equals(Buffer.from(runs[0]!.buffer))).toBe(true);
  });

  it('a team (all threads on each layer of a call with fewer images than threads) gives the same bits as one thread: Winograd layers, dense and strided convolutions, max and global average poolings, residual adds, fully connected', async () => {
    const graphs = [
      pruned(readOnnx(ONNX_FIXTURES.resnetSmall).graph, 6, 0.6, 1),
      readOnnx(ONNX_FIXTURES.resnetSmall).graph,
      readOnnx(ONNX_FIXTURES.smallCnn).graph,
    ];
    const rand = mulberry32(12);
    const x = Float32Array.from({ length: 5 * 784 }, () => rand() * 2 - 1);
    for (const graph of graphs) {
      const bytes = graph.nodes.some((n) => n.op === 'WinogradConv') ? encodeBundle(graph, new Uint8Array([1])) : undefined;
      const load = (opts: Parameters<typeof loadGraph>[2]) => (bytes ? loadBundle(bytes, opts) : loadGraph(graph, undefined, opts));
      const one = await load({ threads: 1 });
      const expected = await one.run(x, 5);
      await one.close();
      for (const threads of [2, 3]) {
        const model = await load({ threads, team: true });
        expect(model.team).toBe(true);
        const got = new Float32Array(5 * 10);
        // Image by image (1 < threads: the team), then the last two together (a team of 3, the batch of 2 for 2).
        for (let i = 0; i < 3; i++) got.set(await model.run(x.subarray(i * 784, (i + 1) * 784), 1), i * 10);
        got.set(await model.run(x.subarray(3 * 784), 2), 30);
        await model.close();
        expect(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
      }
    }
  });

  it('runtimes planned one after another into the same kept workers give the bits of fresh ones; a closed runtime refuses to run', async () => {
    const a = encodeBundle(pruned(readOnnx(ONNX_FIXTURES.resnetSmall).graph, 6, 0.6, 1), new Uint8Array([1]));
    const b = encodeBundle(pruned(readOnnx(ONNX_FIXTURES.smallCnn).graph, 6, 0.5, 2), new Uint8Array([1]));
    const rand = mulberry32(4);
    const x = Float32Array.from({ length: 9 * 784 }, () => rand() * 2 - 1);
    const fresh = async (bytes: Uint8Array) => {
      const m = await loadBundle(bytes, { threads: 3, batch: 2, split: 2 });
      const y = await m.run(x, 9);
      await m.close();
      return y;
    };
    const expected = [await fresh(a), await fresh(b), await fresh(a)];
    const workers = await RuntimeWorkers.start(2);
    try {
      for (const [i, bytes] of [a, b, a].entries()) {
        const m = await loadBundle(bytes, { threads: 3, batch: 2, workers, team: true, split: 2 });
        const y = await m.run(x, 9);
        const first = await m.run(x.subarray(0, 784), 1);
        await m.close();
        expect(Buffer.from(y.buffer).equals(Buffer.from(expected[i]!.buffer))).toBe(true);
        expect(Buffer.from(first.buffer).equals(Buffer.from(expected[i]!.buffer, 0, 40))).toBe(true);
        expect(() => m.runSync(x, 9)).toThrow(/closed/);
      }
    } finally {
      await workers.close();
    }
  });

  it('an op the runtime does not run is a one-line E_UNSUPPORTED_OP naming it', async () => {
    const g = readOnnx(ONNX_FIXTURES.smallCnn).graph;
    const nodes = g.nodes.map((n) => (n.op === 'Relu' ? { ...n, op: 'Selu' } : n));
    await expect(loadGraph({ ...g, nodes }, undefined)).rejects.toMatchObject({
      code: 'E_UNSUPPORTED_OP',
      message: expect.stringMatching(/^node "[^"]+" \(Selu\): the runtime does not run Selu;[^\n]*$/),
    });
  });

  it('bytes that are no bundle are a one-line E_MODEL error; wrong input sizes an E_DATA error', async () => {
    await expect(loadBundle(new Uint8Array([1, 2, 3, 4]), {}, 'x.swb')).rejects.toMatchObject({
      code: 'E_MODEL',
      message: expect.stringMatching(/^x\.swb: not a swprune bundle/),
    });
    const model = await loadOnnx(new Uint8Array(readFileSync(ONNX_FIXTURES.smallCnn)));
    expect(() => model.runSync(new Float32Array(100), 1)).toThrow(/needs n \* 784 input values/);
  });
});

describe('grouped Winograd layers (bundle format version 2)', () => {
  it('a layer of 2 groups gives the bits of the same layer with a block-diagonal W', async () => {
    const tile = getTile(6, 3);
    const [C, H, W, G, T2] = [8, 9, 11, 2, 36];
    const cinG = C / G;
    const rand = mulberry32(17);
    // W [Cout, Cin/G, T*T] with ~60% zeros; its block-diagonal [Cout, Cin, T*T] twin.
    const grouped = Float32Array.from({ length: C * cinG * T2 }, () => (rand() < 0.6 ? 0 : rand() * 2 - 1));
    const full = new Float32Array(C * C * T2);
    for (let co = 0; co < C; co++)
      for (let ci = 0; ci < cinG; ci++)
        for (let p = 0; p < T2; p++) {
          full[(co * C + Math.floor(co / (C / G)) * cinG + ci) * T2 + p] = grouped[(co * cinG + ci) * T2 + p]!;
        }
    const bias = Float32Array.from({ length: C }, () => rand() - 0.5);
    const run = async (w: Float32Array, cin: number, group: number) => {
      const layer: LayerData = {
        name: 'conv',
        weight: 'w',
        cin,
        cout: C,
        kernel: 3,
        pads: [1, 1, 1, 1],
        biasName: 'b',
        bias,
        tile: 0,
        group,
        positions: positionMatrices(w, C, cin, T2),
      };
      const matrix = (a: readonly (readonly number[])[]) => ({ rows: a.length, cols: a[0]!.length, values: Float64Array.from(a.flat()) });
      const bundle: BundleData = {
        formatVersion: group > 1 ? 2 : 1,
        producer: 'test',
        sourceSha256: new Uint8Array(32),
        network: new Uint8Array(0),
        layers: [layer],
        tiles: [{ name: tile.name, t: 6, m: 4, r: 3, at: matrix(tile.AT), g: matrix(tile.G), bt: matrix(tile.BT) }],
      };
      const graph: Graph = {
        inputs: [{ name: 'x', dims: [null, C, H, W], layout: 'NCHW' }],
        outputs: [{ name: 'y', dims: [null, C, H, W] }],
        opset: 13,
        params: new Map(),
        nodes: [
          {
            name: 'conv',
            op: 'WinogradConv',
            domain: 'ai.swprune',
            inputs: ['x', 'w', 'b'],
            outputs: ['y'],
            attrs: { tile: 6, m: 4, kernel: 3, pads: [1, 1, 1, 1], group },
          },
        ],
      };
      const model = await loadGraph(graph, bundle);
      const x = Float32Array.from({ length: 3 * C * H * W }, (_, i) => Math.sin(i));
      return model.runSync(x, 3);
    };
    const a = await run(grouped, cinG, G);
    const b = await run(full, C, 1);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(maxAbs(a)).toBeGreaterThan(0.1);
  });
});

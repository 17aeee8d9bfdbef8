import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeBundle } from '../../src/bundle/decode.js';
import { encodeBundle } from '../../src/bundle/write.js';
import { mulberry32 } from '../../src/data/rng.js';
import { compileGraph } from '../../src/exec/compile.js';
import type { Graph } from '../../src/graph/ir.js';
import { readOnnx } from '../../src/io/onnx/index.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { decodeOnnx } from '../../src/runtime/decode-onnx.js';
import { loadGraph } from '../../src/runtime/index.js';
import { alternative, chooseKernels, forgetKernelChoices, type StepTimer } from '../../src/runtime/kernels.js';
import { type Lowered, lower } from '../../src/runtime/plan/lower.js';
import { ONNX_FIXTURES } from '../helpers/fixtures.js';
import { runLowered } from '../helpers/run-lowered.js';

/**
 * Each layer's kernel chosen by measurement (src/runtime/kernels.ts), with the timing injected:
 * what is chosen, that it is kept per shape, and that every alternative computes the network
 * within the runtime's tolerance of the dense executor (max |difference| below 1e-5 of max |y|).
 */
beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** A timer under which the alternative (variant 1) of every step is `faster` or not; counts its calls. */
function fakeTimer(faster: boolean): { time: StepTimer; calls: number } {
  const t = {
    calls: 0,
    time: async (variants: readonly Lowered[]) => {
      t.calls++;
      return variants.map((l, k) => new Map(l.steps.map((_, i) => [i, (k === 1) === faster ? 1 : 2])));
    },
  };
  return t;
}

function executor(graph: Graph, x: Float32Array, n: number): Float32Array {
  const model = compileGraph(graph);
  try {
    return tf.tidy(
      () => model.forward(tf.transpose(tf.tensor4d(x, [n, 1, 28, 28]), [0, 2, 3, 1]) as tf.Tensor4D).dataSync() as Float32Array,
    );
  } finally {
    model.dispose();
  }
}

function expectClose(y: Float32Array, ref: Float32Array): void {
  expect(y.length).toBe(ref.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < y.length; i++) {
    d = Math.max(d, Math.abs(y[i]! - ref[i]!));
    m = Math.max(m, Math.abs(ref[i]!));
  }
  expect(m).toBeGreaterThan(1e-3);
  expect(d / m).toBeLessThan(1e-5);
}

describe('kernels chosen by measurement', () => {
  const rand = mulberry32(3);
  const x = Float32Array.from({ length: 3 * 784 }, () => rand() * 2 - 1);

  it('dense 3x3 convolutions run as Winograd layers or as direct convolutions, whichever is timed faster; a choice is kept per layer shape', async () => {
    forgetKernelChoices();
    const graph = readOnnx(ONNX_FIXTURES.resnetSmall).graph;
    const ruled = lower(graph);
    const candidates = ruled.steps.filter((s) => alternative(s) !== undefined);
    expect(candidates.length).toBeGreaterThan(0);
    expect(candidates.every((s) => s.op === 'winograd' && s.fromConv)).toBe(true);
    const directFaster = fakeTimer(true);
    const direct = await chooseKernels(ruled, 2, directFaster.time);
    expect(directFaster.calls).toBe(1);
    expect(direct.steps.filter((s) => s.op === 'winograd')).toHaveLength(
      ruled.steps.filter((s) => s.op === 'winograd').length - candidates.length,
    );
    // the direct convolutions compute the network within tolerance
    expectClose(await runLowered(direct, x, 3), executor(graph, x, 3));
    // the same shapes again: the kept choice, no timing
    const again = fakeTimer(false);
    const kept = await chooseKernels(lower(graph), 2, again.time);
    expect(again.calls).toBe(0);
    expect(kept.steps.map((s) => s.op)).toEqual(direct.steps.map((s) => s.op));
    forgetKernelChoices();
    const winograd = await chooseKernels(lower(graph), 2, fakeTimer(false).time);
    expect(winograd.steps.map((s) => s.op)).toEqual(ruled.steps.map((s) => s.op));
  });

  it("a bundle's Winograd layers take the dense or the sparse products, whichever is timed faster; both within tolerance", async () => {
    forgetKernelChoices();
    const graph = readOnnx(ONNX_FIXTURES.resnetSmall).graph;
    const wg = toWinogradGraph(graph, selectTargets(graph, { tile: 6 }));
    const r = mulberry32(5);
    for (const n of wg.nodes.filter((n) => n.op === 'WinogradConv')) {
      const w = wg.params.get(n.inputs[1]!)!.data as Float32Array;
      for (let i = 0; i < w.length; i++) if (r() < 0.5) w[i] = 0;
    }
    const bundle = decodeBundle(encodeBundle(wg, new Uint8Array([1])));
    const net = decodeOnnx(bundle.network);
    const ruled = lower(net, bundle);
    const sparse = ruled.steps.filter((s) => s.op === 'winograd' && !s.fromConv);
    expect(sparse.length).toBeGreaterThan(0);
    expect(sparse.every((s) => s.op === 'winograd' && !s.dense)).toBe(true);
    const flipped = await chooseKernels(ruled, 2, fakeTimer(true).time);
    const dense = flipped.steps.filter((s) => s.op === 'winograd' && !s.fromConv && s.dense);
    expect(dense).toHaveLength(sparse.length);
    const ref = executor(wg, x, 3);
    expectClose(await runLowered(ruled, x, 3), ref);
    expectClose(await runLowered(flipped, x, 3), ref);
    forgetKernelChoices();
  });

  it("loads with 'rules' (no timing) and 'measure' compute the same within tolerance; other values are a usage error", async () => {
    forgetKernelChoices();
    const graph = readOnnx(ONNX_FIXTURES.resnetSmall).graph;
    const ref = executor(graph, x, 3);
    for (const kernels of ['rules', 'measure'] as const) {
      const m = await loadGraph(graph, undefined, { kernels });
      expectClose(await m.run(x, 3), ref);
      await m.close();
    }
    await expect(loadGraph(graph, undefined, { kernels: 'fast' as never })).rejects.toThrow(/kernels must be 'measure' or 'rules'/);
  });
});

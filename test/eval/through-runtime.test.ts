import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/backend/select.js';
import { setThreads } from '../../src/backend/threads.js';
import { loadDataset } from '../../src/data/index.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { runtimeForModel } from '../../src/eval/through-runtime.js';
import { compileGraph } from '../../src/exec/index.js';
import type { Graph } from '../../src/graph/ir.js';
import { readOnnx } from '../../src/io/onnx/index.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { mulberry32 } from '../../src/data/rng.js';
import { FASHION_SLICE, ONNX_FIXTURES } from '../helpers/fixtures.js';

/**
 * Evaluation goes through the deployment runtime when it runs the network, and gives what the
 * executor gives: the same top-1/top-5 counts on the committed slice (a flip would need two
 * logits within float rounding of each other) and the mean loss within 1e-5 relative (the
 * runtime sums in another order and runs 3x3 convolutions as F(4x4,3x3)).
 */
beforeAll(async () => {
  await selectBackend('wasm');
  setThreads(2);
});
afterAll(() => setThreads(undefined));

const dataset = loadDataset({ kind: 'fashion-mnist', dir: FASHION_SLICE });

async function both(graph: Graph) {
  const model = compileGraph(graph);
  try {
    const viaRuntime = await evaluate(model, dataset.test, { batchSize: 128, limit: 400 });
    const viaExecutor = await evaluate(model, dataset.test, { batchSize: 128, limit: 400, engine: 'executor' });
    return { viaRuntime, viaExecutor };
  } finally {
    model.dispose();
  }
}

/** The bundled model with one more node, `op`, on its output: the new graph output. */
function withOutputNode(op: string, attrs: Graph['nodes'][number]['attrs']): Graph {
  const graph = readOnnx(ONNX_FIXTURES.fashionVgg).graph;
  const out = graph.outputs[0]!;
  const name = op.toLowerCase();
  return {
    ...graph,
    nodes: [...graph.nodes, { name, op, domain: '', inputs: [out.name], outputs: [name], attrs }],
    outputs: [{ ...out, name }],
  };
}

describe('evaluation through the runtime', () => {
  it("the dense bundled model: the executor's accuracy and loss", async () => {
    const { viaRuntime, viaExecutor } = await both(readOnnx(ONNX_FIXTURES.fashionVgg).graph);
    expect(viaRuntime.examples).toBe(400);
    expect(viaRuntime.accuracy).toEqual(viaExecutor.accuracy);
    expect(Math.abs(viaRuntime.loss - viaExecutor.loss) / viaExecutor.loss).toBeLessThan(1e-5);
  });

  it("a Winograd-form model with 60% zeros (the sparse kernels): the executor's accuracy and loss", async () => {
    const graph = readOnnx(ONNX_FIXTURES.fashionVgg).graph;
    const wg = toWinogradGraph(graph, selectTargets(graph, { tile: 6 }));
    const rand = mulberry32(3);
    for (const n of wg.nodes.filter((x) => x.op === 'WinogradConv')) {
      const w = wg.params.get(n.inputs[1]!)!.data as Float32Array;
      for (let i = 0; i < w.length; i++) if (rand() < 0.6) w[i] = 0;
    }
    const model = compileGraph(wg);
    try {
      const runtime = (await runtimeForModel(model, 2))!;
      expect(runtime.steps.filter((s) => s.includes('sparse Winograd'))).toHaveLength(5);
      await runtime.close();
    } finally {
      model.dispose();
    }
    const { viaRuntime, viaExecutor } = await both(wg);
    expect(viaRuntime.accuracy).toEqual(viaExecutor.accuracy);
    expect(Math.abs(viaRuntime.loss - viaExecutor.loss) / viaExecutor.loss).toBeLessThan(1e-5);
  });

  it('a trailing Softmax is left out (the loss is of logits, as the executor computes it)', async () => {
    const { viaRuntime, viaExecutor } = await both(withOutputNode('Softmax', { axis: 1 }));
    expect(Math.abs(viaRuntime.loss - viaExecutor.loss) / viaExecutor.loss).toBeLessThan(1e-5);
  });

  it('a network the runtime does not run is evaluated by the executor', async () => {
    // Erf: the executor runs it, the runtime does not
    const model = compileGraph(withOutputNode('Erf', {}));
    try {
      expect(await runtimeForModel(model, 2)).toBeUndefined();
      const r = await evaluate(model, dataset.test, { batchSize: 128, limit: 200 });
      expect(r.examples).toBe(200);
    } finally {
      model.dispose();
    }
  });
});

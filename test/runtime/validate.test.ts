import { describe, expect, it } from 'vitest';
import { encodeBundle } from '../../src/bundle/write.js';
import type { Graph } from '../../src/graph/ir.js';
import { encodeFreshOnnx, readOnnx } from '../../src/io/onnx/index.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { loadBundle, loadOnnx } from '../../src/runtime/index.js';
import { ONNX_FIXTURES } from '../helpers/fixtures.js';

/** The graph with its first node of `op` given other attributes. */
const withAttrs = (g: Graph, op: string, attrs: Record<string, unknown>): Graph => {
  const i = g.nodes.findIndex((n) => n.op === op);
  return { ...g, nodes: g.nodes.map((n, k) => (k === i ? { ...n, attrs: { ...n.attrs, ...attrs } } : n)) as Graph['nodes'] };
};

describe('a network is validated like a model before the runtime plans it', () => {
  const graph = readOnnx(ONNX_FIXTURES.smallCnn).graph;

  it('a bundle whose network has a pooling window of 0: one-line E_MODEL naming the file and the node', async () => {
    const wg = toWinogradGraph(graph, selectTargets(graph, { tile: 6 }));
    const bad = withAttrs(wg, 'MaxPool', { strides: [0, 0] });
    await expect(loadBundle(encodeBundle(bad, new Uint8Array([1])), {}, 'bad.swb')).rejects.toMatchObject({
      code: 'E_MODEL',
      message: expect.stringMatching(/^bad\.swb: node "[^"]+" \(MaxPool\): attribute strides \[0, 0\] must be >= 1, got 0; [^\n]*$/),
    });
  });

  it('a dense ONNX model with a convolution padded past the bound: one-line E_MODEL', async () => {
    const bad = withAttrs(graph, 'Conv', { pads: [100000, 100000, 100000, 100000] });
    await expect(loadOnnx(encodeFreshOnnx(bad), {}, 'bad.onnx')).rejects.toMatchObject({
      code: 'E_MODEL',
      message: expect.stringMatching(
        /^bad\.onnx: node "[^"]+" \(Conv\): attribute pads \[100000, 100000, 100000, 100000\] must be between 0 and 4096, got 100000; [^\n]*$/,
      ),
    });
  });

  it('the unchanged networks still load', async () => {
    const m = await loadBundle(encodeBundle(toWinogradGraph(graph, selectTargets(graph, { tile: 6 })), new Uint8Array([1])));
    expect(m.steps.some((s) => s.includes('Winograd'))).toBe(true);
    await m.close();
  });
});

import { describe, expect, it } from 'vitest';
import { denseNetwork } from '../../src/api/report.js';
import { readOnnx } from '../../src/io/onnx/index.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { loadGraph } from '../../src/runtime/index.js';
import { ONNX_FIXTURES } from '../helpers/fixtures.js';

describe('denseNetwork: the network report times dense through the runtime', () => {
  it('a spatial model is itself; a Winograd-form one gets each WinogradConv back as the r x r Conv of its shape, and plans as the spatial model does', async () => {
    const spatial = readOnnx(ONNX_FIXTURES.fashionVgg).graph;
    expect(denseNetwork(spatial)).toBe(spatial);
    const wg = toWinogradGraph(spatial, selectTargets(spatial, { tile: 6 }));
    const dense = denseNetwork(wg);
    expect(dense.nodes.some((n) => n.op === 'WinogradConv')).toBe(false);
    for (const [i, n] of dense.nodes.entries()) {
      const s = spatial.nodes[i]!;
      expect(n.op).toBe(s.op);
      if (n.op !== 'Conv') continue;
      expect(dense.params.get(n.inputs[1]!)!.dims).toEqual(spatial.params.get(s.inputs[1]!)!.dims);
      expect(n.inputs[2]).toBe(s.inputs[2]);
    }
    // No Winograd-domain weight is left behind.
    expect([...dense.params.keys()].some((k) => k.endsWith('.winograd'))).toBe(false);
    const [a, b] = [await loadGraph(spatial, undefined), await loadGraph(dense, undefined)];
    expect(b.steps.map((l) => l.replace(/\d+ weights/, ''))).toEqual(a.steps.map((l) => l.replace(/\d+ weights/, '')));
    await a.close();
    await b.close();
  });
});

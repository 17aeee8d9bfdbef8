import { describe, expect, it } from 'vitest';
import { readOnnx } from '../../src/io/onnx/index.js';
import { spatialPruner } from '../../src/prune/spatial-pruner.js';
import { selectTargets } from '../../src/prune/targets.js';
import { ONNX_FIXTURES } from '../helpers/fixtures.js';

describe('spatialPruner', () => {
  it('a stage whose target the layer already meets keeps every existing zero masked (fine-tuning stage)', () => {
    const graph = readOnnx(ONNX_FIXTURES.fashionVgg).graph;
    const targets = selectTargets(graph, { tile: 6 });
    const pruner = spatialPruner(targets, 'layer');
    const first = pruner.prune(graph, 0.3).masks;
    for (const [name, mask] of first) {
      const w = graph.params.get(name)!.data as Float32Array;
      mask.forEach((keep, i) => {
        if (!keep) w[i] = 0;
      });
    }
    for (const target of [0.3, 0.2]) {
      const again = pruner.prune(graph, target).masks;
      for (const t of targets) {
        const w = graph.params.get(t.weight)!.data as Float32Array;
        const mask = again.get(t.weight)!;
        const zeros = [...w.keys()].filter((i) => w[i] === 0);
        // The first stage pruned this layer; every one of its zeros stays masked.
        expect(zeros.length, t.node.name).toBeGreaterThan(0);
        expect(
          zeros.filter((i) => mask[i] !== 0),
          t.node.name,
        ).toEqual([]);
        // Below the sparsity it already has, a stage prunes nothing new: the mask is the zeros.
        if (target === 0.2)
          expect(
            mask.reduce((n, keep) => n + (keep ? 0 : 1), 0),
            t.node.name,
          ).toBe(zeros.length);
      }
    }
  });
});

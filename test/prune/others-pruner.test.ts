import { describe, expect, it } from 'vitest';
import { WINOGRAD_CONV, type Graph, type GraphNode, type Param } from '../../src/graph/ir.js';
import { otherConvolutions, othersFigures, othersStageFraction, withOthersPruned } from '../../src/prune/others-pruner.js';
import { winogradTargets } from '../../src/prune/targets.js';
import { winogradPruner } from '../../src/prune/winograd-pruner.js';

/** Distinct nonzero values of mixed sign (a deterministic scramble), so magnitude ranking has no ties. */
const weights = (n: number, seed: number) =>
  Float32Array.from({ length: n }, (_, k) => (k % 2 ? -1 : 1) * (0.01 + ((k * 37 + seed * 11) % n) / n));

const conv = (name: string, weight: string, attrs: GraphNode['attrs'] = {}): GraphNode => ({
  name,
  op: 'Conv',
  domain: '',
  inputs: ['x', weight],
  outputs: [`${name}:y`],
  attrs,
});

/**
 * Node wiring is not executed here (selection and masks read only ops, attributes and weights):
 * a Winograd layer, a 3x3 stride-1 candidate left spatial, a 7x7 stride-2 stem, a strided 3x3,
 * a 1x1, a depthwise 3x3 (group 4), a 5x5 stride 1 and a Gemm.
 */
function graph(): Graph {
  const p = (name: string, dims: number[], seed: number): [string, Param] => [
    name,
    {
      name,
      dims,
      data: weights(
        dims.reduce((a, b) => a * b, 1),
        seed,
      ),
    },
  ];
  return {
    inputs: [{ name: 'x', dims: [null, 4, 16, 16], layout: 'NCHW' }],
    outputs: [{ name: 'y', dims: [null, 10] }],
    nodes: [
      {
        name: 'wconv',
        op: 'WinogradConv',
        domain: WINOGRAD_CONV.domain,
        inputs: ['x', 'W'],
        outputs: ['wconv:y'],
        attrs: { tile: 6, m: 4, kernel: 3, pads: [1, 1, 1, 1] },
      },
      conv('candidate', 'g3'),
      conv('stem', 'g7', { strides: [2, 2] }),
      conv('strided', 'gs', { strides: [2, 2] }),
      conv('pointwise', 'g1'),
      conv('depthwise', 'gd', { group: 4 }),
      conv('five', 'g5'),
      { name: 'fc', op: 'Gemm', domain: '', inputs: ['x', 'fcw'], outputs: ['y'], attrs: {} },
    ],
    params: new Map([
      p('W', [4, 4, 6, 6], 1),
      p('g3', [4, 4, 3, 3], 2),
      p('g7', [8, 3, 7, 7], 3),
      p('gs', [8, 4, 3, 3], 4),
      p('g1', [8, 4, 1, 1], 5),
      p('gd', [4, 1, 3, 3], 6),
      p('g5', [4, 4, 5, 5], 7),
      p('fcw', [10, 64], 8),
    ]),
    opset: 13,
  };
}

const zeros = (m: Uint8Array) => m.reduce((n, v) => n + (v === 0 ? 1 : 0), 0);

describe('the other convolutions (beyond the paper)', () => {
  it('are the group-1 Conv nodes step 2 cannot make Winograd layers with the tile: stem, strided, 1x1, a 5x5 without a tile of that T', () => {
    const g = graph();
    expect(otherConvolutions(g, 6).map((o) => o.node.name)).toEqual(['stem', 'strided', 'pointwise', 'five']);
    // T = 8 has F(4x4,5x5): the 5x5 is a Winograd candidate, not an other.
    expect(otherConvolutions(g, 8).map((o) => o.node.name)).toEqual(['stem', 'strided', 'pointwise']);
  });

  it('masks each other layer at round(f·n) zeros, its smallest |g|, and leaves the Winograd masks, scales and figures as they are', () => {
    const g = graph();
    const inner = winogradPruner(winogradTargets(g), { importance: true, norm: 'none', power: 2 });
    const others = otherConvolutions(g, 6);
    const pruner = withOthersPruned(inner, others, 0.8, 0.8);
    const alone = inner.prune(g, 0.8);
    const both = pruner.prune(g, 0.8);
    expect([...both.masks.keys()].sort()).toEqual(['W', 'g1', 'g5', 'g7', 'gs']);
    expect(both.masks.get('W')).toEqual(alone.masks.get('W'));
    expect(both.allocation).toEqual(alone.allocation);
    for (const o of others) {
      const mask = both.masks.get(o.weight)!;
      const w = g.params.get(o.weight)!.data as Float32Array;
      // 8·3·7·7 = 1176 weights: round(940.8) = 941; 8·4·3·3 = 288: round(230.4) = 230; 32: round(25.6) = 26; 400: 320.
      expect(zeros(mask), o.node.name).toBe(Math.round(0.8 * w.length));
      const pruned = w.filter((_, k) => mask[k] === 0).map(Math.abs);
      const kept = w.filter((_, k) => mask[k] === 1).map(Math.abs);
      expect(Math.max(...pruned)).toBeLessThan(Math.min(...kept));
    }
    const scales = pruner.gradientScales(both.masks);
    expect([...scales.keys()]).toEqual(['W']); // the others' gradients: their mask (the default)
    expect(scales.get('W')).toEqual(inner.gradientScales(alone.masks).get('W'));
    expect(pruner.figures(g, 0.8)).toEqual(inner.figures(g, 0.8));
  });

  it('follow the schedule: fraction · target / final target at earlier stages, zeros already there counted and kept', () => {
    expect(othersStageFraction(0.8, 0.4, 0.8)).toBeCloseTo(0.4, 12);
    expect(othersStageFraction(0.8, 0.8, 0.8)).toBe(0.8);
    const g = graph();
    const w = g.params.get('gs')!.data as Float32Array;
    // The largest weight zeroed by an earlier stage stays zero and counts.
    const largest = w.reduce((best, v, k) => (Math.abs(v) > Math.abs(w[best]!) ? k : best), 0);
    w[largest] = 0;
    const inner = winogradPruner(winogradTargets(g), { importance: true, norm: 'none', power: 2 });
    const mask = withOthersPruned(inner, otherConvolutions(g, 6), 0.6, 0.8).prune(g, 0.4).masks.get('gs')!;
    expect(zeros(mask)).toBe(Math.round(0.3 * 288)); // 86
    expect(mask[largest]).toBe(0);
  });

  it('figures count exact zeros per layer', () => {
    const g = graph();
    const w = g.params.get('g1')!.data as Float32Array;
    w.fill(0, 0, 5);
    w[7] = -0;
    expect(othersFigures(g, otherConvolutions(g, 6))).toEqual([
      { name: 'stem', weights: 1176, zeros: 0 },
      { name: 'strided', weights: 288, zeros: 0 },
      { name: 'pointwise', weights: 32, zeros: 6 },
      { name: 'five', weights: 400, zeros: 0 },
    ]);
  });
});

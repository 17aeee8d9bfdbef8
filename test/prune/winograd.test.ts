import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileGraph } from '../../src/exec/index.js';
import { readOnnx } from '../../src/io/onnx/index.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { gradientScale, nthSmallest, winogradMask } from '../../src/prune/winograd-mask.js';
import { ONNX_FIXTURES } from '../helpers/fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('winogradMask (ranking by |W|·Γ)', () => {
  const gamma = [
    [1, 2],
    [2, 4],
  ];

  it('prunes the smallest |W|·Γ first; existing zeros count and stay', () => {
    // One kernel, T = 2: scores |W|·Γ = [0.5, 0.6, 0.8, 0.4] -> order 3, 0, 1, 2.
    const w = Float32Array.from([0.5, 0.3, 0.4, 0.1]);
    expect(Array.from(winogradMask(w, gamma, 0.25))).toEqual([1, 1, 1, 0]);
    expect(Array.from(winogradMask(w, gamma, 0.5))).toEqual([0, 1, 1, 0]);
    const withZero = Float32Array.from([0.5, 0, 0.4, 0.1]);
    expect(Array.from(winogradMask(withZero, gamma, 0.25))).toEqual([1, 0, 1, 1]);
    expect(Array.from(winogradMask(withZero, gamma, 0.5))).toEqual([1, 0, 1, 0]);
  });

  it('reaches the target fraction on a layer', () => {
    const w = Float32Array.from({ length: 8 * 4 * 4 }, (_, i) => Math.sin(i * 1.7));
    const m = winogradMask(w, gamma, 0.8);
    expect(m.reduce((z, v) => z + (v === 0 ? 1 : 0), 0)).toBe(Math.round(0.8 * w.length));
  });

  it('equals the ranking written as a sort of indices by (|W|·Γ, index), ties included', () => {
    const T = 6;
    const g = Array.from({ length: T }, (_, i) => Array.from({ length: T }, (_, j) => 1 + ((i * T + j) % 5)));
    // Weights from a few values, with zeros: many equal scores across and within positions.
    const w = Float32Array.from({ length: 16 * 8 * T * T }, (_, i) => [0, 0.5, -0.25, 1, 0.125, -2][(i * 2654435761) % 6]!);
    const reference = (target: number) => {
      const flat = g.flat();
      const mask = new Uint8Array(w.length).fill(1);
      const want = Math.round(target * w.length);
      const live: number[] = [];
      let zeros = 0;
      w.forEach((v, k) => {
        if (v !== 0) live.push(k);
        else {
          mask[k] = 0;
          zeros++;
        }
      });
      const score = (k: number) => Math.abs(w[k]!) * flat[k % (T * T)]!;
      live.sort((a, b) => score(a) - score(b) || a - b);
      for (let n = 0; n < want - zeros; n++) mask[live[n]!] = 0;
      return mask;
    };
    for (const target of [0.1, 0.2, 0.45, 0.7, 0.93])
      expect(Buffer.from(winogradMask(w, g, target)).equals(Buffer.from(reference(target)))).toBe(true);
  });

  it('nthSmallest is the k-th value of the sorted array, duplicates included', () => {
    const a = Float64Array.from({ length: 1001 }, (_, i) => ((i * 7919) % 37) / 4);
    const sorted = a.slice().sort();
    for (const k of [0, 1, 17, 500, 999, 1000]) expect(nthSmallest(a.slice(), k)).toBe(sorted[k]);
  });

  it('gradient scale is Γ^-p per position', () => {
    expect(gradientScale(gamma, 1.5)).toEqual([1, 2 ** -1.5, 2 ** -1.5, 4 ** -1.5]);
    expect(gradientScale(gamma, 0)).toEqual([1, 1, 1, 1]);
  });
});

describe('toWinogradGraph', () => {
  for (const T of [4, 6]) {
    it(`the converted, unpruned model equals the spatial model's outputs (T=${T}, 1e-4 relative)`, () => {
      const graph = readOnnx(ONNX_FIXTURES.resnetSmall).graph;
      const targets = selectTargets(graph, { tile: T });
      const wg = toWinogradGraph(graph, targets);
      expect(wg.nodes.filter((n) => n.op === 'WinogradConv')).toHaveLength(targets.length);
      const a = compileGraph(graph);
      const b = compileGraph(wg);
      const x = tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
      const ya = a.forward(x).dataSync();
      const yb = b.forward(x).dataSync();
      const scale = Math.max(...Array.from(ya, Math.abs));
      ya.forEach((v, i) => {
        expect(Math.abs(v - yb[i]!) / scale).toBeLessThan(1e-4);
      });
      a.dispose();
      b.dispose();
      x.dispose();
    });
  }
});

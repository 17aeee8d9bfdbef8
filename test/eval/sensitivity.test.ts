import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bufferStreams } from '../../src/cli/streams.js';
import { EXIT, runCli } from '../../src/cli/run.js';
import { loadDataset } from '../../src/data/index.js';
import { evaluate } from '../../src/eval/evaluate.js';
import { compileGraph } from '../../src/exec/index.js';
import { readOnnx } from '../../src/io/onnx/index.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { browserAvailable, renderedDom } from '../helpers/browser.js';
import { FASHION_SLICE, ONNX_FIXTURES } from '../helpers/fixtures.js';

// F(4x4,3x3) B^T and A^T from docs/method.md, typed in here: Γ[i][j] = k_i k_j, k_i = ||row i of B^T|| * ||column i of A^T||.
const BT = [
  [4, 0, -5, 0, 1, 0],
  [0, -4, -4, 1, 1, 0],
  [0, 4, -4, -1, 1, 0],
  [0, -2, -1, 2, 1, 0],
  [0, 2, -1, -2, 1, 0],
  [0, 4, 0, -5, 0, 1],
];
const AT = [
  [1, 1, 1, 1, 1, 0],
  [0, 1, -1, 2, -2, 0],
  [0, 1, 1, 4, 4, 0],
  [0, 1, -1, 8, -8, 1],
];
const k = BT.map((row, i) => Math.hypot(...row) * Math.hypot(...AT.map((r) => r[i]!)));

describe('swprune sensitivity', () => {
  it('one Winograd-domain cell equals an independent one-shot pruning evaluated with the executor; HTML shows every curve', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swprune-sens-'));
    const json = join(dir, 's.json');
    const html = join(dir, 's.html');
    const layer = '/features/features.10/Conv';
    const io = bufferStreams();
    const code = await runCli(
      [
        'sensitivity',
        ONNX_FIXTURES.fashionVgg,
        '--data',
        `fashion-mnist:${FASHION_SLICE}`,
        '--domain',
        'both',
        '--levels',
        '0.3,0.6',
        '--layers',
        '*features.1?/*',
        '--limit',
        '300',
        '--json',
        json,
        '--html',
        html,
        '--backend',
        'wasm',
      ],
      io,
    );
    expect(code).toBe(EXIT.ok);
    const report = JSON.parse(readFileSync(json, 'utf8')) as {
      baseline: { top1: number };
      layers: { name: string; domain: string; levels: { sparsity: number; top1: number }[] }[];
    };
    expect(report.layers.map((l) => `${l.domain} ${l.name}`).sort()).toEqual([
      'spatial /features/features.10/Conv',
      'spatial /features/features.14/Conv',
      'winograd /features/features.10/Conv',
      'winograd /features/features.14/Conv',
    ]);
    const cell = report.layers.find((l) => l.domain === 'winograd' && l.name === layer)!.levels.find((c) => c.sparsity === 0.6)!;

    // Independently: W = G g G^T (the converted model), zero the 60% smallest |W|·Γ of that layer only.
    const graph = readOnnx(ONNX_FIXTURES.fashionVgg).graph;
    const wg = toWinogradGraph(graph, selectTargets(graph, { tile: 6 }));
    const node = wg.nodes.find((n) => n.name === layer)!;
    const w = wg.params.get(node.inputs[1]!)!.data as Float32Array;
    const order = Array.from(w.keys()).sort(
      (a, b) =>
        Math.abs(w[a]!) * k[Math.floor((a % 36) / 6)]! * k[a % 6]! - Math.abs(w[b]!) * k[Math.floor((b % 36) / 6)]! * k[b % 6]! || a - b,
    );
    for (const i of order.slice(0, Math.round(0.6 * w.length))) w[i] = 0;
    const model = compileGraph(wg);
    const dataset = loadDataset({ kind: 'fashion-mnist', dir: FASHION_SLICE });
    const r = await evaluate(model, dataset.test, { batchSize: 256, limit: 300 });
    model.dispose();
    expect(cell.top1).toBe(r.accuracy.top1);
    const dense = compileGraph(graph);
    expect(report.baseline.top1).toBe((await evaluate(dense, dataset.test, { batchSize: 256, limit: 300 })).accuracy.top1);
    dense.dispose();
    expect(io.stdout.text).toMatch(/top-1 drop in points against the baseline \d+\.\d\d% \(300 test images\)/);

    if (browserAvailable) {
      const dom = renderedDom(html);
      for (const l of report.layers) expect(dom).toContain(`data-layer="${l.name}"`);
      expect(dom).toContain('data-domain="spatial"');
      expect(dom).toContain('data-domain="winograd"');
    }
  });
});

describe('--targets-from', () => {
  it('spatial: per-layer targets from the curves, logged, reaching the overall target', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'swprune-targets-'));
    const sens = join(dir, 'sens.json');
    const names = [
      '/features/features.0/Conv',
      '/features/features.3/Conv',
      '/features/features.7/Conv',
      '/features/features.10/Conv',
      '/features/features.14/Conv',
    ];
    // Only the last layer is robust (drop 0.2 pt up to 60%); the others lose 5 points at 20%.
    writeFileSync(
      sens,
      JSON.stringify({
        baseline: { top1: 0.9 },
        layers: names.map((name) => ({
          name,
          domain: 'spatial',
          levels: [0.2, 0.4, 0.6].map((s) => ({ sparsity: s, top1: name.endsWith('14/Conv') ? 0.898 : 0.85 })),
        })),
      }),
    );
    const json = join(dir, 'log.json');
    const io = bufferStreams();
    const code = await runCli(
      [
        'spatial',
        ONNX_FIXTURES.fashionVgg,
        '--data',
        `fashion-mnist:${FASHION_SLICE}`,
        '-o',
        join(dir, 'out.onnx'),
        '--sparsity',
        '0.25',
        '--targets-from',
        sens,
        '--max-drop',
        '1',
        '--epochs',
        '1',
        '--limit',
        '128',
        '--batch-size',
        '64',
        '--backend',
        'wasm',
        '--json',
        json,
      ],
      io,
    );
    expect(code).toBe(EXIT.ok);
    const log = JSON.parse(readFileSync(json, 'utf8')) as {
      stages: { winogradSparsity: number; layers: { name: string; target: number; winogradSparsity: number }[] }[];
    };
    const layers = log.stages[0]!.layers;
    // features.14 holds 64*32*36 of the 138,816 Winograd weights: 60% there is 0.6*73728/138816 = 31% overall > 25%,
    // so it alone carries the target: 0.25*138816/73728 = 47.1%; every other layer stays dense.
    expect(layers.find((l) => l.name.endsWith('14/Conv'))!.target).toBeCloseTo((0.25 * 138816) / 73728, 6);
    for (const l of layers.filter((x) => !x.name.endsWith('14/Conv'))) expect(l.target).toBe(0);
    expect(Math.abs(log.stages[0]!.winogradSparsity - 0.25)).toBeLessThan(0.005);
    expect(io.stdout.text).toMatch(/stage 1\/1 per-layer targets for 25\.0% overall: .*features\.14\/Conv 47\.1% \(predicted -0\.20 pt\)/);
  });
});

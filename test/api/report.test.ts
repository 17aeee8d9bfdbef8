import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bufferStreams } from '../../src/cli/streams.js';
import { EXIT, runCli } from '../../src/cli/run.js';
import type { Graph } from '../../src/graph/ir.js';
import { encodeOnnx, readOnnx } from '../../src/io/onnx/index.js';
import { selectTargets } from '../../src/prune/targets.js';
import { toWinogradGraph } from '../../src/prune/to-winograd.js';
import { winogradPruner } from '../../src/prune/winograd-pruner.js';
import { winogradTargets } from '../../src/prune/targets.js';
import { writeFileSync } from 'node:fs';
import { browserAvailable, browserRequired, renderedDom, screenshot } from '../helpers/browser.js';
import { FASHION_SLICE, ONNX_FIXTURES, repoPath } from '../helpers/fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'swprune-report-'));
const DATA = `fashion-mnist:${FASHION_SLICE}`;

/** fashion-vgg in Winograd form, 50% of each W pruned by |W|·Γ (no retraining), written as ONNX. */
function winogradModel(dir: string): { path: string; graph: Graph } {
  const loaded = readOnnx(ONNX_FIXTURES.fashionVgg);
  const graph = toWinogradGraph(loaded.graph, selectTargets(loaded.graph, { tile: 6 }));
  const { masks } = winogradPruner(winogradTargets(graph), { importance: true, norm: 'none', power: 1 }).prune(graph, 0.5);
  for (const [name, mask] of masks) {
    const w = graph.params.get(name)!.data as Float32Array;
    mask.forEach((keep, i) => {
      if (!keep) w[i] = 0;
    });
  }
  const path = join(dir, 'wg.onnx');
  writeFileSync(path, encodeOnnx(loaded, graph));
  return { path, graph };
}

interface JsonLayer {
  name: string;
  kind: string;
  winogradSparsity: number | null;
  spatialSparsity: number | null;
  zeroPattern: number[][] | null;
  outputShape: number[];
  macs: { direct: number; denseWinograd: number | null; sparseWinograd: number | null };
}

describe('swprune report', () => {
  it('Winograd-form model: figures match an independent count, the bundle gives the dense accuracy (0.1 pt), HTML renders every layer', async () => {
    const dir = tmp();
    const { path, graph } = winogradModel(dir);
    const [out, json, html] = ['m.swb', 'r.json', 'r.html'].map((f) => join(dir, f)) as [string, string, string];
    const io = bufferStreams();
    // Real logs of a spatial and a winograd run (full-data runs of docs/results.md) as the road to the model.
    const history = ['docs/runs/spatial-60.json', 'docs/runs/wg-f4b-75.json'].map(repoPath);
    const logs = history.map(
      (p) => JSON.parse(readFileSync(p, 'utf8')) as { baseline: { top1: number }; stages: { winogradSparsity: number }[] },
    );
    const code = await runCli(
      [
        'report',
        path,
        '--data',
        DATA,
        '-o',
        out,
        '--json',
        json,
        '--html',
        html,
        '--history',
        history.join(','),
        '--limit',
        '500',
        '--backend',
        'wasm',
        '--threads',
        '1',
      ],
      io,
    );
    expect(code).toBe(EXIT.ok);
    const r = JSON.parse(readFileSync(json, 'utf8')) as {
      layers: JsonLayer[];
      overall: { winogradSparsity: number; macs: { sparseWinograd: number } };
      accuracy: { top1: number };
      denseAccuracy: { top1: number };
      bundle: { bytes: number };
      accuracySource: string;
      speed: {
        measuredInTurns: boolean;
        bundle: { examplesPerSecond: number; threads: number; batch: number; batch1MsPerImage: number } | null;
        denseRuntime: { examplesPerSecond: number; threads: number; batch: number; batch1MsPerImage: number } | null;
        dense: { examplesPerSecond: number; threads: number; backend: string };
      };
      history: { baseline: { top1: number }; stages: { command: string; winogradSparsity: number }[] };
    };
    expect(r.accuracySource).toBe('runtime');
    expect(Math.abs(r.accuracy.top1 - r.denseAccuracy.top1)).toBeLessThanOrEqual(0.001);
    expect(r.speed.bundle).toMatchObject({ threads: 1, batch: 64 });
    expect(r.speed.bundle!.examplesPerSecond).toBeGreaterThan(0);
    expect(r.speed.dense).toMatchObject({ threads: 1, backend: 'wasm' });
    expect(r.speed.dense.examplesPerSecond).toBeGreaterThan(0);
    // The dense network through the same runtime, on the same threads and batch, timed in turns with the bundle: like with like.
    expect(r.speed.denseRuntime).toMatchObject({ threads: 1, batch: 64 });
    expect(r.speed.measuredInTurns).toBe(true);
    expect(r.speed.denseRuntime!.examplesPerSecond).toBeGreaterThan(0);
    expect(r.speed.denseRuntime!.batch1MsPerImage).toBeGreaterThan(0);
    expect(r.accuracy.top1).toBeGreaterThan(0.2);
    expect(r.bundle.bytes).toBe(statSync(out).size);

    let zeros = 0;
    let total = 0;
    for (const n of graph.nodes.filter((x) => x.op === 'WinogradConv')) {
      const row = r.layers.find((l) => l.name === n.name)!;
      const w = graph.params.get(n.inputs[1]!)!.data as Float32Array;
      const z = w.filter((v) => v === 0).length;
      zeros += z;
      total += w.length;
      expect(row.kind).toBe('winograd');
      expect(row.winogradSparsity).toBe(z / w.length);
      // 28x28 or 14x14 or 7x7 outputs in 4x4 tiles; multiplications = tiles * nonzeros of W.
      const [, , h, wd] = row.outputShape as [number, number, number, number];
      expect(row.macs.sparseWinograd).toBe(Math.ceil(h / 4) * Math.ceil(wd / 4) * (w.length - z));
      expect(row.macs.denseWinograd).toBe(Math.ceil(h / 4) * Math.ceil(wd / 4) * w.length);
      // Position (0,0) of the pattern: the fraction of kernels whose W[0][0] is zero.
      const kernels = w.length / 36;
      let z00 = 0;
      for (let k = 0; k < kernels; k++) if (w[k * 36] === 0) z00++;
      expect(row.zeroPattern![0]![0]).toBe(z00 / kernels);
    }
    expect(r.overall.winogradSparsity).toBeCloseTo(zeros / total, 12);
    expect(r.layers.some((l) => l.kind === 'Gemm' && l.winogradSparsity === null)).toBe(true);
    expect(io.stdout.text).toMatch(/accuracy from the bundle \(the swprune runtime\): top-1/);
    expect(io.stdout.text).toMatch(
      /speed, batches of \d+: bundle [\d,]+ images\/s \(swprune runtime, 1 thread; [\d.]+ ms for one image\), the network dense through the same runtime [\d,]+ images\/s \([\d.]+ ms\): [\d.]+x \(timed in turns\); dense executor/,
    );
    const stages = logs.flatMap((l) => l.stages);
    expect(r.history.baseline.top1).toBe(logs[0]!.baseline.top1);
    expect(r.history.stages.map((s) => s.winogradSparsity)).toEqual(stages.map((s) => s.winogradSparsity));
    expect(r.history.stages.map((s) => s.command)).toEqual(['spatial', 'spatial', 'spatial', 'winograd']);

    if (browserAvailable) {
      const dom = renderedDom(html);
      for (const n of graph.nodes.filter((x) => x.op === 'WinogradConv')) {
        expect(dom).toContain(`<g class="layer" data-layer="${n.name}">`);
        expect(dom).toContain(`<div class="map" data-layer="${n.name}">`);
      }
      expect(dom).toContain('<svg id="history-chart"');
      expect(dom).toContain('id="dense-baseline"');
      // Measured speed beside the multiplication counts: the figures of the JSON, as rendered.
      const bundleRow = /<tr id="speed-bundle"><th>[^<]*<\/th><td>([\d,]+); ([\d.]+) ms<\/td><\/tr>/.exec(dom);
      expect(bundleRow?.[1]).toBe(Math.round(r.speed.bundle!.examplesPerSecond).toLocaleString('en-US'));
      const denseRow =
        /<tr id="speed-dense-runtime"><th>[^<]*swprune runtime, 1 thread\)[^<]*<\/th><td>([\d,]+); ([\d.]+) ms<\/td><\/tr>/.exec(dom);
      expect(denseRow?.[1]).toBe(Math.round(r.speed.denseRuntime!.examplesPerSecond).toLocaleString('en-US'));
      expect(dom).toContain('timed in turns in one process: batches; one image</th>');
      expect(dom).toContain(`<td>${(r.speed.bundle!.examplesPerSecond / r.speed.denseRuntime!.examplesPerSecond).toFixed(2)}x; `);
      expect(dom).toMatch(
        new RegExp(
          `<tr id="speed-dense"><th>[^<]*wasm, 1 thread\\)</th><td>${Math.round(r.speed.dense.examplesPerSecond).toLocaleString('en-US')}</td>`,
        ),
      );
      expect(dom.match(/<g class="stage" data-command="(spatial|winograd)"/g)).toHaveLength(stages.length);
      const png = join(dir, 'r.png');
      screenshot(html, png);
      expect(statSync(png).size).toBeGreaterThan(10_000);
    } else {
      expect(browserRequired, 'SWPRUNE_BROWSER_TESTS=required but /usr/bin/chromium is missing (apt-get install chromium)').toBe(false);
    }
  });

  it('spatial model: converts with --tile, reports spatial sparsity, and leaves the input untouched', async () => {
    const dir = tmp();
    const out = join(dir, 'dense.swb');
    const json = join(dir, 'r.json');
    const before = readFileSync(ONNX_FIXTURES.fashionVgg);
    expect(
      await runCli(
        [
          'report',
          ONNX_FIXTURES.fashionVgg,
          '--data',
          DATA,
          '-o',
          out,
          '--tile',
          '4',
          '--json',
          json,
          '--limit',
          '300',
          '--backend',
          'wasm',
        ],
        bufferStreams(),
      ),
    ).toBe(EXIT.ok);
    const r = JSON.parse(readFileSync(json, 'utf8')) as {
      layers: JsonLayer[];
      accuracy: { top1: number };
      denseAccuracy: { top1: number };
    };
    const wino = r.layers.filter((l) => l.kind === 'winograd');
    expect(wino).toHaveLength(5);
    for (const l of wino) {
      expect(l.spatialSparsity).toBe(0);
      expect(l.zeroPattern).toHaveLength(4);
    }
    expect(Math.abs(r.accuracy.top1 - r.denseAccuracy.top1)).toBeLessThanOrEqual(0.001);
    expect(readFileSync(ONNX_FIXTURES.fashionVgg).equals(before)).toBe(true);
    expect(existsSync(out)).toBe(true);
  });

  it('refuses a --history file that is not a spatial or winograd log, before any work', async () => {
    const io = bufferStreams();
    const out = join(tmp(), 'x.swb');
    expect(
      await runCli(['report', ONNX_FIXTURES.fashionVgg, '--data', DATA, '-o', out, '--history', repoPath('docs/runs/slice/sens.json')], io),
    ).toBe(EXIT.usage);
    expect(io.stderr.text).toMatch(
      /^swprune: error\[E_USAGE\]: --history: .*sens\.json is not the JSON log of a spatial or winograd run \(write it with --json\)\n$/,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an output that is not .swb', async () => {
    const io = bufferStreams();
    expect(await runCli(['report', ONNX_FIXTURES.fashionVgg, '--data', DATA, '-o', join(tmp(), 'x.onnx')], io)).toBe(EXIT.usage);
    expect(io.stderr.text).toMatch(/-o must be a \.swb bundle file/);
  });
});

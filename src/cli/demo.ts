/**
 * `npm run demo`: the whole pipeline on the bundled model and the committed Fashion-MNIST
 * slice, into a fresh folder out/demo-<time>/ (or `--out DIR`):
 *
 *   sensitivity -> spatial -> sensitivity (Winograd domain) -> winograd (ending with a fine-tuning
 *   stage) -> report (bundle, JSON, HTML with the stage-by-stage history) -> run (the dense model
 *   and the bundle on the same runtime, timed)
 *
 * About a minute on an idle 2-core machine (test/cli/demo.test.ts runs it). Each step is the CLI command a user would type (printed first);
 * the last lines put the dense and the pruned model side by side, and demo.json holds the same
 * figures. `npm run bench:demo` runs it and records whether it reached its target.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Report } from '../api/report.js';
import type { RunResult } from '../api/run.js';
import type { SpatialReport } from '../api/spatial.js';
import type { WinogradReport } from '../api/winograd.js';
import { runCli } from './run.js';
import { formatCount, formatPercent } from './table.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const rel = (p: string) => relative(process.cwd(), join(root, p)) || '.';

/** What the demo must show: at least this Winograd-domain sparsity within this many points of dense. */
const DEMO_TARGET = { sparsity: 0.7, maxDropPoints: 1.5 } as const;

/**
 * The demo's command lines, with the slice-sized schedule chosen for it (docs/results.md,
 * "The demo's schedule"): measure each layer's sensitivity, prune spatially to per-layer
 * targets at a low learning rate, measure again in the Winograd domain, then prune in the
 * Winograd domain to 70% overall with a fine-tuning stage at the final target.
 */
function demoSteps(dir: string): string[][] {
  const data = `fashion-mnist:${rel('models/data/fashion-mnist')}`;
  const model = rel('models/fashion-vgg.onnx');
  const out = (f: string) => join(dir, f);
  return [
    ['sensitivity', model, '--data', data, '--limit', '500', '--json', out('sensitivity-dense.json')],
    [
      'spatial',
      model,
      '--data',
      data,
      '-o',
      out('spatial.onnx'),
      '--schedule',
      '0.4,0.6',
      '--epochs',
      '2',
      '--lr',
      '0.002',
      '--targets-from',
      out('sensitivity-dense.json'),
      '--json',
      out('spatial.json'),
    ],
    [
      'sensitivity',
      out('spatial.onnx'),
      '--data',
      data,
      '--limit',
      '500',
      '--domain',
      'winograd',
      '--levels',
      '0.6,0.7,0.8,0.85,0.9,0.95',
      '--json',
      out('sensitivity-spatial.json'),
    ],
    // --importance-power 1, not the defaults (p = 2, gain 64): this slice-sized schedule (low
    // learning rates, 4,000 images, from a step-1 model far below dense) needs W to move faster
    // than the default rate at lr 0.002 lets it; with the defaults it ended 2.8 points below dense
    // instead of 0.9 (docs/results.md, the demo's schedule; docs/method.md, step 2's defaults).
    [
      'winograd',
      out('spatial.onnx'),
      '--data',
      data,
      '-o',
      out('winograd.onnx'),
      '--schedule',
      '0.7,0.7',
      '--epochs',
      '3,2',
      '--lr',
      '0.002,0.001',
      '--importance-power',
      '1',
      '--targets-from',
      out('sensitivity-spatial.json'),
      '--expand',
      out('winograd-standard.onnx'),
      '--json',
      out('winograd.json'),
    ],
    [
      'report',
      out('winograd.onnx'),
      '--data',
      data,
      '-o',
      out('model.swb'),
      '--json',
      out('report.json'),
      '--html',
      out('report.html'),
      '--history',
      `${out('spatial.json')},${out('winograd.json')}`,
    ],
    ['run', model, '--data', data, '--json', out('run-dense.json')],
    ['run', out('model.swb'), '--data', data, '--json', out('run-pruned.json')],
  ];
}

const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;
const mega = (n: number) => `${(n / 1e6).toFixed(2)}M`;

/** What the demo ends with (demo.json): the dense and the pruned model side by side. */
export interface DemoSummary {
  readonly target: typeof DEMO_TARGET;
  readonly met: boolean;
  /** Top-1 points lost against the dense model. */
  readonly dropPoints: number;
  readonly winogradSparsity: number;
  readonly tile: string;
  readonly stages: { readonly spatial: number; readonly winograd: number };
  readonly dense: ModelFigures;
  readonly pruned: ModelFigures;
}

interface ModelFigures {
  readonly file: string;
  readonly bytes: number;
  readonly top1: number;
  readonly multiplications: number;
  /** Through the swprune runtime, same threads for both. */
  readonly speed: { readonly threads: number; readonly batch: number; readonly examplesPerSecond: number; readonly msPerImage: number };
}

function demoSummary(dir: string): DemoSummary {
  const spatial = readJson<SpatialReport>(join(dir, 'spatial.json'));
  const winograd = readJson<WinogradReport>(join(dir, 'winograd.json'));
  const report = readJson<Report>(join(dir, 'report.json'));
  const figures = (run: RunResult, multiplications: number): ModelFigures => ({
    file: run.model,
    bytes: statSync(run.model).size,
    top1: run.accuracy.top1,
    multiplications,
    speed: {
      threads: run.speed.threads,
      batch: run.speed.batched.batch,
      examplesPerSecond: run.speed.batched.examplesPerSecond,
      msPerImage: run.speed.batch1.msPerImage,
    },
  });
  const dense = figures(readJson<RunResult>(join(dir, 'run-dense.json')), report.overall.network.direct);
  const pruned = figures(readJson<RunResult>(join(dir, 'run-pruned.json')), report.overall.network.sparseWinograd);
  const dropPoints = 100 * (dense.top1 - pruned.top1);
  const winogradSparsity = report.overall.winogradSparsity;
  return {
    target: DEMO_TARGET,
    met: winogradSparsity >= DEMO_TARGET.sparsity && dropPoints <= DEMO_TARGET.maxDropPoints,
    dropPoints,
    winogradSparsity,
    tile: report.layers.find((l) => l.tile)?.tile ?? '',
    stages: { spatial: spatial.stages.length, winograd: winograd.stages.length },
    dense,
    pruned,
  };
}

/** The closing lines. */
function summaryText(d: DemoSummary, dir: string): string {
  const row = (name: string, m: ModelFigures) =>
    `${name}  top-1 ${formatPercent(m.top1)}   ${mega(m.multiplications)} multiplications/image   ${formatCount(Math.round(m.speed.examplesPerSecond))} images/s, ` +
    `${m.speed.msPerImage.toFixed(2)} ms/image   ${m.file} ${formatCount(m.bytes)} bytes`;
  const lines = [
    '',
    row('dense model ', d.dense),
    row('pruned model', d.pruned),
    `              Winograd-domain sparsity ${formatPercent(d.winogradSparsity, 1)} ${d.tile} after ${d.stages.spatial} spatial and ${d.stages.winograd} Winograd stages; ` +
      `${(d.dense.multiplications / d.pruned.multiplications).toFixed(1)}x fewer multiplications, ` +
      `${(d.pruned.speed.examplesPerSecond / d.dense.speed.examplesPerSecond).toFixed(2)}x the images/s (swprune runtime, ${d.pruned.speed.threads} thread${d.pruned.speed.threads === 1 ? '' : 's'}, batches of ${d.pruned.speed.batch})`,
    `result: ${d.dropPoints.toFixed(2)} points below dense at ${formatPercent(d.winogradSparsity, 1)} Winograd-domain sparsity ` +
      `(target: within ${d.target.maxDropPoints} points at >= ${formatPercent(d.target.sparsity, 0)}): ${d.met ? 'met' : 'NOT met'}`,
    `This is the 4,000-image slice with a few epochs; full-data results: docs/results.md`,
    `Everything is in ${dir}/: open ${join(dir, 'report.html')} in a browser.`,
  ];
  return `${lines.join('\n')}\n`;
}

async function main(argv: readonly string[]): Promise<number> {
  const at = argv.indexOf('--out');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const dir = at >= 0 && argv[at + 1] ? argv[at + 1]! : rel(`out/demo-${stamp}`);
  mkdirSync(dir, { recursive: true });
  const streams = { stdout: process.stdout, stderr: process.stderr };
  const steps = demoSteps(dir);
  for (const [i, step] of steps.entries()) {
    process.stdout.write(`\n== demo step ${i + 1}/${steps.length}: swprune ${step.join(' ')}\n\n`);
    const code = await runCli(step, streams);
    if (code !== 0) return code;
  }
  const summary = demoSummary(dir);
  writeFileSync(join(dir, 'demo.json'), `${JSON.stringify(summary, null, 1)}\n`);
  process.stdout.write(summaryText(summary, dir));
  return 0;
}

process.exitCode = await main(process.argv.slice(2));

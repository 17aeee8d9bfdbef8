/**
 * `npm run demo`: the whole pipeline on the bundled model and the committed Fashion-MNIST
 * slice, into a fresh folder out/demo-<time>/ (or `--out DIR`):
 *
 *   spatial -> winograd (ending with a fine-tuning stage) -> report (bundle, JSON, HTML with the
 *   stage-by-stage history)
 *
 * A few minutes on 2 CPU cores. Each step is the CLI command a user would type (printed first);
 * the last lines put the dense and the pruned model side by side. `npm run bench:demo` runs it
 * and records whether it reached its target.
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Report } from '../api/report.js';
import type { SpatialReport } from '../api/spatial.js';
import type { WinogradReport } from '../api/winograd.js';
import { runCli } from './run.js';
import { formatCount, formatPercent } from './table.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const rel = (p: string) => relative(process.cwd(), join(root, p)) || '.';

/** What the demo must show: at least this Winograd-domain sparsity within this many points of dense. */
const DEMO_TARGET = { sparsity: 0.7, maxDropPoints: 1.5 } as const;

/** The demo's command lines, with the slice-sized schedule chosen for it (docs/results.md). */
function demoSteps(dir: string): string[][] {
  const data = `fashion-mnist:${rel('models/data/fashion-mnist')}`;
  const model = rel('models/fashion-vgg.onnx');
  const out = (f: string) => join(dir, f);
  return [
    ['spatial', model, '--data', data, '-o', out('spatial.onnx'), '--schedule', '0.3,0.5', '--epochs', '2', '--json', out('spatial.json')],
    ['winograd', out('spatial.onnx'), '--data', data, '-o', out('winograd.onnx'), '--schedule', '0.6,0.7,0.7', '--epochs', '2,2,2', '--lr', '0.01,0.01,0.003',
      '--expand', out('winograd-standard.onnx'), '--json', out('winograd.json')],
    ['report', out('winograd.onnx'), '--data', data, '-o', out('model.swb'), '--json', out('report.json'), '--html', out('report.html'),
      '--history', `${out('spatial.json')},${out('winograd.json')}`],
  ];
}

const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;
const mega = (n: number) => `${(n / 1e6).toFixed(2)}M`;

/** The closing lines: dense against pruned, and whether the demo met its target. */
function demoSummary(dir: string): { text: string; met: boolean } {
  const spatial = readJson<SpatialReport>(join(dir, 'spatial.json'));
  const winograd = readJson<WinogradReport>(join(dir, 'winograd.json'));
  const report = readJson<Report>(join(dir, 'report.json'));
  const dense = spatial.baseline.top1;
  const drop = 100 * (dense - report.accuracy.top1);
  const sparsity = report.overall.winogradSparsity;
  const met = sparsity >= DEMO_TARGET.sparsity && drop <= DEMO_TARGET.maxDropPoints;
  const modelBytes = statSync(spatial.model).size;
  const tile = report.layers.find((l) => l.tile)?.tile ?? '';
  const lines = [
    '',
    `dense model   top-1 ${formatPercent(dense)}   ${mega(report.overall.network.direct)} multiplications/image   ${spatial.model} ${formatCount(modelBytes)} bytes`,
    `pruned model  top-1 ${formatPercent(report.accuracy.top1)}   ${mega(report.overall.network.sparseWinograd)} multiplications/image   ${report.bundle.path} ${formatCount(report.bundle.bytes)} bytes`,
    `              Winograd-domain sparsity ${formatPercent(sparsity, 1)} ${tile} after ${spatial.stages.length} spatial and ${winograd.stages.length} Winograd stages`,
    `result: ${drop.toFixed(2)} points below dense at ${formatPercent(sparsity, 1)} Winograd-domain sparsity ` +
      `(target: within ${DEMO_TARGET.maxDropPoints} points at >= ${formatPercent(DEMO_TARGET.sparsity, 0)}): ${met ? 'met' : 'NOT met'}`,
    `This is the 4,000-image slice with a few epochs; full-data results: docs/results.md`,
    `Everything is in ${dir}/: open ${join(dir, 'report.html')} in a browser.`,
  ];
  return { text: `${lines.join('\n')}\n`, met };
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
  process.stdout.write(demoSummary(dir).text);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));

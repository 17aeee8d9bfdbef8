/**
 * Writes docs/results.md from measured files only: the JSON logs of the runs listed in
 * docs/runs/manifest.json (written by `--json`), the bundled model's metadata, and the
 * benchmark JSON under bench/. No figure in results.md is typed by hand.
 *
 *   npm run docs:results
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = (rel: string) => fileURLToPath(new URL(`../../${rel}`, import.meta.url));
const readJson = <T>(rel: string): T => JSON.parse(readFileSync(root(rel), 'utf8')) as T;

interface Acc { top1: number; top5: number; loss?: number }
interface Stage { stage: number; target: number; winogradSparsity: number; accuracyPruned: Acc; accuracy: Acc; trainLoss: number; seconds: number; examplesPerSecond: number }
interface RunLog { baseline: Acc; stages: Stage[]; final: { winogradSparsity: number; accuracy: Acc }; conversion?: { input: Acc; converted: Acc } }
interface EvalLog { accuracy: Acc; loss: number; examples: number; seconds: number; backend: string }

interface ManifestRun { label: string; command: string; json: string }
/** `data`: which test set the runs report on, so 'vs dense' compares with the right dense figure. */
interface Section { title: string; text: string; kind: 'stages' | 'compare' | 'sensitivity'; data: 'full' | 'slice'; runs: ManifestRun[] }
interface Manifest { dense: { label: string; json: string }; sections: Section[] }

const pct = (x: number, d = 2) => `${(100 * x).toFixed(d)}%`;
const pts = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(100 * x).toFixed(2)}`;

function stagesTable(log: RunLog, dense: number): string[] {
  const rows = log.stages.map((s) =>
    `| ${s.stage} | ${pct(s.target, 0)} | ${pct(s.winogradSparsity, 1)} | ${pct(s.accuracyPruned.top1)} | ${pct(s.accuracy.top1)} | ${pts(s.accuracy.top1 - dense)} | ` +
    `${s.trainLoss.toFixed(4)} | ${(s.seconds / 60).toFixed(1)} | ${s.examplesPerSecond.toFixed(0)} |`);
  const minutes = log.stages.reduce((a, s) => a + s.seconds, 0) / 60;
  return [
    `Input: top-1 ${pct(log.baseline.top1)}${log.conversion ? ` (its Winograd form: ${pct(log.conversion.converted.top1)})` : ''}. ` +
      `Result: Winograd-domain sparsity **${pct(log.final.winogradSparsity, 1)}**, top-1 **${pct(log.final.accuracy.top1)}** ` +
      `(**${pts(log.final.accuracy.top1 - dense)}** points against the dense model), ${minutes.toFixed(0)} minutes.`,
    '',
    '| stage | target | Winograd sparsity | top-1 pruned | top-1 retrained | vs dense | train loss | minutes | examples/s |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ];
}

interface SensitivityLog { baseline: Acc; testExamples: number; layers: { name: string; domain: string; levels: { sparsity: number; top1: number }[] }[] }

function sensitivityTable(run: ManifestRun): string[] {
  if (!existsSync(root(run.json))) return ['(not run yet)'];
  const log = readJson<SensitivityLog>(run.json);
  const levels = log.layers[0]!.levels.map((l) => l.sparsity);
  return [
    `    ${run.command}`,
    '',
    `Top-1 drop in points against the baseline ${pct(log.baseline.top1)} (${log.testExamples} test images), one layer pruned one-shot at a time:`,
    '',
    `| layer | domain | ${levels.map((l) => pct(l, 0)).join(' | ')} |`,
    `| --- | --- | ${levels.map(() => '---:').join(' | ')} |`,
    ...log.layers.map((l) => `| ${l.name} | ${l.domain} | ${l.levels.map((c) => (100 * (c.top1 - log.baseline.top1)).toFixed(1)).join(' | ')} |`),
  ];
}

function compareTable(runs: readonly ManifestRun[], dense: number): string[] {
  return [
    '| setting | Winograd sparsity | top-1 pruned | top-1 retrained | vs dense | last train loss |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...runs.map((r) => {
      if (!existsSync(root(r.json))) return `| ${r.label} | not run | | | | |`;
      const log = readJson<RunLog | { error: string }>(r.json);
      if ('error' in log) return `| ${r.label} | — | — | ${log.error} | | |`;
      const last = log.stages.at(-1)!;
      return `| ${r.label} | ${pct(last.winogradSparsity, 1)} | ${pct(last.accuracyPruned.top1)} | ${pct(last.accuracy.top1)} | ${pts(last.accuracy.top1 - dense)} | ${last.trainLoss.toFixed(4)} |`;
    }),
    '',
    'Commands:',
    '',
    ...runs.map((r) => `    ${r.command}`),
  ];
}

interface SparseBench {
  machine: { cpus: number; cpu: string; node: string; backend: string };
  layer: { N: number; H: number; W: number; cin: number; cout: number };
  results: { tile: string; sparsity: number; ms: { sparse: number; conv2d: number; denseWinograd: number }; speedup: { vsConv2d: number; vsDenseWinograd: number }; multiplications: { direct: number; denseWinograd: number; sparseWinograd: number } }[];
}

function sparseBenchSection(): string[] {
  if (!existsSync(root('bench/sparse.json'))) return ['(run `npm run bench:sparse` to measure)'];
  const b = readJson<SparseBench>('bench/sparse.json');
  return [
    `One pruned layer, x [${b.layer.N}, ${b.layer.H}, ${b.layer.W}, ${b.layer.cin}] → ${b.layer.cout}, 3x3, measured by \`npm run bench:sparse\` ` +
      `(${b.machine.cpu}, ${b.machine.cpus} cores, Node ${b.machine.node}, ${b.machine.backend}; the sparse path is TypeScript on one thread). ` +
      'Ratios are times measured in one run; the multiplication ratio is what the zeros allow.',
    '',
    '| tile | Winograd sparsity | tf.conv2d / sparse | dense Winograd / sparse | direct / sparse multiplications |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...b.results.map((r) => `| ${r.tile} | ${pct(r.sparsity, 0)} | ${r.speedup.vsConv2d.toFixed(2)}x | ${r.speedup.vsDenseWinograd.toFixed(2)}x | ${(r.multiplications.direct / r.multiplications.sparseWinograd).toFixed(1)}x |`),
  ];
}

function main(): void {
  const manifest = readJson<Manifest>('docs/runs/manifest.json');
  const meta = readJson<{ accuracy: { pytorch_full_test: { top1: number; top5: number; loss: number }; pytorch_test_slice_first_1000: { top1: number } } }>('models/fashion-vgg.meta.json');
  const ev = readJson<EvalLog>(manifest.dense.json);
  const dense = meta.accuracy.pytorch_full_test.top1;
  const out: string[] = [
    '# Results',
    '',
    '<!-- Generated by `npm run docs:results` (src/scripts/results.ts) from docs/runs/*.json, models/fashion-vgg.meta.json and bench/*.json. Do not edit by hand. -->',
    '',
    'Measured on this project\'s 2-core machine (wasm backend, SIMD, one thread), full Fashion-MNIST ' +
      '(`apt-get install dataset-fashion-mnist`: 60,000 training and 10,000 test images) unless a section says otherwise.',
    '',
    '## Evaluation matches PyTorch',
    '',
    `    ${manifest.dense.label}`,
    '',
    '| | top-1 | top-5 | loss |',
    '| --- | ---: | ---: | ---: |',
    `| PyTorch (models/fashion-vgg.meta.json) | ${pct(dense)} | ${pct(meta.accuracy.pytorch_full_test.top5)} | ${meta.accuracy.pytorch_full_test.loss.toFixed(4)} |`,
    `| swprune eval (${ev.backend}) | ${pct(ev.accuracy.top1)} | ${pct(ev.accuracy.top5)} | ${ev.loss.toFixed(4)} |`,
    '',
    `${ev.examples.toLocaleString('en-US')} test images in ${ev.seconds.toFixed(1)} s (${(ev.examples / ev.seconds).toFixed(0)} images/s).`,
  ];
  for (const s of manifest.sections) {
    const reference = s.data === 'slice' ? meta.accuracy.pytorch_test_slice_first_1000.top1 : dense;
    out.push('', `## ${s.title}`, '', s.text, '');
    if (s.kind === 'sensitivity') {
      for (const r of s.runs) out.push(...sensitivityTable(r), '');
      continue;
    }
    if (s.kind === 'compare') {
      out.push(...compareTable(s.runs, reference));
      continue;
    }
    for (const r of s.runs) {
      out.push(`### ${r.label}`, '', `    ${r.command}`, '');
      out.push(...(existsSync(root(r.json)) ? stagesTable(readJson<RunLog>(r.json), reference) : ['(not run yet)']), '');
    }
  }
  out.push('', '## Sparse Winograd inference speed', '', ...sparseBenchSection(), '');
  writeFileSync(root('docs/results.md'), out.join('\n').replace(/\n{3,}/g, '\n\n'));
  process.stdout.write('wrote docs/results.md\n');
}

main();

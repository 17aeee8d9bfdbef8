import chalk from 'chalk';
import type { EvalReport } from '../api/eval.js';
import type { Report } from '../api/report.js';
import type { RunResult } from '../api/run.js';
import type { RuntimeProfile } from '../api/run.js';
import type { SensitivityReport } from '../api/sensitivity.js';
import type { SpatialReport } from '../api/spatial.js';
import type { WinogradReport } from '../api/winograd.js';
import type { InspectReport } from '../report/layer-table.js';
import { formatCount, formatPercent, formatTable } from './table.js';

/** What each command prints on stdout when it has finished, from its result. */

export function formatInspect(r: InspectReport): string {
  const rows = r.layers.map((l) => [
    l.name,
    l.op,
    `[${l.outputShape.join('x')}]`,
    l.winogradCandidate ? 'yes' : l.reason ? `no (${l.reason})` : '',
    formatCount(l.params),
    formatCount(l.macs),
  ]);
  const t = r.totals;
  return (
    formatTable(
      [
        { header: 'layer' },
        { header: 'op' },
        { header: 'output' },
        { header: 'winograd' },
        { header: 'params', align: 'right' },
        { header: 'MACs', align: 'right' },
      ],
      rows,
    ) +
    `\n${r.layers.length} layers, ${formatCount(t.params)} parameters, ${formatCount(t.macs)} MACs per image; ` +
    `${t.winogradCandidates} Winograd candidates with ${formatCount(t.candidateMacs)} MACs (${((100 * t.candidateMacs) / Math.max(t.macs, 1)).toFixed(1)}%)\n`
  );
}

export function formatEval(r: EvalReport): string {
  return (
    `top-1 ${formatPercent(r.accuracy.top1)}  top-5 ${formatPercent(r.accuracy.top5)}  loss ${r.loss.toFixed(4)}  ` +
    `(${r.examples} test examples, ${r.seconds.toFixed(1)} s)\n`
  );
}

/** The last line of `spatial` and `winograd`. */
export function formatPruned(r: SpatialReport | WinogradReport): string {
  const others = 'othersPruned' in r && r.othersPruned ? formatOthers(r.othersPruned) : '';
  return `${others}wrote ${r.out}: Winograd sparsity ${formatPercent(r.final.winogradSparsity, 1)} (audited from the file), top-1 ${formatPercent(r.final.accuracy.top1)} (baseline ${formatPercent(r.baseline.top1)})\n`;
}

/** `--prune-others`: the other convolutions' zeros, apart from the Winograd-domain figures. */
function formatOthers(o: NonNullable<WinogradReport['othersPruned']>): string {
  const weights = o.layers.reduce((n, l) => n + l.weights, 0);
  const zeros = o.layers.reduce((n, l) => n + l.zeros, 0);
  return o.layers.length === 0
    ? 'other convolutions: none to prune (not in the Winograd figures)\n'
    : `other convolutions (magnitude-pruned, not in the Winograd figures): ${o.layers.length} layer${o.layers.length > 1 ? 's' : ''}, ` +
        `${formatCount(zeros)} of ${formatCount(weights)} weights zero (${formatPercent(zeros / weights, 1)}; target ${formatPercent(o.fraction, 1)} per layer)\n`;
}

const mega = (n: number | null) => (n === null ? '-' : `${(n / 1e6).toFixed(2)}M`);
const pct = (x: number | null) => (x === null ? '-' : formatPercent(x, 1));

export function formatReport(r: Report): string {
  const table = formatTable(
    [
      { header: 'layer' },
      { header: 'kind' },
      { header: 'shape' },
      { header: 'spatial', align: 'right' },
      { header: 'winograd', align: 'right' },
      { header: 'direct', align: 'right' },
      { header: 'dense W', align: 'right' },
      { header: 'sparse W', align: 'right' },
    ],
    r.layers.map((l) => [
      l.name,
      l.tile ?? l.kind,
      `${l.inputShape.slice(1).join('x')} -> ${l.outputShape.slice(1).join('x')}`,
      pct(l.spatialSparsity),
      pct(l.winogradSparsity),
      mega(l.macs.direct),
      mega(l.macs.denseWinograd),
      mega(l.macs.sparseWinograd),
    ]),
  );
  const o = r.overall;
  return (
    table +
    `\nWinograd layers: ${o.winogradLayers}, Winograd-domain sparsity ${formatPercent(o.winogradSparsity, 1)}; multiplications per image ` +
    `${mega(o.macs.direct)} direct, ${mega(o.macs.denseWinograd)} dense Winograd, ${mega(o.macs.sparseWinograd)} sparse Winograd ` +
    `(${(o.macs.direct / Math.max(o.macs.sparseWinograd, 1)).toFixed(1)}x fewer than direct)\n` +
    `whole network: ${mega(o.network.direct)} direct -> ${mega(o.network.sparseWinograd)} with sparse Winograd layers\n` +
    `accuracy from the bundle (${r.accuracySource === 'runtime' ? 'the swprune runtime' : 'dense executor: the runtime cannot run it'}): ` +
    `top-1 ${formatPercent(r.accuracy.top1)}, top-5 ${formatPercent(r.accuracy.top5)}; ` +
    `dense executor: top-1 ${formatPercent(r.denseAccuracy.top1)}, top-5 ${formatPercent(r.denseAccuracy.top5)} (${formatCount(r.testExamples)} test images)\n` +
    (r.speed.bundle
      ? `speed, batches of ${r.speed.bundle.batch}: bundle ${formatCount(Math.round(r.speed.bundle.examplesPerSecond))} images/s (swprune runtime, ${r.speed.bundle.threads} thread${r.speed.bundle.threads > 1 ? 's' : ''}; ` +
        `${r.speed.bundle.batch1MsPerImage.toFixed(2)} ms for one image)` +
        (r.speed.denseRuntime
          ? `, the network dense through the same runtime ${formatCount(Math.round(r.speed.denseRuntime.examplesPerSecond))} images/s (${r.speed.denseRuntime.batch1MsPerImage.toFixed(2)} ms): ` +
            `${(r.speed.bundle.examplesPerSecond / r.speed.denseRuntime.examplesPerSecond).toFixed(2)}x${r.speed.measuredInTurns ? ' (timed in turns)' : ''}`
          : '') +
        `; dense executor ${formatCount(Math.round(r.speed.dense.examplesPerSecond))} images/s (${r.speed.dense.backend})\n`
      : `speed: dense executor ${formatCount(Math.round(r.speed.dense.examplesPerSecond))} images/s (${r.speed.dense.backend}); the runtime cannot run this bundle\n`) +
    `wrote ${r.bundle.path} (${formatCount(r.bundle.bytes)} bytes)\n`
  );
}

export function formatRun(r: RunResult): string {
  const s = r.speed;
  return (
    `${r.model}: top-1 ${formatPercent(r.accuracy.top1)}, top-5 ${formatPercent(r.accuracy.top5)}, loss ${r.accuracy.loss.toFixed(4)} (${formatCount(r.testExamples)} test images)\n` +
    `speed (swprune runtime, ${s.threads} thread${s.threads > 1 ? 's' : ''}): ${formatCount(Math.round(s.batched.examplesPerSecond))} images/s in batches of ${s.batched.batch}; ` +
    `one image ${s.batch1.msPerImage.toFixed(3)} ms (${formatCount(Math.round(s.batch1.examplesPerSecond))} images/s)\n` +
    `${r.runtime.steps.length} kernel calls per batch, ${(r.runtime.memoryBytes / 2 ** 20).toFixed(1)} MiB of memory per thread` +
    (r.runtime.threads > 1
      ? `; calls ${r.runtime.splitFrom === null ? 'not split between threads (never faster, measured at load)' : `of ${r.runtime.splitFrom}+ images split between threads (measured at load)`}` +
        `${r.runtime.team ? ', a single image on all threads (a team)' : ''}`
      : '') +
    '\n' +
    (r.profiles ?? []).map(formatProfile).join('')
  );
}

const ms = (x: number) => (x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

/** A runtime profile: each step's time (a Winograd step's products and transforms apart), then the time by kind of kernel. */
function formatProfile(p: RuntimeProfile): string {
  const pct = (x: number) => formatPercent(p.stepsMs > 0 ? x / p.stepsMs : 0, 1);
  const steps = formatTable(
    [
      { header: 'step' },
      { header: 'kernel' },
      { header: 'ms', align: 'right' },
      { header: 'share', align: 'right' },
      { header: 'products', align: 'right' },
      { header: 'transforms', align: 'right' },
      { header: 'what' },
    ],
    p.steps.map((s) => [
      s.node,
      s.kind,
      ms(s.ms),
      pct(s.ms),
      s.winograd ? ms(s.winograd.productsMs) : '',
      s.winograd ? ms(s.winograd.transformsMs) : '',
      s.what,
    ]),
  );
  const kinds = formatTable(
    [{ header: 'kernel' }, { header: 'ms', align: 'right' }, { header: 'share', align: 'right' }, { header: 'steps', align: 'right' }],
    p.kinds.map((k) => [k.kind, ms(k.ms), formatPercent(k.share, 1), String(k.steps)]),
  );
  return (
    `\nprofile, calls of ${p.images} image${p.images > 1 ? 's' : ''} on ${p.threads} thread${p.threads > 1 ? 's' : ''} (${p.mode}): ${ms(p.callMs)} ms a call; ` +
    `the steps timed one at a time (median of ${p.reps}) add up to ${ms(p.stepsMs)} ms\n${steps}by kind of kernel:\n${kinds}`
  );
}

/** Accuracy drop in points, coloured: under 0.5 green, under 2 yellow, else red. */
function dropCell(drop: number): string {
  const text = `${drop > 0 ? '-' : '+'}${Math.abs(100 * drop).toFixed(2)}`;
  return drop < 0.005 ? chalk.green(text) : drop < 0.02 ? chalk.yellow(text) : chalk.red(text);
}

export function formatSensitivity(r: SensitivityReport): string {
  const levels = r.layers[0]?.levels.map((l) => l.sparsity) ?? [];
  const table = formatTable(
    [{ header: 'layer' }, { header: 'domain' }, ...levels.map((l) => ({ header: formatPercent(l, 0), align: 'right' as const }))],
    r.layers.map((l) => [l.name, l.domain, ...l.levels.map((c) => dropCell(r.baseline.top1 - c.top1))]),
  );
  return `top-1 drop in points against the baseline ${formatPercent(r.baseline.top1)} (${r.testExamples} test images), one layer pruned at a time:\n${table}`;
}

import chalk from 'chalk';
import type { BackendChoice } from '../backend/select.js';
import { startBackend } from '../cli/backend.js';
import type { CliIO } from '../cli/io.js';
import { createProgress } from '../cli/progress.js';
import { formatPercent, formatTable } from '../cli/table.js';
import { openDataset, type DataFlags } from '../data/index.js';
import { usageError } from '../errors.js';
import { imageInputShape } from '../exec/compile.js';
import { writeFileAtomic } from '../io/atomic.js';
import { writeJson } from '../io/json.js';
import { loadModel } from '../io/load.js';
import { selectTargets } from '../prune/targets.js';
import { winogradTargets } from '../prune/targets.js';
import { renderSensitivityHtml } from '../report/sensitivity-html.js';
import { analyseSensitivity, type SensitivityDomain, type SensitivityResult } from '../sensitivity/analyse.js';

export interface SensitivityOptions extends DataFlags {
  readonly model: string;
  readonly data: string;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  readonly tile: number;
  readonly domain: SensitivityDomain | 'both';
  readonly levels: readonly number[];
  readonly layers?: string;
  readonly skipFirst?: boolean;
  readonly limit?: number;
  readonly batchSize: number;
  readonly backend: BackendChoice;
  readonly json?: string;
  readonly html?: string;
}

/** `swprune sensitivity --json` (docs/json.md); read back by `--targets-from`. */
export interface SensitivityReport extends SensitivityResult {
  readonly command: 'sensitivity';
  readonly model: string;
  readonly data: string;
  readonly tile: number;
  readonly testExamples: number;
  readonly backend: string;
}

/** `swprune sensitivity`: one-shot per-layer pruning curves in one or both domains. */
export async function runSensitivity(opts: SensitivityOptions, io: CliIO): Promise<SensitivityReport> {
  if (opts.levels.length === 0 || opts.levels.some((l) => !(l > 0 && l < 1)) || opts.levels.some((l, i) => i > 0 && l <= opts.levels[i - 1]!)) {
    throw usageError(`--levels must be increasing sparsities between 0 and 1 (e.g. 0.2,0.4,0.6), got ${opts.levels.join(',')}`);
  }
  const loaded = loadModel(opts.model);
  const dataset = openDataset(opts, { ...imageInputShape(loaded.graph), classes: loaded.graph.outputs[0]?.dims.at(-1) ?? null }, (l) => io.stderr.write(`${l}\n`));
  const winogradForm = loaded.graph.nodes.some((n) => n.op === 'WinogradConv');
  const domains: SensitivityDomain[] = opts.domain === 'both' ? ['spatial', 'winograd'] : [opts.domain];
  if (winogradForm && domains.includes('spatial')) {
    throw usageError(`${opts.model} is in Winograd form (no spatial weights); use --domain winograd`);
  }
  const targets = winogradForm ? [] : selectTargets(loaded.graph, opts);
  const backend = await startBackend(opts.backend, io.stderr);
  const layerCount = winogradForm ? winogradTargets(loaded.graph).length : targets.length * domains.length;
  const progress = createProgress(io.stderr, { label: 'sensitivity', total: layerCount * opts.levels.length });
  const result = await analyseSensitivity({
    graph: loaded.graph, targets, domains, levels: opts.levels, dataset, limit: opts.limit, batchSize: opts.batchSize,
    onCell: (done) => progress.update(done),
  });
  progress.finish(`baseline top-1 ${formatPercent(result.baseline.top1)}`);
  const report: SensitivityReport = {
    command: 'sensitivity', model: opts.model, data: opts.data, tile: opts.tile, testExamples: dataset.test.size(opts.limit), backend: backend.name, ...result,
  };
  io.stdout.write(formatSensitivity(report));
  if (opts.json) writeJson(opts.json, report);
  if (opts.html) writeFileAtomic(opts.html, new TextEncoder().encode(renderSensitivityHtml(report)));
  return report;
}

/** Accuracy drop in points, coloured: under 0.5 green, under 2 yellow, else red. */
function dropCell(drop: number): string {
  const text = `${drop > 0 ? '-' : '+'}${Math.abs(100 * drop).toFixed(2)}`;
  return drop < 0.005 ? chalk.green(text) : drop < 0.02 ? chalk.yellow(text) : chalk.red(text);
}

function formatSensitivity(r: SensitivityReport): string {
  const levels = r.layers[0]?.levels.map((l) => l.sparsity) ?? [];
  const table = formatTable(
    [{ header: 'layer' }, { header: 'domain' }, ...levels.map((l) => ({ header: formatPercent(l, 0), align: 'right' as const }))],
    r.layers.map((l) => [l.name, l.domain, ...l.levels.map((c) => dropCell(r.baseline.top1 - c.top1))]),
  );
  return `top-1 drop in points against the baseline ${formatPercent(r.baseline.top1)} (${r.testExamples} test images), one layer pruned at a time:\n${table}`;
}

/**
 * What `npm run demo` ends with (demo.ts): the dense and the pruned model side by side, read
 * from the JSON its steps wrote. Top-1 comes from `swprune run` on each model; the speeds from
 * `swprune report`, which times the bundle and the same network dense through the same runtime
 * in turns in one process: on a machine whose speed swings within seconds, two `run` processes
 * minutes apart put the swing into the ratio.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from '../api/report.js';
import type { RunResult } from '../api/run.js';
import type { SpatialReport } from '../api/spatial.js';
import type { WinogradReport } from '../api/winograd.js';
import { SwpruneError } from '../errors.js';
import { formatCount, formatPercent } from './table.js';

/** What the demo must show: at least this Winograd-domain sparsity within this many points of dense. */
export const DEMO_TARGET = { sparsity: 0.7, maxDropPoints: 1.5 } as const;

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
  /** The two models' speeds were timed in turns in one process (report.json's `speed.measuredInTurns`). */
  readonly speedInTurns: boolean;
  readonly dense: ModelFigures;
  readonly pruned: ModelFigures;
}

interface ModelFigures {
  readonly file: string;
  readonly bytes: number;
  /** Through the swprune runtime (`swprune run`). */
  readonly top1: number;
  readonly multiplications: number;
  /** Through the swprune runtime, same threads and batch for both (report.json: `speed.denseRuntime` and `speed.bundle`). */
  readonly speed: { readonly threads: number; readonly batch: number; readonly examplesPerSecond: number; readonly msPerImage: number };
}

type RuntimeFigures = NonNullable<Report['speed']['bundle']>;

/**
 * The summary of the demo's outputs in `dir`: spatial.json, winograd.json, report.json,
 * run-dense.json and run-pruned.json.
 */
export function demoSummary(dir: string): DemoSummary {
  const spatial = readJson<SpatialReport>(join(dir, 'spatial.json'));
  const winograd = readJson<WinogradReport>(join(dir, 'winograd.json'));
  const report = readJson<Report>(join(dir, 'report.json'));
  const figures = (run: RunResult, multiplications: number, speed: RuntimeFigures | null, what: string): ModelFigures => {
    if (!speed)
      throw new SwpruneError(
        'E_UNSUPPORTED_OP',
        `${join(dir, 'report.json')} has no speed of ${what}: the swprune runtime did not run it (see its warning)`,
      );
    return {
      file: run.model,
      bytes: statSync(run.model).size,
      top1: run.accuracy.top1,
      multiplications,
      speed: { threads: speed.threads, batch: speed.batch, examplesPerSecond: speed.examplesPerSecond, msPerImage: speed.batch1MsPerImage },
    };
  };
  const dense = figures(
    readJson<RunResult>(join(dir, 'run-dense.json')),
    report.overall.network.direct,
    report.speed.denseRuntime,
    'the dense network',
  );
  const pruned = figures(
    readJson<RunResult>(join(dir, 'run-pruned.json')),
    report.overall.network.sparseWinograd,
    report.speed.bundle,
    'the bundle',
  );
  const dropPoints = 100 * (dense.top1 - pruned.top1);
  const winogradSparsity = report.overall.winogradSparsity;
  return {
    target: DEMO_TARGET,
    met: winogradSparsity >= DEMO_TARGET.sparsity && dropPoints <= DEMO_TARGET.maxDropPoints,
    dropPoints,
    winogradSparsity,
    tile: report.layers.find((l) => l.tile)?.tile ?? '',
    stages: { spatial: spatial.stages.length, winograd: winograd.stages.length },
    speedInTurns: report.speed.measuredInTurns,
    dense,
    pruned,
  };
}

/** The closing lines. */
export function summaryText(d: DemoSummary, dir: string): string {
  const row = (name: string, m: ModelFigures) =>
    `${name}  top-1 ${formatPercent(m.top1)}   ${mega(m.multiplications)} multiplications/image   ${formatCount(Math.round(m.speed.examplesPerSecond))} images/s, ` +
    `${m.speed.msPerImage.toFixed(2)} ms/image   ${m.file} ${formatCount(m.bytes)} bytes`;
  const s = d.pruned.speed;
  const lines = [
    '',
    row('dense model ', d.dense),
    row('pruned model', d.pruned),
    `              Winograd-domain sparsity ${formatPercent(d.winogradSparsity, 1)} ${d.tile} after ${d.stages.spatial} spatial and ${d.stages.winograd} Winograd stages; ` +
      `${(d.dense.multiplications / d.pruned.multiplications).toFixed(1)}x fewer multiplications, ` +
      `${(s.examplesPerSecond / d.dense.speed.examplesPerSecond).toFixed(2)}x the images/s (swprune runtime, ${s.threads} thread${s.threads === 1 ? '' : 's'}, batches of ${s.batch}` +
      `${d.speedInTurns ? ', both timed in turns by swprune report' : ''})`,
    `result: ${d.dropPoints.toFixed(2)} points below dense at ${formatPercent(d.winogradSparsity, 1)} Winograd-domain sparsity ` +
      `(target: within ${d.target.maxDropPoints} points at >= ${formatPercent(d.target.sparsity, 0)}): ${d.met ? 'met' : 'NOT met'}`,
    `This is the 4,000-image slice with a few epochs; full-data results: docs/results.md`,
    `Everything is in ${dir}/: open ${join(dir, 'report.html')} in a browser.`,
  ];
  return `${lines.join('\n')}\n`;
}

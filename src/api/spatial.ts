import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BackendChoice } from '../backend/select.js';
import { startBackend } from '../cli/backend.js';
import type { CliIO } from '../cli/io.js';
import { formatPercent } from '../cli/table.js';
import { openDataset, type DataFlags } from '../data/index.js';
import { SwpruneError, usageError } from '../errors.js';
import { imageInputShape } from '../exec/compile.js';
import { writeJson } from '../io/json.js';
import { loadModel, saveModel } from '../io/load.js';
import { layerSparsity, overallSparsity, type LayerSparsity } from '../prune/sparsity.js';
import { stageTargets } from '../prune/schedule.js';
import { targetsFromSensitivity } from '../prune/layer-targets.js';
import { spatialPruner } from '../prune/spatial-pruner.js';
import { selectTargets } from '../prune/targets.js';
import { optimizerConfig, parseLrSchedule, type TrainingOptions } from '../train/config.js';
import { runStaged, type Accuracy, type StageLog } from '../train/staged.js';

export { Interrupted } from '../train/staged.js';
export type { StageLog } from '../train/staged.js';

export interface SpatialOptions extends TrainingOptions, DataFlags {
  readonly model: string;
  readonly data: string;
  readonly out: string;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  readonly tile: number;
  readonly schedule?: readonly number[];
  readonly sparsity?: number;
  readonly thresholdMode: 'layer' | 'global';
  readonly layers?: string;
  readonly skipFirst?: boolean;
  /** `--targets-from`: a sensitivity JSON; per-layer targets are allocated from its curves. */
  readonly targetsFrom?: string;
  /** `--max-drop`, accuracy points. */
  readonly maxDrop?: number;
  readonly backend: BackendChoice;
  readonly json?: string;
  readonly resume?: boolean;
  /** Tests: stop (as if killed) after this many epochs in this invocation. */
  readonly stopAfterEpochs?: number;
}

export interface SpatialReport {
  readonly command: 'spatial';
  readonly model: string;
  readonly data: string;
  readonly out: string;
  readonly tile: number;
  readonly backend: string;
  readonly baseline: Accuracy & { readonly loss: number };
  readonly stages: readonly StageLog[];
  readonly final: { readonly winogradSparsity: number; readonly layers: readonly LayerSparsity[]; readonly accuracy: Accuracy };
}

/** `swprune spatial`: step 1, structured spatial pruning in stages with retraining. */
export async function runSpatial(opts: SpatialOptions, io: CliIO): Promise<SpatialReport> {
  if (resolve(opts.out) === resolve(opts.model)) throw usageError('-o must differ from the input model (the input is never modified)');
  const loaded = loadModel(opts.model);
  const dataset = openDataset(opts, { ...imageInputShape(loaded.graph), classes: loaded.graph.outputs[0]?.dims.at(-1) ?? null }, (l) => io.stderr.write(`${l}\n`));
  const targets = stageTargets(opts, [0.2, 0.4, 0.5, 0.6]);
  const layers = selectTargets(loaded.graph, opts);
  const checkpointPath = `${opts.out}.ckpt`;
  if (opts.targetsFrom && opts.thresholdMode === 'global') throw usageError('--targets-from sets per-layer targets; it cannot be combined with --threshold-mode global');
  const layerTargets = opts.targetsFrom
    ? targetsFromSensitivity(opts.targetsFrom, 'spatial', layers.map((t) => ({ name: t.node.name, size: t.cout * t.cin * t.tile.T * t.tile.T })), opts.maxDrop ?? 1)
    : undefined;
  const run = {
    graph: loaded.graph,
    dataset,
    pruner: spatialPruner(layers, opts.thresholdMode, layerTargets),
    targets,
    training: opts,
    optimizer: optimizerConfig(opts),
    schedule: parseLrSchedule(opts.lrSchedule),
    checkpointPath,
    identity: { command: 'spatial', model: resolve(opts.model), targets, seed: opts.seed, tile: opts.tile, thresholdMode: opts.thresholdMode, targetsFrom: opts.targetsFrom ?? null, maxDrop: opts.targetsFrom ? opts.maxDrop : null },
    resume: opts.resume,
    stopAfterEpochs: opts.stopAfterEpochs,
  };
  const backend = await startBackend(opts.backend, io.stderr);
  const result = await runStaged(run, io);

  // Write the model, then audit it: the file's own sparsity must equal what we report.
  saveModel(loaded, result.graph, opts.out);
  const last = targets.at(-1)!;
  const audited = layerSparsity(loadModel(opts.out).graph, layers, () => last);
  const reported = layerSparsity(result.graph, layers, () => last);
  audited.forEach((a, i) => {
    if (a.winogradSparsity !== reported[i]!.winogradSparsity || a.spatialSparsity !== reported[i]!.spatialSparsity) {
      throw new SwpruneError('E_IO', `audit failed: ${a.name} in ${opts.out} has Winograd sparsity ${a.winogradSparsity}, but the run computed ${reported[i]!.winogradSparsity}`);
    }
  });
  const accuracy = result.stages.at(-1)!.accuracy;
  const report: SpatialReport = {
    command: 'spatial', model: opts.model, data: opts.data, out: opts.out, tile: opts.tile, backend: backend.name,
    baseline: result.baseline, stages: result.stages,
    final: { winogradSparsity: overallSparsity(audited), layers: audited, accuracy },
  };
  if (opts.json) writeJson(opts.json, report);
  io.stdout.write(`wrote ${opts.out}: Winograd sparsity ${formatPercent(report.final.winogradSparsity, 1)} (audited from the file), top-1 ${formatPercent(accuracy.top1)} (baseline ${formatPercent(result.baseline.top1)})\n`);
  if (existsSync(checkpointPath)) rmSync(checkpointPath);
  return report;
}

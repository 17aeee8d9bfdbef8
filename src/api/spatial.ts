import { existsSync, rmSync } from 'node:fs';
import { msg, opt, usageError } from '../errors.js';
import type { Accuracy } from '../eval/evaluate.js';
import { readJson, writeJson } from '../io/json.js';
import { loadModel, modelOutputFiles, saveModel } from '../io/load.js';
import { targetsFromSensitivity } from '../prune/layer-targets.js';
import type { LayerSparsity } from '../prune/pruner.js';
import { stageTargets } from '../prune/schedule.js';
import { layerSparsity, overallSparsity } from '../prune/sparsity.js';
import { spatialPruner } from '../prune/spatial-pruner.js';
import { selectTargets } from '../prune/targets.js';
import { optimizerConfig, parseLrSchedule, stagePlan } from '../train/config.js';
import type { StageLog } from '../train/events.js';
import { checkResumable, runIdentity } from '../train/run-state.js';
import { runStaged } from '../train/staged.js';
import type { PathRef } from '../io/output-guard.js';
import { retrainEngine } from './engine.js';
import { ignoreEvents, type EventSink } from './events.js';
import { auditSparsity, openModelAndData, output, removeTemps, startCompute, trainingSettings } from './open.js';
import { DEFAULTS, type CommonOptions, type EngineOptions, type DataOptions, type PruneOptions, type TrainingOptions } from './options.js';

export interface SpatialOptions extends PruneOptions, DataOptions, TrainingOptions, CommonOptions, EngineOptions {
  /** The input model: ONNX file, or TensorFlow.js model.json (or its folder). */
  readonly model: string;
  /** One importance threshold per layer, or one for all layers. */
  readonly thresholdMode?: 'layer' | 'global';
}

/** The result of `spatial` (what `--json` writes, docs/json.md). */
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

/**
 * Step 1: structured spatial pruning in stages with retraining. Each stage zeroes the spatial
 * groups that zero whole Winograd-domain weights until every layer reaches the stage's target,
 * then retrains with the masks held. Writes an ordinary model (same format as the input) and
 * audits its sparsity from the written file.
 */
export async function runSpatial(opts: SpatialOptions, sink: EventSink = ignoreEvents): Promise<SpatialReport> {
  const tile = opts.tile ?? DEFAULTS.tile;
  const thresholdMode = opts.thresholdMode ?? DEFAULTS.thresholdMode;
  if (opts.targetsFrom && thresholdMode === 'global')
    throw usageError(msg`${opt('targetsFrom')} sets per-layer targets; it cannot be combined with ${opt('thresholdMode')} global`);
  const training = trainingSettings(opts);
  const optimizer = optimizerConfig(training);
  const schedule = parseLrSchedule(training.lrSchedule);
  const targets = stageTargets(opts, DEFAULTS.schedule.spatial);
  const plan = stagePlan(targets, opts.epochs ?? DEFAULTS.epochs, opts.lr ?? DEFAULTS.lr);
  const checkpointPath = `${opts.out}.ckpt`;
  let outputs: readonly (PathRef | undefined)[] = [];
  const { loaded, dataset } = openModelAndData(
    opts,
    sink,
    (model) =>
      (outputs = [
        ...modelOutputFiles(model, opts.out).map((f, i, all) =>
          output('out', f, i === all.length - 1 ? 'the output model' : 'a weight file of the output model'),
        ),
        output('out', checkpointPath, 'the checkpoint'),
        output('json', opts.json, 'the JSON result'),
      ]),
  );
  const layers = selectTargets(loaded.graph, { ...opts, tile });
  const maxDrop = opts.maxDrop ?? DEFAULTS.maxDrop;
  const layerTargets = opts.targetsFrom
    ? targetsFromSensitivity(
        readJson(opts.targetsFrom, 'targetsFrom'),
        opts.targetsFrom,
        'spatial',
        layers.map((t) => ({ name: t.node.name, size: t.cout * t.cin * t.tile.T * t.tile.T })),
        maxDrop,
      )
    : undefined;
  const identity = runIdentity(opts.model, {
    command: 'spatial',
    targets,
    seed: training.seed,
    tile,
    method: { thresholdMode, targetsFrom: opts.targetsFrom ?? null, maxDrop: opts.targetsFrom ? maxDrop : null },
  });
  if (opts.resume) checkResumable(checkpointPath, identity);
  const engine = retrainEngine(opts, sink);
  const backend = await startCompute(loaded, opts, sink);
  const result = await runStaged({
    graph: loaded.graph,
    dataset,
    pruner: spatialPruner(layers, thresholdMode, layerTargets),
    plan,
    training,
    optimizer,
    schedule,
    checkpointPath,
    identity,
    resume: opts.resume,
    engine,
    sink,
  });

  // Write the model, then audit it: the file's own sparsity must equal what we report.
  saveModel(loaded, result.graph, opts.out);
  const last = targets.at(-1)!;
  const audited = layerSparsity(loadModel(opts.out).graph, layers, () => last);
  auditSparsity(
    audited,
    layerSparsity(result.graph, layers, () => last),
    opts.out,
  );
  const report: SpatialReport = {
    command: 'spatial',
    model: opts.model,
    data: opts.data,
    out: opts.out,
    tile,
    backend: backend.name,
    baseline: result.baseline,
    stages: result.stages,
    final: { winogradSparsity: overallSparsity(audited), layers: audited, accuracy: result.stages.at(-1)!.accuracy },
  };
  if (opts.json) writeJson(opts.json, report);
  if (existsSync(checkpointPath)) rmSync(checkpointPath);
  removeTemps(outputs);
  return report;
}

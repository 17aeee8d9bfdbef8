import { existsSync, rmSync } from 'node:fs';
import type { Dataset } from '../data/dataset.js';
import { msg, opt, SwpruneError, usageError } from '../errors.js';
import { evaluate, type Accuracy } from '../eval/evaluate.js';
import { compileGraph } from '../exec/compile.js';
import { expandWinogradGraph } from '../graph/expand-winograd.js';
import { hasWinogradConv, type Graph, type GraphNode } from '../graph/ir.js';
import { writeFileAtomic } from '../io/atomic.js';
import { readJson, writeJson } from '../io/json.js';
import { encodeOnnx, readOnnx } from '../io/onnx/index.js';
import { targetsFromSensitivity } from '../prune/layer-targets.js';
import type { LayerSparsity } from '../prune/pruner.js';
import { otherConvolutions, othersFigures, withOthersPruned, type OtherLayerZeros } from '../prune/others-pruner.js';
import { stageTargets } from '../prune/schedule.js';
import { overallSparsity, winogradFigures } from '../prune/sparsity.js';
import { chooseTargets, selectTargets, winogradTargets } from '../prune/targets.js';
import { toWinogradGraph } from '../prune/to-winograd.js';
import { winogradPruner, type ImportanceSetting } from '../prune/winograd-pruner.js';
import { defaultImportanceGain } from '../winograd/importance.js';
import { optimizerConfig, parseLrSchedule, stagePlan } from '../train/config.js';
import type { StageLog } from '../train/events.js';
import { checkResumable, runIdentity } from '../train/run-state.js';
import { runStaged } from '../train/staged.js';
import type { PathRef } from '../io/output-guard.js';
import { retrainEngine } from './engine.js';
import { ignoreEvents, type EventSink } from './events.js';
import { auditSparsity, openModelAndData, output, removeTemps, startCompute, trainingSettings } from './open.js';
import {
  DEFAULTS,
  type CommonOptions,
  type EngineOptions,
  type DataOptions,
  type ImportanceOptions,
  type PruneOptions,
  type TrainingOptions,
} from './options.js';

export interface WinogradOptions extends PruneOptions, DataOptions, TrainingOptions, ImportanceOptions, CommonOptions, EngineOptions {
  /** The input model: a spatial model (ONNX or TensorFlow.js) or a previous run's Winograd-form ONNX. */
  readonly model: string;
  /** Also write the model as standard ONNX ops (runs in any ONNX runtime) here. */
  readonly expand?: string;
  /**
   * Beyond the paper: also magnitude-prune every other convolution (not a Winograd layer: stem,
   * strided, 1x1; group 1) to this fraction of zeros per layer, in [0, 1), held through the same
   * retraining (prune/others-pruner.ts). Reported apart, in `othersPruned`.
   */
  readonly pruneOthers?: number;
}

/** The result of `winograd` (what `--json` writes, docs/json.md). */
export interface WinogradReport {
  readonly command: 'winograd';
  readonly model: string;
  readonly data: string;
  readonly out: string;
  readonly tile: number;
  readonly backend: string;
  readonly importance: ImportanceSetting;
  /** Test accuracy of the input model and of its Winograd form before pruning (must agree). */
  readonly conversion: { readonly input: Accuracy; readonly converted: Accuracy };
  readonly baseline: Accuracy & { readonly loss: number };
  readonly stages: readonly StageLog[];
  readonly final: { readonly winogradSparsity: number; readonly layers: readonly LayerSparsity[]; readonly accuracy: Accuracy };
  /**
   * With `pruneOthers`: the other convolutions' exact zeros in the written file, apart from the
   * Winograd-domain figures above (which never include them); null without it.
   */
  readonly othersPruned: { readonly fraction: number; readonly layers: readonly OtherLayerZeros[] } | null;
}

/** Largest top-1 difference between the input and its unpruned Winograd form that float32 rounding explains. */
const CONVERSION_TOLERANCE = 0.002;

/**
 * Step 2: Winograd-domain pruning with the importance factor matrix. Converts the candidate
 * convolutions to WinogradConv layers (W = G g G^T; layers already in Winograd form keep their
 * tile), then in stages zeroes the weights with the smallest |W|·Γ and retrains with gradients
 * scaled by Γ^-p. Writes ONNX with WinogradConv nodes (and, with `expand`, standard ONNX).
 */
export async function runWinograd(opts: WinogradOptions, sink: EventSink = ignoreEvents): Promise<WinogradReport> {
  if (!opts.out.endsWith('.onnx'))
    throw usageError(msg`${opt('out')} must be an .onnx file (the Winograd form is written as ONNX), got ${opts.out}`);
  if (opts.expand !== undefined && !opts.expand.endsWith('.onnx')) {
    throw usageError(msg`${opt('expand')} must be an .onnx file, got ${opts.expand}`);
  }
  const setting = {
    importance: opts.importance ?? DEFAULTS.importance,
    norm: opts.importanceNorm ?? DEFAULTS.importanceNorm,
    power: opts.importancePower ?? DEFAULTS.importancePower,
  };
  if (opts.importanceGain !== undefined && !(opts.importanceGain > 0))
    throw usageError(msg`${opt('importanceGain')} must be > 0, got ${opts.importanceGain}`);
  if (!(setting.power >= 0)) throw usageError(msg`${opt('importancePower')} must be >= 0, got ${setting.power}`);
  const othersFraction = opts.pruneOthers;
  if (othersFraction !== undefined && !(othersFraction >= 0 && othersFraction < 1))
    throw usageError(
      msg`${opt('pruneOthers')} is the fraction of each other convolution's weights to zero: from 0 up to but not including 1 (e.g. 0.8), got ${othersFraction}`,
    );
  const requestedTile = opts.tile ?? DEFAULTS.tile;
  const training = trainingSettings(opts);
  const optimizer = optimizerConfig(training);
  const schedule = parseLrSchedule(training.lrSchedule);
  const targets = stageTargets(opts, DEFAULTS.schedule.winograd);
  const plan = stagePlan(targets, opts.epochs ?? DEFAULTS.epochs, opts.lr ?? DEFAULTS.lr);
  const checkpointPath = `${opts.out}.ckpt`;
  let outputs: readonly (PathRef | undefined)[] = [];
  const { loaded, dataset } = openModelAndData(
    opts,
    sink,
    () =>
      (outputs = [
        output('out', opts.out, 'the output model'),
        output('expand', opts.expand, 'the standard-ONNX model'),
        output('out', checkpointPath, 'the checkpoint'),
        output('json', opts.json, 'the JSON result'),
      ]),
  );
  // Convolutions still in spatial form are converted; WinogradConv nodes (a previous run) stay,
  // and on such a model no convolution left to convert (e.g. only 1x1 or strided ones) is fine.
  const select = { ...opts, tile: requestedTile };
  const spatial = hasWinogradConv(loaded.graph) ? chooseTargets(loaded.graph, select) : selectTargets(loaded.graph, select);
  const converted = toWinogradGraph(loaded.graph, spatial);
  const layers = winogradTargets(converted);
  if (layers.length === 0) throw usageError('no convolution to prune in the Winograd domain');
  const others = othersFraction === undefined ? [] : otherConvolutions(converted, requestedTile);
  const tiles = [...new Map(layers.map((l) => [l.tile.T, l.tile.name])).entries()];
  const tile = tiles.length === 1 ? tiles[0]![0] : requestedTile;
  // The gain: as given, else the tile's default (per layer when the model mixes tiles: null in the JSON).
  const gain = opts.importanceGain ?? (tiles.length === 1 ? defaultImportanceGain(layers[0]!.tile, setting.power) : undefined);
  const importance: ImportanceSetting = { ...setting, ...(gain === undefined ? {} : { gain }) };
  const maxDrop = opts.maxDrop ?? DEFAULTS.maxDrop;
  const layerTargets = opts.targetsFrom
    ? targetsFromSensitivity(
        readJson(opts.targetsFrom, 'targetsFrom'),
        opts.targetsFrom,
        'winograd',
        layers.map((t) => ({ name: t.node.name, size: converted.params.get(t.weight)!.data.length })),
        maxDrop,
      )
    : undefined;
  const identity = runIdentity(opts.model, {
    command: 'winograd',
    targets,
    seed: training.seed,
    tile: requestedTile,
    method: {
      ...importance,
      targetsFrom: opts.targetsFrom ?? null,
      maxDrop: opts.targetsFrom ? maxDrop : null,
      ...(othersFraction === undefined ? {} : { pruneOthers: othersFraction }),
    },
  });
  if (opts.resume) checkResumable(checkpointPath, identity);
  const engine = retrainEngine(opts, sink);
  const backend = await startCompute(loaded, opts, sink);
  const kept = tiles.filter(([T]) => T !== requestedTile).map(([, name]) => name);
  if (kept.length > 0) {
    sink({
      kind: 'note',
      message: msg`${opts.model} already has Winograd layers with ${kept.join(', ')} tiles; they keep them (${opt('tile')} ${requestedTile} applies only to convolutions still in spatial form)`,
    });
  }

  // The conversion must not change the model: compare test accuracy before any pruning.
  // An input already in Winograd form (a previous run's output) has nothing converted to check.
  if (spatial.length === 0)
    sink({ kind: 'note', message: [`${opts.model} is already in Winograd form (${layers.length} layers): nothing to convert`] });
  if (othersFraction !== undefined && others.length === 0)
    sink({
      kind: 'note',
      message: msg`${opt('pruneOthers')}: ${opts.model} has no other convolution (every one is a Winograd layer or left out by ${opt('layers')}/${opt('skipFirst')})`,
    });
  const winograd = winogradPruner(layers, importance, layerTargets);
  const conversion =
    opts.resume || spatial.length === 0
      ? undefined
      : await checkConversion(loaded.graph, converted, dataset, training.batchSize, sink, spatial.length, layers[0]!.tile.name);
  const result = await runStaged({
    graph: converted,
    dataset,
    pruner: othersFraction === undefined ? winograd : withOthersPruned(winograd, others, othersFraction, targets.at(-1)!),
    plan,
    training,
    optimizer,
    schedule,
    checkpointPath,
    identity,
    resume: opts.resume,
    engine,
    baseline: conversion?.baseline,
    sink,
    divergenceHint: (lr) =>
      importance.importance
        ? importance.norm === 'min'
          ? msg`lower ${opt('lr')} (now ${lr}) or damp the Winograd gradients more (${opt('importanceNorm')} none, or a smaller ${opt('importanceGain')} than ${gain ?? 'the default'})`
          : msg`lower ${opt('lr')} (now ${lr}) or damp the Winograd gradients more (a smaller ${opt('importanceGain')} than ${gain ?? 'the default'})`
        : msg`lower ${opt('lr')} (now ${lr}) or rank and scale with the importance factor (drop ${opt('importance')})`,
  });

  // Divergence (NaN/inf loss or weights) stops inside runStaged: no model full of NaN is written.
  writeFileAtomic(opts.out, encodeOnnx(loaded, result.graph));
  if (opts.expand) {
    writeFileAtomic(opts.expand, encodeOnnx(loaded, expandWinogradGraph(result.graph, inputShapes(result.graph))));
    sink({ kind: 'wrote', path: opts.expand, what: 'the same model in standard ONNX ops (runs in any ONNX runtime)' });
  }
  const last = targets.at(-1)!;
  const written = readOnnx(opts.out).graph;
  const audited = winogradFigures(written, layers, last);
  auditSparsity(audited, winogradFigures(result.graph, layers, last), opts.out);
  const report: WinogradReport = {
    command: 'winograd',
    model: opts.model,
    data: opts.data,
    out: opts.out,
    tile,
    backend: backend.name,
    importance,
    conversion: conversion
      ? { input: conversion.input, converted: conversion.baseline }
      : { input: accuracyOf(result.baseline), converted: result.baseline },
    baseline: result.baseline,
    stages: result.stages,
    final: { winogradSparsity: overallSparsity(audited), layers: audited, accuracy: result.stages.at(-1)!.accuracy },
    othersPruned: othersFraction === undefined ? null : { fraction: othersFraction, layers: othersFigures(written, others) },
  };
  if (opts.json) writeJson(opts.json, report);
  if (existsSync(checkpointPath)) rmSync(checkpointPath);
  removeTemps(outputs);
  return report;
}

const accuracyOf = (a: Accuracy): Accuracy => ({ top1: a.top1, top5: a.top5 });

/** Top-1 of the input and of its unpruned Winograd form; an error if they differ beyond float32 rounding. */
async function checkConversion(
  input: Graph,
  converted: Graph,
  dataset: Dataset,
  batchSize: number,
  sink: EventSink,
  count: number,
  tileName: string,
) {
  const before = compileGraph(input);
  const after = compileGraph(converted);
  try {
    const test = (model: typeof before, subject: string) =>
      evaluate(model, dataset.test, { batchSize: Math.max(batchSize, 256), progress: { task: { kind: 'evaluate', subject }, sink } });
    const a = (await test(before, 'input model')).accuracy;
    const b = await test(after, 'Winograd form');
    sink({ kind: 'converted', layers: count, tile: tileName, input: a, converted: b.accuracy });
    if (Math.abs(a.top1 - b.accuracy.top1) > CONVERSION_TOLERANCE) {
      const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
      throw new SwpruneError(
        'E_MODEL',
        msg`the Winograd form changes top-1 from ${pct(a.top1)} to ${pct(b.accuracy.top1)}; the tile's float32 error is too large for this model, try a smaller ${opt('tile')}`,
      );
    }
    return { input: a, baseline: { ...b.accuracy, loss: b.loss } };
  } finally {
    before.dispose();
    after.dispose();
  }
}

/** Each WinogradConv's input [C, H, W], traced by the executor. */
function inputShapes(graph: Graph): (node: GraphNode) => readonly number[] {
  const model = compileGraph(graph);
  const shapes = model.valueShapes();
  model.dispose();
  return (node) => shapes.get(node.inputs[0]!)!.slice(1);
}

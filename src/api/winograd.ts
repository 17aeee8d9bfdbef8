import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BackendChoice } from '../backend/select.js';
import { startBackend } from '../cli/backend.js';
import type { CliIO } from '../cli/io.js';
import { formatPercent } from '../cli/table.js';
import { openDataset, type DataFlags } from '../data/index.js';
import { SwpruneError, usageError } from '../errors.js';
import type { Dataset } from '../data/dataset.js';
import { compileGraph, imageInputShape } from '../exec/compile.js';
import { expandWinogradGraph } from '../graph/expand-winograd.js';
import type { Graph, GraphNode } from '../graph/ir.js';
import { writeFileAtomic } from '../io/atomic.js';
import { writeJson } from '../io/json.js';
import { loadModel } from '../io/load.js';
import { encodeOnnx, readOnnx } from '../io/onnx/index.js';
import { overallSparsity, type LayerSparsity } from '../prune/sparsity.js';
import { targetsFromSensitivity } from '../prune/layer-targets.js';
import { stageTargets } from '../prune/schedule.js';
import { chooseTargets, selectTargets } from '../prune/targets.js';
import { toWinogradGraph } from '../prune/to-winograd.js';
import { winogradFigures } from '../prune/sparsity.js';
import { winogradTargets } from '../prune/targets.js';
import { winogradPruner, type ImportanceSetting } from '../prune/winograd-pruner.js';
import { optimizerConfig, parseLrSchedule, type TrainingOptions } from '../train/config.js';
import { testAccuracy } from '../train/retrain.js';
import { runStaged, type Accuracy, type StageLog } from '../train/staged.js';

export interface WinogradOptions extends TrainingOptions, ImportanceSetting, DataFlags {
  readonly model: string;
  readonly data: string;
  readonly out: string;
  readonly mean?: readonly number[];
  readonly std?: readonly number[];
  readonly tile: number;
  readonly schedule?: readonly number[];
  readonly sparsity?: number;
  readonly layers?: string;
  readonly skipFirst?: boolean;
  /** `--targets-from`: a sensitivity JSON; per-layer targets are allocated from its curves. */
  readonly targetsFrom?: string;
  /** `--max-drop`, accuracy points. */
  readonly maxDrop?: number;
  readonly backend: BackendChoice;
  readonly json?: string;
  readonly resume?: boolean;
  readonly stopAfterEpochs?: number;
  /** Also write the model as standard ONNX ops here. */
  readonly expand?: string;
}

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
}

/** Largest top-1 difference between the input and its unpruned Winograd form that float32 rounding explains. */
const CONVERSION_TOLERANCE = 0.002;

/** `swprune winograd`: step 2, Winograd-domain pruning with the importance factor matrix. */
export async function runWinograd(opts: WinogradOptions, io: CliIO): Promise<WinogradReport> {
  if (resolve(opts.out) === resolve(opts.model)) throw usageError('-o must differ from the input model (the input is never modified)');
  if (!opts.out.endsWith('.onnx')) throw usageError(`-o must be an .onnx file (the Winograd form is written as ONNX), got ${opts.out}`);
  if (opts.expand !== undefined && (!opts.expand.endsWith('.onnx') || [resolve(opts.out), resolve(opts.model)].includes(resolve(opts.expand)))) {
    throw usageError(`--expand must be an .onnx file other than the input and -o, got ${opts.expand}`);
  }
  if (!(opts.power >= 0)) throw usageError(`--importance-power must be >= 0, got ${opts.power}`);
  const loaded = loadModel(opts.model);
  const dataset = openDataset(opts, { ...imageInputShape(loaded.graph), classes: loaded.graph.outputs[0]?.dims.at(-1) ?? null }, (l) => io.stderr.write(`${l}\n`));
  const targets = stageTargets(opts, [0.75, 0.8, 0.85]);
  // Convolutions still in spatial form are converted; WinogradConv nodes (a previous run) stay,
  // and on such a model no convolution left to convert (e.g. only 1x1 or strided ones) is fine.
  const continuing = loaded.graph.nodes.some((n) => n.op === 'WinogradConv');
  const spatial = continuing ? chooseTargets(loaded.graph, opts) : selectTargets(loaded.graph, opts);
  const converted = toWinogradGraph(loaded.graph, spatial);
  const layers = winogradTargets(converted);
  if (layers.length === 0) throw usageError('no convolution to prune in the Winograd domain');
  const tiles = [...new Map(layers.map((l) => [l.tile.T, l.tile.name])).entries()];
  const kept = tiles.filter(([T]) => T !== opts.tile).map(([, name]) => name);
  if (kept.length > 0) io.stderr.write(`note: ${opts.model} already has Winograd layers with ${kept.join(', ')} tiles; they keep them (--tile ${opts.tile} applies only to convolutions still in spatial form)\n`);
  const tile = tiles.length === 1 ? tiles[0]![0] : opts.tile;
  const checkpointPath = `${opts.out}.ckpt`;
  const layerTargets = opts.targetsFrom
    ? targetsFromSensitivity(opts.targetsFrom, 'winograd', layers.map((t) => ({ name: t.node.name, size: converted.params.get(t.weight)!.data.length })), opts.maxDrop ?? 1)
    : undefined;
  const importance: ImportanceSetting = { importance: opts.importance, norm: opts.norm, power: opts.power };
  const backend = await startBackend(opts.backend, io.stderr);

  // The conversion must not change the model: compare test accuracy before any pruning.
  // An input already in Winograd form (a previous run's output) has nothing converted to check.
  if (spatial.length === 0) io.stdout.write(`${opts.model} is already in Winograd form (${layers.length} layers): nothing to convert\n`);
  const conversion = opts.resume || spatial.length === 0 ? undefined : await checkConversion(loaded.graph, converted, dataset, opts.batchSize, io, spatial.length, layers[0]!.tile.name);
  const result = await runStaged(
    {
      graph: converted, dataset, pruner: winogradPruner(layers, importance, layerTargets), targets, training: opts,
      optimizer: optimizerConfig(opts), schedule: parseLrSchedule(opts.lrSchedule), checkpointPath,
      identity: { command: 'winograd', model: resolve(opts.model), targets, seed: opts.seed, tile: opts.tile, importance, targetsFrom: opts.targetsFrom ?? null, maxDrop: opts.targetsFrom ? opts.maxDrop : null },
      resume: opts.resume, stopAfterEpochs: opts.stopAfterEpochs, baseline: conversion?.baseline,
      divergenceHint: opts.importance
        ? `lower --lr (now ${opts.lr}) or damp the Winograd gradients more (--importance-norm none --importance-power 2)`
        : `lower --lr (now ${opts.lr}) or rank and scale with the importance factor (drop --no-importance)`,
    },
    io,
  );

  // Divergence (NaN/inf loss or weights) stops inside runStaged: no model full of NaN is written.
  writeFileAtomic(opts.out, encodeOnnx(loaded, result.graph));
  if (opts.expand) {
    writeFileAtomic(opts.expand, encodeOnnx(loaded, expandWinogradGraph(result.graph, inputShapes(result.graph))));
    io.stdout.write(`wrote ${opts.expand}: the same model in standard ONNX ops (runs in any ONNX runtime)\n`);
  }
  const last = targets.at(-1)!;
  const audited = winogradFigures(readOnnx(opts.out).graph, layers, last);
  const reported = winogradFigures(result.graph, layers, last);
  audited.forEach((a, i) => {
    if (a.winogradSparsity !== reported[i]!.winogradSparsity) {
      throw new SwpruneError('E_IO', `audit failed: ${a.name} in ${opts.out} has Winograd sparsity ${a.winogradSparsity}, but the run computed ${reported[i]!.winogradSparsity}`);
    }
  });
  const accuracy = result.stages.at(-1)!.accuracy;
  const report: WinogradReport = {
    command: 'winograd', model: opts.model, data: opts.data, out: opts.out, tile, backend: backend.name, importance,
    conversion: conversion
      ? { input: conversion.input, converted: conversion.baseline }
      : { input: { top1: result.baseline.top1, top5: result.baseline.top5 }, converted: result.baseline },
    baseline: result.baseline, stages: result.stages,
    final: { winogradSparsity: overallSparsity(audited), layers: audited, accuracy },
  };
  if (opts.json) writeJson(opts.json, report);
  io.stdout.write(`wrote ${opts.out}: Winograd sparsity ${formatPercent(report.final.winogradSparsity, 1)} (audited from the file), top-1 ${formatPercent(accuracy.top1)} (baseline ${formatPercent(result.baseline.top1)})\n`);
  if (existsSync(checkpointPath)) rmSync(checkpointPath);
  return report;
}

/** Top-1 of the input and of its unpruned Winograd form; an error if they differ beyond float32 rounding. */
async function checkConversion(input: Graph, converted: Graph, dataset: Dataset, batchSize: number, io: CliIO, count: number, tileName: string) {
  const before = compileGraph(input);
  const after = compileGraph(converted);
  try {
    const a = (await testAccuracy(before, dataset, batchSize, io.stderr, 'input model')).accuracy;
    const b = await testAccuracy(after, dataset, batchSize, io.stderr, 'Winograd form');
    io.stdout.write(`converted ${count} convolutions to ${tileName}: top-1 ${formatPercent(a.top1)} (input) vs ${formatPercent(b.accuracy.top1)} (Winograd form)\n`);
    if (Math.abs(a.top1 - b.accuracy.top1) > CONVERSION_TOLERANCE) {
      throw new SwpruneError('E_MODEL', `the Winograd form changes top-1 from ${formatPercent(a.top1)} to ${formatPercent(b.accuracy.top1)}; the tile's float32 error is too large for this model, try a smaller --tile`);
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

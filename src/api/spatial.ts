import * as tf from '@tensorflow/tfjs';
import { existsSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BackendChoice } from '../backend/select.js';
import { startBackend } from '../cli/backend.js';
import type { CliIO } from '../cli/io.js';
import { formatPercent, formatTable } from '../cli/table.js';
import { checkDataFitsModel, loadDataset, parseDataSpec } from '../data/index.js';
import { SwpruneError, usageError } from '../errors.js';
import { compileGraph, imageInputShape } from '../exec/compile.js';
import { CONV_WEIGHT } from '../exec/ops/conv.js';
import type { Graph } from '../graph/ir.js';
import { writeJson } from '../io/json.js';
import { loadModel, saveModel } from '../io/load.js';
import { layerSparsity, overallSparsity, type LayerSparsity } from '../prune/figures.js';
import { stageTargets } from '../prune/schedule.js';
import { chooseThreshold } from '../prune/spatial-mask.js';
import { selectTargets, type PruneTarget } from '../prune/targets.js';
import { loadCheckpoint, saveCheckpoint } from '../train/checkpoint.js';
import { optimizerConfig, parseLrSchedule, type TrainingOptions } from '../train/config.js';
import { Optimizer, type ParamHooks } from '../train/optimizer.js';
import { testAccuracy, trainStage } from '../train/retrain.js';

export interface SpatialOptions extends TrainingOptions {
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
  readonly backend: BackendChoice;
  readonly json?: string;
  readonly resume?: boolean;
  /** Tests: stop (as if killed) after this many epochs in this invocation. */
  readonly stopAfterEpochs?: number;
}

/** One stage's figures (`stages[]` in the JSON log). */
export interface StageLog {
  readonly stage: number;
  readonly target: number;
  readonly layers: readonly LayerSparsity[];
  readonly winogradSparsity: number;
  readonly accuracyPruned: { readonly top1: number; readonly top5: number };
  readonly accuracy: { readonly top1: number; readonly top5: number };
  readonly loss: number;
  readonly trainLoss: number;
  readonly seconds: number;
  readonly examplesPerSecond: number;
  readonly belowTolerance: readonly string[];
}

export interface SpatialReport {
  readonly command: 'spatial';
  readonly model: string;
  readonly data: string;
  readonly out: string;
  readonly tile: number;
  readonly backend: string;
  readonly baseline: { readonly top1: number; readonly top5: number; readonly loss: number };
  readonly stages: readonly StageLog[];
  readonly final: { readonly winogradSparsity: number; readonly layers: readonly LayerSparsity[]; readonly accuracy: { readonly top1: number; readonly top5: number } };
}

export class Interrupted extends Error {}

/** Spatial masks as optimizer hooks: gradient and weight both multiplied by the mask. */
function maskHooks(targets: readonly PruneTarget[], masks: ReadonlyMap<string, Uint8Array>, graph: Graph): Map<string, ParamHooks> {
  const hooks = new Map<string, ParamHooks>();
  for (const t of targets) {
    const m = masks.get(t.weight);
    if (!m) continue;
    const p = graph.params.get(t.weight)!;
    const tensor = tf.keep(CONV_WEIGHT.toExec({ name: t.weight, dims: p.dims, data: Float32Array.from(m) }));
    hooks.set(t.weight, { gradScale: tensor, mask: tensor });
  }
  return hooks;
}

function disposeHooks(hooks: ReadonlyMap<string, ParamHooks>): void {
  for (const h of hooks.values()) h.mask?.dispose();
}

/** `swprune spatial`: step 1, structured spatial pruning in stages with retraining. */
export async function runSpatial(opts: SpatialOptions, io: CliIO): Promise<SpatialReport> {
  if (resolve(opts.out) === resolve(opts.model)) throw usageError('-o must differ from the input model (the input is never modified)');
  const loaded = loadModel(opts.model);
  const dataset = loadDataset(parseDataSpec(opts.data), { mean: opts.mean, std: opts.std });
  checkDataFitsModel(dataset, { ...imageInputShape(loaded.graph), classes: loaded.graph.outputs[0]?.dims.at(-1) ?? null });
  const targets = stageTargets(opts, [0.2, 0.4, 0.5, 0.6]);
  const layers = selectTargets(loaded.graph, opts);
  const optConfig = optimizerConfig(opts);
  const lrSchedule = parseLrSchedule(opts.lrSchedule);
  const ckptPath = `${opts.out}.ckpt`;
  const backend = await startBackend(opts.backend, io.stderr);

  // Position, weights, masks and optimizer state: fresh, or from the checkpoint.
  let graph = loaded.graph;
  let stage = 0;
  let epoch = 0;
  let stageLogs: StageLog[] = [];
  let baseline: SpatialReport['baseline'] | undefined;
  let pruned: StageLog['accuracyPruned'] | undefined;
  let stageLayers: { layers: LayerSparsity[]; below: string[] } | undefined;
  const masks = new Map<string, Uint8Array>();
  let optState: { steps: number; slots: Record<string, Float32Array[]> } | undefined;
  if (opts.resume) {
    const ck = loadCheckpoint(ckptPath);
    const meta = ck.meta as { stage: number; epoch: number; stageLogs: StageLog[]; baseline: SpatialReport['baseline']; pruned?: StageLog['accuracyPruned']; stageLayers?: typeof stageLayers; model: string; targets: number[]; seed: number; steps: number; slotNames: string[] };
    if (meta.model !== resolve(opts.model) || meta.targets.join() !== targets.join() || meta.seed !== opts.seed) {
      throw usageError(`--resume: the checkpoint ${ckptPath} was made for another model, schedule or seed; run without --resume to start over`);
    }
    const params = new Map(graph.params);
    for (const [name, data] of ck.arrays) {
      if (name.startsWith('param:')) {
        const p = graph.params.get(name.slice(6))!;
        params.set(p.name, { ...p, data });
      } else if (name.startsWith('mask:')) masks.set(name.slice(5), Uint8Array.from(data));
    }
    graph = { ...graph, params };
    ({ stage, epoch, stageLogs, baseline, pruned, stageLayers } = meta);
    const slots: Record<string, Float32Array[]> = {};
    for (const n of meta.slotNames) slots[n] = [ck.arrays.get(`slot:${n}`)!];
    optState = { steps: meta.steps, slots };
    io.stderr.write(`resuming from ${ckptPath} at stage ${stage + 1}/${targets.length}, ${epoch} of ${opts.epochs} epochs done\n`);
  }

  const model = compileGraph(graph);
  const optimizer = new Optimizer(optConfig, model.trainable);
  if (optState) optimizer.loadState(optState);
  let hooks = maskHooks(layers, masks, graph);
  optimizer.setHooks(hooks);
  let epochsThisRun = 0;

  const checkpoint = (at = { stage, epoch }) => {
    const current = model.toGraph();
    const st = optimizer.state();
    const arrays = new Map<string, Float32Array>();
    for (const name of model.variables.keys()) arrays.set(`param:${name}`, current.params.get(name)!.data as Float32Array);
    for (const [name, m] of masks) arrays.set(`mask:${name}`, Float32Array.from(m));
    for (const [name, s] of Object.entries(st.slots)) arrays.set(`slot:${name}`, s[0]!);
    saveCheckpoint(ckptPath, {
      meta: { stage: at.stage, epoch: at.epoch, stageLogs, baseline, pruned, stageLayers, model: resolve(opts.model), targets, seed: opts.seed, steps: st.steps, slotNames: Object.keys(st.slots) },
      arrays,
    });
  };

  try {
    if (!baseline) {
      const b = testAccuracy(model, dataset, opts.batchSize, io.stderr, 'baseline');
      baseline = { top1: b.accuracy.top1, top5: b.accuracy.top5, loss: b.loss };
      io.stdout.write(`baseline: top-1 ${formatPercent(baseline.top1)}, top-5 ${formatPercent(baseline.top5)}, loss ${baseline.loss.toFixed(4)}\n`);
    }
    for (; stage < targets.length; stage++, epoch = 0) {
      const target = targets[stage]!;
      const stageStart = performance.now();
      if (epoch === 0 && !stageLayers) {
        // Prune: thresholds on the current weights; masks only grow (pruned weights are 0, importance 0).
        const current = model.toGraph();
        const tl = layers.map((t) => ({ tile: t.tile, g: current.params.get(t.weight)!.data as Float32Array, cout: t.cout, cin: t.cin }));
        const choices = opts.thresholdMode === 'global' ? [chooseThreshold(tl, target)] : tl.map((l) => chooseThreshold([l], target));
        const below: string[] = [];
        layers.forEach((t, i) => {
          const choice = opts.thresholdMode === 'global' ? choices[0]! : choices[i]!;
          const mask = choice.masks[opts.thresholdMode === 'global' ? i : 0]!;
          masks.set(t.weight, mask);
          if (!choice.withinTolerance && opts.thresholdMode !== 'global') below.push(t.node.name);
        });
        if (opts.thresholdMode === 'global' && !choices[0]!.withinTolerance) below.push('(overall)');
        // Masks become optimizer hooks; the weights are masked in place (the optimizer keeps its state).
        disposeHooks(hooks);
        hooks = maskHooks(layers, masks, graph);
        optimizer.setHooks(hooks);
        tf.tidy(() => {
          for (const [name, h] of hooks) {
            const v = model.trainable.get(name)!;
            v.assign(tf.add(tf.mul(v, h.mask!), 0));
          }
        });
        stageLayers = { layers: layerSparsity(model.toGraph(), layers, () => target), below };
        for (const name of below) io.stderr.write(`note: ${name}: the discrete groups cannot reach ${formatPercent(target, 1)} within 0.5 pp\n`);
        const p = testAccuracy(model, dataset, opts.batchSize, io.stderr, `stage ${stage + 1}/${targets.length} pruned`);
        pruned = p.accuracy;
      }
      const results = trainStage({
        model, dataset, optimizer, training: opts, schedule: lrSchedule, stage, stages: targets.length, startEpoch: epoch, log: io.stderr,
        afterEpoch: (e) => {
          epoch = e + 1;
          checkpoint();
          if (opts.stopAfterEpochs !== undefined && ++epochsThisRun >= opts.stopAfterEpochs) throw new Interrupted('stopped');
        },
      });
      const after = testAccuracy(model, dataset, opts.batchSize, io.stderr, `stage ${stage + 1}/${targets.length} retrained`);
      const figures = layerSparsity(model.toGraph(), layers, () => target);
      const seconds = (performance.now() - stageStart) / 1000;
      const examples = results.reduce((s, r) => s + r.examples, 0);
      const log: StageLog = {
        stage: stage + 1,
        target,
        layers: figures,
        winogradSparsity: overallSparsity(figures),
        accuracyPruned: pruned!,
        accuracy: after.accuracy,
        loss: after.loss,
        trainLoss: results.at(-1)?.loss ?? Number.NaN,
        seconds,
        examplesPerSecond: examples / Math.max(results.reduce((s, r) => s + r.seconds, 0), 1e-9),
        belowTolerance: stageLayers!.below,
      };
      stageLogs.push(log);
      stageLayers = undefined;
      printStage(io, log, targets.length, baseline);
      if (stage + 1 < targets.length) checkpoint({ stage: stage + 1, epoch: 0 });
    }

    // Write the model, then audit it: the file's own sparsity must equal what we report.
    const finalGraph = model.toGraph();
    saveModel(loaded, finalGraph, opts.out);
    const written = loadModel(opts.out).graph;
    const audited = layerSparsity(written, layers, () => targets.at(-1)!);
    const reported = layerSparsity(finalGraph, layers, () => targets.at(-1)!);
    audited.forEach((a, i) => {
      if (a.winogradSparsity !== reported[i]!.winogradSparsity || a.spatialSparsity !== reported[i]!.spatialSparsity) {
        throw new SwpruneError('E_IO', `audit failed: ${a.name} in ${opts.out} has Winograd sparsity ${a.winogradSparsity}, but the run computed ${reported[i]!.winogradSparsity}`);
      }
    });
    const last = stageLogs.at(-1)!;
    const report: SpatialReport = {
      command: 'spatial', model: opts.model, data: opts.data, out: opts.out, tile: opts.tile, backend: backend.name, baseline: baseline!,
      stages: stageLogs,
      final: { winogradSparsity: overallSparsity(audited), layers: audited, accuracy: last.accuracy },
    };
    if (opts.json) writeJson(opts.json, report);
    io.stdout.write(`wrote ${opts.out}: Winograd sparsity ${formatPercent(report.final.winogradSparsity, 1)} (audited from the file), top-1 ${formatPercent(last.accuracy.top1)} (baseline ${formatPercent(baseline!.top1)})\n`);
    if (existsSync(ckptPath)) rmSync(ckptPath);
    return report;
  } catch (e) {
    if (e instanceof SwpruneError && e.code === 'E_TRAIN') {
      const keep = existsSync(ckptPath) ? `the last good checkpoint is kept at ${ckptPath}; ` : '';
      throw new SwpruneError('E_TRAIN', `${e.message}; ${keep}lower --lr (now ${opts.lr})${keep ? ' and rerun with --resume' : ''}`);
    }
    throw e;
  } finally {
    disposeHooks(hooks);
    optimizer.dispose();
    model.dispose();
  }
}

function printStage(io: CliIO, log: StageLog, stages: number, baseline: SpatialReport['baseline'] | undefined): void {
  io.stdout.write(
    `\nstage ${log.stage}/${stages}: target ${formatPercent(log.target, 1)}, Winograd sparsity ${formatPercent(log.winogradSparsity, 1)}; ` +
      `top-1 ${formatPercent(log.accuracyPruned.top1)} pruned -> ${formatPercent(log.accuracy.top1)} retrained (baseline ${formatPercent(baseline?.top1 ?? 0)})\n`,
  );
  io.stdout.write(
    formatTable(
      [{ header: 'layer' }, { header: 'target', align: 'right' }, { header: 'winograd', align: 'right' }, { header: 'spatial', align: 'right' }],
      log.layers.map((l) => [l.name, formatPercent(l.target, 1), formatPercent(l.winogradSparsity, 1), formatPercent(l.spatialSparsity, 1)]),
    ),
  );
}
